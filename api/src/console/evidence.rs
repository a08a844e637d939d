//! Each flag's evidence made visual on the punch page: the earlier photo a reused photo
//! matches, side by side with this one; the times on one line with their skews; and the
//! numbers behind any flag as a readable list.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};
use punchline_backends::records::PunchDetails;
use punchline_domain::{ExifFacts, Flag, FlagCode, Punch, PunchId};
use serde_json::Value;

use super::format::{local_time, signed_duration};
use super::queue::Names;

/// An earlier punch a reuse flag points at, as found in the viewer's organisation.
pub struct Match {
    /// The flag that found it.
    pub code: FlagCode,
    /// PDQ bits apart (0 for a byte-identical file).
    pub distance: u64,
    /// The earlier punch.
    pub details: PunchDetails,
}

/// The earlier punches a flag's evidence names (`matches[].punch_id`, closest first).
pub fn matched_punches(flag: &Flag) -> Vec<(PunchId, u64)> {
    flag.evidence["matches"]
        .as_array()
        .map(|matches| {
            matches
                .iter()
                .filter_map(|m| {
                    let id = m["punch_id"].as_str()?.parse().ok()?;
                    Some((id, m["distance"].as_u64().unwrap_or(0)))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// This photo and each earlier one side by side, with who, where, when and how far apart.
pub fn reuse(this: &Punch, matches: &[Match], names: &Names) -> Markup {
    html! {
        section #reuse aria-labelledby="reuse-title" {
            h2 #reuse-title { "Earlier photo" }
            @for m in matches {
                @let earlier = &m.details.punch;
                div.side-by-side {
                    figure {
                        img src={ "/console/punches/" (this.id) "/photo/800" } alt="This punch's photo";
                        figcaption { strong { "This punch" } br; (names.worker(this.worker)) " at " (names.site(this.site)) br;
                            (local_time(this.received_at, names.zone(this.site))) }
                    }
                    figure.earlier {
                        a href={ "/console/punches/" (earlier.id) } {
                            img src={ "/console/punches/" (earlier.id) "/photo/800" } alt="The earlier punch's photo";
                        }
                        figcaption {
                            strong { "Earlier punch" } br;
                            (names.worker(earlier.worker)) " at " (names.site(earlier.site)) br;
                            (local_time(earlier.received_at, names.zone(earlier.site))) br;
                            span.distance {
                                @if m.code == FlagCode::ExactDuplicate { "byte-identical file (PDQ distance 0)" }
                                @else { "PDQ distance " strong { (m.distance) } " of 256 bits" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// When the photo was taken, per its EXIF, and how its zone was decided.
pub struct Capture {
    pub utc: DateTime<Utc>,
    pub zone_note: String,
}

/// The capture time: EXIF DateTimeOriginal with its offset, else read in the site's zone.
pub fn capture_time(facts: &ExifFacts, site_zone: Tz) -> Option<Capture> {
    let local =
        NaiveDateTime::parse_from_str(facts.datetime_original.as_deref()?, "%Y:%m:%d %H:%M:%S").ok()?;
    if let Some(offset) = facts.offset.as_deref().and_then(|o| o.parse::<FixedOffset>().ok()) {
        let at = offset.from_local_datetime(&local).single()?;
        return Some(Capture { utc: at.to_utc(), zone_note: format!("EXIF offset {offset}") });
    }
    let at = site_zone.from_local_datetime(&local).earliest()?;
    Some(Capture {
        utc: at.to_utc(),
        zone_note: format!("no offset in EXIF: read in the site's zone {site_zone}"),
    })
}

/// Capture, device and server times on one line, with the skews between them.
pub fn times(punch: &Punch, capture: Option<&Capture>, zone: Tz) -> Markup {
    let device = punch.device_time.to_utc();
    let skew =
        |a: DateTime<Utc>, b: DateTime<Utc>| signed_duration((a - b).num_milliseconds() as f64 / 1000.0);
    html! {
        section #time aria-labelledby="time-title" {
            h2 #time-title { "Time" }
            ol.timeline {
                li {
                    span.what { "Photo taken" }
                    @if let Some(c) = capture {
                        time datetime=(c.utc.to_rfc3339()) { (local_time(c.utc, zone)) }
                        span.note { (c.zone_note) }
                    } @else { span.note { "no capture time in EXIF" } }
                }
                li {
                    span.what { "Device punch time" }
                    time datetime=(punch.device_time.to_rfc3339()) { (local_time(device, zone)) }
                    span.note { "device clock, UTC" (punch.device_time.format("%:z")) }
                    @if let Some(c) = capture { span.skew { "photo " (skew(c.utc, device)) } }
                }
                li {
                    span.what { "Server received" }
                    time datetime=(punch.received_at.to_rfc3339()) { (local_time(punch.received_at, zone)) }
                    span.note { "server clock" }
                    @if let Some(c) = capture { span.skew { "photo " (skew(c.utc, punch.received_at)) } }
                    span.skew { "device " (skew(device, punch.received_at)) }
                }
            }
            p.muted { "Times shown in the site's zone, " (zone.name()) "." }
        }
    }
}

/// A flag's evidence as a list of its numbers (the matched photos are drawn instead).
pub fn numbers(flag: &Flag) -> Markup {
    let Some(object) = flag.evidence.as_object() else { return html! {} };
    html! {
        @if object.keys().any(|k| k != "matches") {
            dl.evidence {
                @for (key, value) in object.iter().filter(|(k, _)| *k != "matches") {
                    dt { (key.replace('_', " ")) }
                    dd { (plain(value)) }
                }
            }
        }
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map_or_else(
            || n.to_string(),
            |f| if f.fract() == 0.0 { format!("{f:.0}") } else { format!("{f:.2}") },
        ),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_times_use_the_exif_offset_else_the_site_zone() {
        let mut facts = ExifFacts {
            datetime_original: Some("2021:07:06 16:08:14".into()),
            offset: Some("+03:00".into()),
            ..ExifFacts::default()
        };
        let kyiv: Tz = "Europe/Kyiv".parse().expect("zone");
        let with_offset = capture_time(&facts, chrono_tz::UTC).expect("parses");
        assert_eq!(with_offset.utc.to_rfc3339(), "2021-07-06T13:08:14+00:00");
        facts.offset = None;
        let assumed = capture_time(&facts, kyiv).expect("parses");
        assert_eq!(assumed.utc.to_rfc3339(), "2021-07-06T13:08:14+00:00");
        assert!(assumed.zone_note.contains("Europe/Kyiv"));
    }

    #[test]
    fn matches_are_read_from_the_evidence() {
        let id = PunchId::new();
        let flag = Flag {
            code: FlagCode::ReusedPhoto,
            severity: punchline_domain::Severity::Critical,
            evidence: serde_json::json!({"matches": [{"punch_id": id.to_string(), "distance": 6}]}),
            message: String::new(),
        };
        assert_eq!(matched_punches(&flag), vec![(id, 6)]);
        assert_eq!(plain(&serde_json::json!([46.5, 33.25])), "46.50, 33.25");
    }
}
