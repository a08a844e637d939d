//! When was the photo taken? Resolve the capture time in UTC from EXIF, then compare it
//! with the device's punch time, the server's receive time and the upload's completion.

use chrono::offset::LocalResult;
use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use punchline_domain::config::VerificationConfig;
use punchline_domain::{ExifFacts, FlagCode};
use serde_json::json;

use super::verdict::Findings;
use super::VerificationInput;

/// Which EXIF facts the capture time was read from, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureTimeSource {
    /// DateTimeOriginal with the camera's OffsetTimeOriginal: exact.
    ExifOffset,
    /// The GPS date and time stamp (UTC by definition; the time of the fix).
    GpsUtc,
    /// DateTimeOriginal read in the site's time zone: right if the camera was set to it.
    SiteTimeZone,
}

impl CaptureTimeSource {
    /// The name used in flag evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureTimeSource::ExifOffset => "exif_offset",
            CaptureTimeSource::GpsUtc => "gps_utc",
            CaptureTimeSource::SiteTimeZone => "site_time_zone",
        }
    }
}

/// A photo's capture time and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptureTime {
    pub utc: DateTime<Utc>,
    pub source: CaptureTimeSource,
    /// For [`CaptureTimeSource::SiteTimeZone`]: `ambiguous` when the local time occurs
    /// twice (DST ends; the earlier is taken), `nonexistent` when it falls in the hour
    /// skipped as DST starts (read with the offset in force before the change).
    pub zone_note: Option<&'static str>,
}

/// DateTimeOriginal + OffsetTimeOriginal, else the GPS UTC stamp, else DateTimeOriginal in
/// the site's time zone. `None` when EXIF holds no usable time.
pub fn resolve_capture_time(exif: &ExifFacts, site_zone: Tz) -> Option<CaptureTime> {
    let local = exif.datetime_original.as_deref().and_then(parse_exif_datetime);
    let offset = exif.offset.as_deref().and_then(|o| o.parse::<FixedOffset>().ok());
    if let (Some(local), Some(offset)) = (local, offset) {
        if let LocalResult::Single(t) = offset.from_local_datetime(&local) {
            let utc = t.with_timezone(&Utc);
            return Some(CaptureTime { utc, source: CaptureTimeSource::ExifOffset, zone_note: None });
        }
    }
    if let Some(gps) = exif.gps_utc.as_deref().and_then(parse_exif_datetime) {
        let utc = gps.and_utc();
        return Some(CaptureTime { utc, source: CaptureTimeSource::GpsUtc, zone_note: None });
    }
    let (utc, zone_note) = in_zone(local?, site_zone)?;
    Some(CaptureTime { utc, source: CaptureTimeSource::SiteTimeZone, zone_note })
}

/// `YYYY:MM:DD HH:MM:SS`, also with `-` date separators or a `T`, ignoring anything after
/// the seconds (sub-seconds, a zone some writers append). All-zero dates are refused.
pub(super) fn parse_exif_datetime(text: &str) -> Option<NaiveDateTime> {
    let head = text.get(..19)?;
    let normalised: String = head
        .char_indices()
        .map(|(i, c)| match (i, c) {
            (4 | 7, '-') => ':',
            (10, 'T') => ' ',
            _ => c,
        })
        .collect();
    NaiveDateTime::parse_from_str(&normalised, "%Y:%m:%d %H:%M:%S").ok()
}

/// A wall-clock time in a zone, with DST folds and gaps resolved as documented on
/// [`CaptureTime::zone_note`].
fn in_zone(local: NaiveDateTime, zone: Tz) -> Option<(DateTime<Utc>, Option<&'static str>)> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Some((t.with_timezone(&Utc), None)),
        LocalResult::Ambiguous(earlier, _) => Some((earlier.with_timezone(&Utc), Some("ambiguous"))),
        LocalResult::None => {
            // In a gap the camera had not yet sprung forward: read it an hour earlier, with
            // the offset before the change, and add the hour back.
            let hour = TimeDelta::hours(1);
            let before = zone.from_local_datetime(&(local - hour)).earliest()?;
            Some((before.with_timezone(&Utc) + hour, Some("nonexistent")))
        }
    }
}

fn rfc3339<Z: TimeZone>(t: &DateTime<Z>) -> String
where
    Z::Offset: std::fmt::Display,
{
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Signed seconds from `b` to `a`, to the millisecond.
fn seconds_between<A: TimeZone, B: TimeZone>(a: &DateTime<A>, b: &DateTime<B>) -> f64 {
    (a.timestamp_millis() - b.timestamp_millis()) as f64 / 1000.0
}

pub(super) fn check(input: &VerificationInput<'_>, config: &VerificationConfig, findings: &mut Findings<'_>) {
    let exif = &input.photo.exif;
    let zone = input.site.time_zone;
    let Some(capture) = resolve_capture_time(exif, zone) else {
        findings.raise(
            FlagCode::NoCaptureTime,
            "The photo carries no usable capture time.".into(),
            json!({
                "exif_present": exif.present,
                "datetime_original": exif.datetime_original,
                "offset": exif.offset,
                "gps_utc": exif.gps_utc,
            }),
        );
        return;
    };
    let capture_utc = rfc3339(&capture.utc);
    let source = capture.source.as_str();

    if capture.source == CaptureTimeSource::SiteTimeZone {
        findings.raise(
            FlagCode::CaptureZoneAssumed,
            format!("The camera recorded no UTC offset; its time was read in {}.", zone.name()),
            json!({
                "datetime_original": exif.datetime_original,
                "time_zone": zone.name(),
                "zone_note": capture.zone_note,
                "capture_utc": capture_utc,
            }),
        );
    }

    let device_time = &input.punch.device_time;
    let device_skew_s = seconds_between(&capture.utc, device_time);
    let tolerance_s = config.device_time_tolerance_s;
    if device_skew_s.abs() > tolerance_s as f64 {
        findings.raise(
            FlagCode::CaptureTimeSkew,
            format!("The photo was taken {:.0} s from the device's punch time.", device_skew_s.abs()),
            json!({
                "capture_utc": capture_utc,
                "source": source,
                "device_time": rfc3339(device_time),
                "skew_s": device_skew_s,
                "tolerance_s": tolerance_s,
            }),
        );
    }

    let received_at = &input.punch.received_at;
    let server_skew_s = seconds_between(&capture.utc, received_at);
    let tolerance_s = config.server_time_tolerance_s;
    if server_skew_s.abs() > tolerance_s as f64 {
        findings.raise(
            FlagCode::CaptureTimeSkewServer,
            format!("The photo was taken {:.0} s from when the server got the punch.", server_skew_s.abs()),
            json!({
                "capture_utc": capture_utc,
                "source": source,
                "received_at": rfc3339(received_at),
                "skew_s": server_skew_s,
                "tolerance_s": tolerance_s,
            }),
        );
    }

    let uploaded = &input.upload_completed_at;
    let after_upload_s = seconds_between(&capture.utc, uploaded);
    let slack_s = config.upload_clock_slack_s;
    if after_upload_s > slack_s as f64 {
        findings.raise(
            FlagCode::CaptureAfterUpload,
            format!("The photo claims to be taken {after_upload_s:.0} s after its upload finished."),
            json!({
                "capture_utc": capture_utc,
                "source": source,
                "upload_completed_at": rfc3339(uploaded),
                "after_upload_s": after_upload_s,
                "slack_s": slack_s,
            }),
        );
    }
}

#[cfg(test)]
#[path = "tests/capture_time.rs"]
mod tests;
