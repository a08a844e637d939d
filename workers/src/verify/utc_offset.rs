//! Which UTC offset was the camera's clock set to when it wrote DateTimeOriginal?
//!
//! EXIF may say it outright: OffsetTimeOriginal, or OffsetTime while DateTime is the capture
//! time (cameras write both at the shutter; an editor rewrites DateTime and its OffsetTime).
//! Failing that, the GPS date/time stamp is evidence, never the capture time: it is UTC, but
//! stamped at the receiver's last fix, minutes to days before the shutter on many phones, and
//! some cameras write its date wrong. DateTimeOriginal minus it is the offset plus the fix's
//! age, so it is believed only when that is a real offset (−12:00 to +14:00, within two
//! minutes of a quarter hour) within an hour of the site's own offset at that date (the site's
//! zone, or a neighbouring one, or a camera not yet moved to summer time).

use chrono::{FixedOffset, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;
use punchline_domain::ExifFacts;
use serde_json::json;

use super::capture_time::parse_exif_datetime;

/// Real offsets lie between UTC−12:00 (Baker Island) and UTC+14:00 (Kiribati).
const MIN_OFFSET_S: i64 = -12 * 3600;
const MAX_OFFSET_S: i64 = 14 * 3600;
/// Every offset in use is a multiple of 15 minutes (+05:45 Nepal, +12:45 Chatham).
const QUARTER_HOUR_S: i64 = 900;
/// How far from a quarter hour the GPS difference may be: the fix's age plus the camera
/// clock's drift. A fix older than this says nothing reliable about the offset.
const GPS_SLACK_S: i64 = 120;
/// How far the GPS-implied offset may be from the site's: one zone over, or summer time.
const NEIGHBOUR_S: i64 = 3600;

/// Where the camera's offset was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSource {
    /// OffsetTimeOriginal.
    OffsetTimeOriginal,
    /// OffsetTime, DateTime being the capture time.
    OffsetTime,
    /// DateTimeOriginal minus the GPS UTC stamp, rounded to the quarter hour.
    GpsClock,
}

/// The camera's UTC offset and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CameraOffset {
    /// The offset the camera's clock was set to: local time minus UTC.
    pub offset: FixedOffset,
    /// Which EXIF tag (or the GPS clock) it was read from.
    pub source: OffsetSource,
}

/// Why the GPS stamp said nothing about the offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpsIgnoredReason {
    /// DateTimeOriginal − GPS UTC is outside −12:00..+14:00 or not near a quarter hour: a
    /// stale fix or a wrong GPS date.
    NotARealOffset,
    /// A real offset, but more than an hour from the site's zone at that date.
    DisagreesWithSiteZone,
}

impl GpsIgnoredReason {
    /// The name used in flag evidence (`reason` of `gps_time_ignored`).
    pub fn as_str(self) -> &'static str {
        match self {
            GpsIgnoredReason::NotARealOffset => "not_a_real_offset",
            GpsIgnoredReason::DisagreesWithSiteZone => "disagrees_with_site_zone",
        }
    }
}

/// A GPS stamp that was not believed, kept for the flag evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpsTimeIgnored {
    /// The stamp as EXIF gave it (`YYYY:MM:DD HH:MM:SS`, UTC).
    pub gps_utc: String,
    /// DateTimeOriginal − GPS UTC, in seconds.
    pub implied_offset_s: i64,
    /// Why that difference was not believed as the camera's offset.
    pub reason: GpsIgnoredReason,
}

impl GpsTimeIgnored {
    /// The evidence object: `{gps_utc, implied_offset: "-21:58", implied_offset_s, reason}`.
    pub fn evidence(&self) -> serde_json::Value {
        json!({
            "gps_utc": self.gps_utc,
            "implied_offset": format_offset(self.implied_offset_s),
            "implied_offset_s": self.implied_offset_s,
            "reason": self.reason.as_str(),
        })
    }
}

/// What EXIF tells about the camera's offset: the offset if any source is believed, and the
/// GPS stamp if it was present but not believed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OffsetEvidence {
    /// The offset from the best source believed; `None`: the site's zone must be assumed.
    pub found: Option<CameraOffset>,
    /// The GPS stamp, when present but not believed (kept for the flags' evidence).
    pub gps_ignored: Option<GpsTimeIgnored>,
}

/// The camera's offset for DateTimeOriginal `local` (whole seconds), best source first:
/// OffsetTimeOriginal, OffsetTime, the GPS clock checked against `site_zone`.
pub fn camera_offset(exif: &ExifFacts, local: NaiveDateTime, site_zone: Tz) -> OffsetEvidence {
    if let Some(offset) = exif.offset.as_deref().and_then(parse_offset) {
        let found = CameraOffset { offset, source: OffsetSource::OffsetTimeOriginal };
        return OffsetEvidence { found: Some(found), gps_ignored: None };
    }
    // DateTime absent or the capture time itself: its offset is the capture's.
    let datetime = exif.datetime.as_deref().and_then(parse_exif_datetime);
    if datetime.is_none_or(|d| d == local) {
        if let Some(offset) = exif.datetime_offset.as_deref().and_then(parse_offset) {
            let found = CameraOffset { offset, source: OffsetSource::OffsetTime };
            return OffsetEvidence { found: Some(found), gps_ignored: None };
        }
    }
    let Some(gps_text) = exif.gps_utc.as_deref() else { return OffsetEvidence::default() };
    let Some(gps) = parse_exif_datetime(gps_text) else { return OffsetEvidence::default() };
    // Whole dates and times are subtracted, so a UTC date on the other side of midnight from
    // the local one (east or west of Greenwich) is no special case.
    let implied_s = (local - gps).num_seconds();
    let ignored = |reason| OffsetEvidence {
        found: None,
        gps_ignored: Some(GpsTimeIgnored {
            gps_utc: gps_text.to_owned(),
            implied_offset_s: implied_s,
            reason,
        }),
    };
    let quarter_s = (implied_s as f64 / QUARTER_HOUR_S as f64).round() as i64 * QUARTER_HOUR_S;
    if (implied_s - quarter_s).abs() > GPS_SLACK_S || !(MIN_OFFSET_S..=MAX_OFFSET_S).contains(&quarter_s) {
        return ignored(GpsIgnoredReason::NotARealOffset);
    }
    let site_s = i64::from(
        site_zone
            .offset_from_utc_datetime(&(local - chrono::TimeDelta::seconds(quarter_s)))
            .fix()
            .local_minus_utc(),
    );
    if (quarter_s - site_s).abs() > NEIGHBOUR_S {
        return ignored(GpsIgnoredReason::DisagreesWithSiteZone);
    }
    let offset = FixedOffset::east_opt(quarter_s as i32).expect("within ±14 h");
    OffsetEvidence { found: Some(CameraOffset { offset, source: OffsetSource::GpsClock }), gps_ignored: None }
}

/// `+HH:MM` within the real range; anything else is no offset at all.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let offset = text.parse::<FixedOffset>().ok()?;
    (MIN_OFFSET_S..=MAX_OFFSET_S).contains(&i64::from(offset.local_minus_utc())).then_some(offset)
}

/// Signed hours and minutes, rounded to the minute: `-79108` s is `-21:58`.
pub fn format_offset(seconds: i64) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = (seconds.abs() + 30) / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}
