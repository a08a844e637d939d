//! Every sample photo as a punch, and what its verdict must show.
//!
//! Most expectations come from the photos' own records: `manifest.csv` (what exiftool
//! reads: GPS or none) and `provenance.csv` (which photos are one picture). The rest, the
//! traps the photos' README describes, are listed in [`expected_outcomes`].

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use futures::StreamExt;
use punchline_api::client::ClientError;
use punchline_api::schema::punch::PunchDetailsView;
use punchline_domain::PhotoState;
use punchline_testkit::photos;

use crate::punching::{Crew, SITE};

/// A photo's GPS this far from the site is `outside_geofence` for sure (the fence is
/// 150 m; GPS and accuracy slack add at most ~110 m).
const SURELY_OUTSIDE_M: f64 = 1_000.0;

/// How one punch ended, as the app sees it: comparable between two stacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// `verified`, `needs_review`, `failed:<code>` or `refused:<status>:<code>`.
    pub outcome: String,
    /// The verdict's flag codes.
    pub flags: BTreeSet<String>,
    /// Variants listed whose URL answered 200 with a JPEG.
    pub variants_downloaded: usize,
}

/// What a photo's verdict must show beyond what its records imply.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// The verdict is `verified`.
    Verified,
    /// The verdict has this flag.
    Flag(&'static str),
    /// The photo is `failed` with this code.
    Failed(&'static str),
    /// The app's calls are refused with this status (the upload never becomes a job).
    Refused(u16),
}

/// The traps of the sample photos (their README) and how each must end.
pub fn expected_outcomes() -> Vec<(&'static str, Expect)> {
    use Expect::*;
    vec![
        ("iphonexs_pug1.heic", Verified),
        ("iphonexs_pug_closeup_exifmismatch.heic", Flag("exif_copied")),
        ("iphonexs_pug3_nometa.heic", Flag("exif_stripped")),
        ("iphonexs_pug3_nometa.heic", Flag("no_capture_time")),
        ("canon_r5_black.hif", Flag("blank_photo")),
        ("sony_a1_black.hif", Flag("blank_photo")),
        ("iphonexr_1x1_gps.jpg", Flag("too_small")),
        ("galaxys_gps00_rot6.jpg", Flag("bogus_gps")),
        ("bad_truncated.heic", Failed("truncated")),
        ("bad_truncated_xperia.jpg", Failed("truncated")),
        ("bad_empty.heic", Refused(422)),
        ("bad_mp4_named_jpg.jpg", Refused(422)),
    ]
}

/// One row of the photos' records.
struct Photo {
    file: String,
    gps: Option<(f64, f64)>,
    captured: Option<DateTime<FixedOffset>>,
    /// The `same_image` group, if the photo is one picture with others.
    same_image: Option<String>,
}

/// The sample photos, in two waves: the first of each picture, then its other copies
/// (so reuse is judged against a photo already committed, whatever the workers' order).
pub struct Corpus {
    photos: Vec<Photo>,
}

impl Corpus {
    pub fn read() -> Corpus {
        let manifest: Vec<BTreeMap<String, String>> = photos::table("manifest.csv");
        let provenance: BTreeMap<String, BTreeMap<String, String>> = photos::table("provenance.csv")
            .into_iter()
            .map(|r: BTreeMap<String, String>| (r["path"].clone(), r))
            .collect();
        let photos = manifest
            .into_iter()
            .map(|m| {
                let p = &provenance[&m["path"]];
                let same_image = (p["group_kind"] == "same_image").then(|| p["dup_group"].clone());
                let gps = m["gps_lat"].parse().ok().zip(m["gps_lon"].parse().ok());
                let captured = NaiveDateTime::parse_from_str(&m["datetime_original"], "%Y:%m:%d %H:%M:%S")
                    .ok()
                    .zip(m["offset"].parse::<FixedOffset>().ok())
                    .and_then(|(local, offset)| local.and_local_timezone(offset).single());
                Photo { file: m["path"].clone(), gps, captured, same_image }
            })
            .collect();
        Corpus { photos }
    }

    /// Whether `photo` is a later copy of a picture (second wave).
    fn is_copy(&self, photo: &Photo) -> bool {
        // The copied-EXIF shot is judged against the photo its EXIF came from. It has no
        // `same_image` group (it is another picture), so it is asked for first.
        if photo.file.contains("exifmismatch") {
            return true;
        }
        let Some(group) = &photo.same_image else { return false };
        self.photos
            .iter()
            .find(|p| p.same_image.as_ref() == Some(group))
            .map(|first| first.file != photo.file)
            == Some(true)
    }

    /// Punches every photo through `crew` and waits for each result.
    pub async fn punch_all(&self, crew: &Crew, timeout: Duration) -> BTreeMap<String, Observed> {
        let mut seen = BTreeMap::new();
        for copies in [false, true] {
            let wave: Vec<&Photo> = self.photos.iter().filter(|p| self.is_copy(p) == copies).collect();
            let results: Vec<(String, Observed)> = futures::stream::iter(wave)
                .map(|photo| async move { (photo.file.clone(), punch_one(crew, photo, timeout).await) })
                .buffer_unordered(6)
                .collect()
                .await;
            seen.extend(results);
        }
        seen
    }

    /// Asserts every result against the photos' records and `expected`.
    pub fn check(&self, seen: &BTreeMap<String, Observed>, expected: &[(&str, Expect)]) {
        let mut wrong = Vec::new();
        for photo in &self.photos {
            let o = &seen[&photo.file];
            let special: Vec<Expect> =
                expected.iter().filter(|(f, _)| *f == photo.file).map(|(_, e)| *e).collect();
            for e in &special {
                let ok = match e {
                    Expect::Verified => o.outcome == "verified",
                    Expect::Flag(code) => o.flags.contains(*code),
                    Expect::Failed(code) => o.outcome == format!("failed:{code}"),
                    Expect::Refused(status) => o.outcome.starts_with(&format!("refused:{status}:")),
                };
                if !ok {
                    wrong.push(format!("{}: expected {e:?}, got {o:?}", photo.file));
                }
            }
            let judged = o.outcome == "verified" || o.outcome == "needs_review";
            if !judged {
                if special.is_empty() {
                    wrong.push(format!("{}: a real photo must be judged, got {o:?}", photo.file));
                }
                continue;
            }
            if o.variants_downloaded != 3 && !o.flags.contains("too_small") {
                wrong.push(format!("{}: 3 variants downloadable, got {}", photo.file, o.variants_downloaded));
            }
            let reused = o.flags.contains("reused_photo") || o.flags.contains("exact_duplicate");
            let copy = self.is_copy(photo) && photo.same_image.is_some();
            if reused != copy {
                wrong.push(format!(
                    "{}: reuse flagged {reused}, but a copy of an earlier photo: {copy}",
                    photo.file
                ));
            }
            match photo.gps {
                None if !o.flags.contains("no_gps") => {
                    wrong.push(format!("{}: no GPS, no no_gps flag", photo.file))
                }
                Some(at)
                    if distance_m(at, SITE) > SURELY_OUTSIDE_M
                        && at != (0.0, 0.0)
                        && !o.flags.contains("outside_geofence") =>
                {
                    wrong.push(format!("{}: {at:?} is far from the site: outside_geofence", photo.file));
                }
                _ => {}
            }
        }
        assert!(wrong.is_empty(), "{} photos judged wrong:\n{}", wrong.len(), wrong.join("\n"));
    }
}

async fn punch_one(crew: &Crew, photo: &Photo, timeout: Duration) -> Observed {
    let device_time = photo.captured.unwrap_or_else(|| Utc::now().fixed_offset());
    let punch = match crew.submit_at(&photo.file, device_time).await {
        Ok(punch) => punch,
        Err(ClientError::Status { status, code, .. }) => return refused(status.as_u16(), &code),
        Err(e) => panic!("{}: {e}", photo.file),
    };
    let details =
        crew.worker.wait_for_result(punch, timeout).await.unwrap_or_else(|e| panic!("{}: {e}", photo.file));
    observe(crew, &details).await
}

fn refused(status: u16, code: &str) -> Observed {
    Observed { outcome: format!("refused:{status}:{code}"), flags: BTreeSet::new(), variants_downloaded: 0 }
}

async fn observe(crew: &Crew, d: &PunchDetailsView) -> Observed {
    let outcome = match (&d.photo.failure, d.photo.state, &d.verdict) {
        (Some(f), PhotoState::Failed, _) => format!("failed:{}", f.code),
        (_, _, Some(v)) => v.state.to_string(),
        (_, state, None) => format!("no verdict ({state})"),
    };
    let flags = d.verdict.iter().flat_map(|v| &v.flags).map(|f| f.code.to_string()).collect();
    let mut variants_downloaded = 0;
    for v in &d.variants {
        if crew.download_is_jpeg(&v.url).await {
            variants_downloaded += 1;
        }
    }
    Observed { outcome, flags, variants_downloaded }
}

/// Great-circle distance in metres.
fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}
