//! The demo's photos: a dozen of the sample photos chosen so that every kind of outcome
//! shows once, the job site they are punched at, and each punch's device time.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

/// One punch of the demo: the photo file and what it is there to show.
pub struct DemoPhoto {
    pub file: &'static str,
    pub shows: &'static str,
}

/// In the order they are punched: the reuse cases come after the photo they reuse.
pub const DEMO_PHOTOS: &[DemoPhoto] = &[
    DemoPhoto { file: "iphonexs_pug1.heic", shows: "a good punch at the site" },
    DemoPhoto { file: "iphonexs_pug2.heic", shows: "another shot of the scene (not reuse)" },
    DemoPhoto { file: "iphonexs_pug1.heic", shows: "the first photo sent again" },
    DemoPhoto { file: "iphonexs_pug_closeup_exifmismatch.heic", shows: "EXIF copied from another shot" },
    DemoPhoto { file: "iphone6_hdr_on.jpg", shows: "taken 3,000 km from the site" },
    DemoPhoto { file: "iphone6_hdr_off.jpg", shows: "the same capture, HDR off (reuse)" },
    DemoPhoto { file: "galaxys_gps00_rot6.jpg", shows: "a bogus 0,0 GPS fix" },
    DemoPhoto { file: "canon_r5_black.hif", shows: "a black frame (lens cap)" },
    DemoPhoto { file: "iphonexr_1x1_gps.jpg", shows: "a 1×1 pixel image" },
    DemoPhoto { file: "orient_landscape_6.jpg", shows: "no camera EXIF at all" },
    DemoPhoto { file: "bad_truncated.heic", shows: "a truncated upload" },
    DemoPhoto { file: "bad_mp4_named_jpg.jpg", shows: "a video named .jpg" },
];

/// The job site: a 150 m circle around where the pug photos were taken.
pub const SITE_NAME: &str = "Demo site (Kherson, where the pug photos were taken)";
pub const SITE_LAT: f64 = 46.754703;
pub const SITE_LON: f64 = 33.336106;
pub const SITE_RADIUS_M: f64 = 150.0;
pub const SITE_TIME_ZONE: &str = "Europe/Kyiv";

/// The capture times exiftool read from each sample (`manifest.csv`), so each punch's
/// device time is when its photo was taken, as on a phone that punches as it shoots.
pub struct CaptureTimes(HashMap<String, DateTime<FixedOffset>>);

impl CaptureTimes {
    /// Reads `manifest.csv` in the photos directory (plain CSV without quoting).
    pub fn read(photos: &Path) -> anyhow::Result<CaptureTimes> {
        let path = photos.join("manifest.csv");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        let column = |name: &str| header.iter().position(|h| *h == name);
        let (Some(file), Some(when), Some(offset)) =
            (column("path"), column("datetime_original"), column("offset"))
        else {
            anyhow::bail!("{}: expected the columns path, datetime_original, offset", path.display());
        };
        let times = lines
            .filter_map(|line| {
                let cells: Vec<&str> = line.split(',').collect();
                let at = capture_time(cells.get(when)?, cells.get(offset)?)?;
                Some((cells.get(file)?.to_string(), at))
            })
            .collect();
        Ok(CaptureTimes(times))
    }

    /// The photo's capture time with its offset; a photo without one punches "now" in UTC.
    pub fn device_time(&self, file: &str) -> DateTime<FixedOffset> {
        self.0.get(file).copied().unwrap_or_else(|| Utc::now().fixed_offset())
    }
}

/// `2021:07:06 16:08:14` and `+03:00`, as EXIF writes them.
fn capture_time(when: &str, offset: &str) -> Option<DateTime<FixedOffset>> {
    let local = NaiveDateTime::parse_from_str(when, "%Y:%m:%d %H:%M:%S").ok()?;
    let offset: FixedOffset = offset.parse().ok()?;
    local.and_local_timezone(offset).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exif_times_with_an_offset_become_device_times() {
        let at = capture_time("2021:07:06 16:08:14", "+03:00").expect("parses");
        assert_eq!(at.to_rfc3339(), "2021-07-06T16:08:14+03:00");
        assert!(capture_time("2021:07:06 16:08:14", "").is_none());
        assert!(capture_time("", "+03:00").is_none());
    }
}
