//! When was the photo taken? Resolve the capture time in UTC from EXIF, then compare it
//! with the device's punch time, the server's receive time and the upload's completion.
//!
//! DateTimeOriginal is the camera's wall clock; which offset it was set to comes from
//! `utc_offset.rs` (EXIF's offset tags, else the GPS clock as evidence), else the site's
//! time zone is assumed. The GPS stamp itself is never the capture time: it is the time of
//! the receiver's last fix.

use chrono::offset::LocalResult;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, SecondsFormat, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use punchline_domain::config::VerificationConfig;
use punchline_domain::{ExifFacts, FlagCode};
use serde_json::json;

use super::utc_offset::{camera_offset, GpsTimeIgnored, OffsetSource};
use super::verdict::Findings;
use super::VerificationInput;

/// Which EXIF facts the capture time was read from, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureTimeSource {
    /// DateTimeOriginal with the camera's OffsetTimeOriginal: exact.
    ExifOffset,
    /// DateTimeOriginal with OffsetTime (DateTime being the capture time): exact.
    ExifOffsetTime,
    /// DateTimeOriginal at the offset its GPS clock implies, which agreed with the site's
    /// zone or a neighbouring one.
    GpsOffset,
    /// DateTimeOriginal read in the site's time zone: right if the camera was set to it.
    SiteTimeZone,
}

impl CaptureTimeSource {
    /// The name used in flag evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureTimeSource::ExifOffset => "exif_offset",
            CaptureTimeSource::ExifOffsetTime => "exif_offset_time",
            CaptureTimeSource::GpsOffset => "gps_offset",
            CaptureTimeSource::SiteTimeZone => "site_time_zone",
        }
    }
}

/// A photo's capture time and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureTime {
    /// The moment of capture in UTC, with the sub-second part when EXIF has one.
    pub utc: DateTime<Utc>,
    /// Which EXIF facts (or the site's zone) the offset came from.
    pub source: CaptureTimeSource,
    /// The offset DateTimeOriginal was read at.
    pub offset: FixedOffset,
    /// For [`CaptureTimeSource::SiteTimeZone`]: `ambiguous` when the local time occurs
    /// twice (DST ends; the earlier is taken), `nonexistent` when it falls in the hour
    /// skipped as DST starts (read with the offset in force before the change).
    pub zone_note: Option<&'static str>,
    /// A GPS stamp that was present but not believed as evidence of the offset, and why.
    pub gps_ignored: Option<GpsTimeIgnored>,
}

/// DateTimeOriginal (with SubSecTimeOriginal) at the camera's offset: OffsetTimeOriginal,
/// else OffsetTime, else the one its GPS clock implies if that agrees with the site, else
/// the site's time zone. `None` when EXIF holds no usable DateTimeOriginal.
pub fn resolve_capture_time(exif: &ExifFacts, site_zone: Tz) -> Option<CaptureTime> {
    let local = exif.datetime_original.as_deref().and_then(parse_exif_datetime)?;
    let evidence = camera_offset(exif, local, site_zone);
    let fraction = exif.subsec_original.as_deref().map_or(TimeDelta::zero(), subseconds);
    if let Some(camera) = evidence.found {
        if let LocalResult::Single(t) = camera.offset.from_local_datetime(&local) {
            let source = match camera.source {
                OffsetSource::OffsetTimeOriginal => CaptureTimeSource::ExifOffset,
                OffsetSource::OffsetTime => CaptureTimeSource::ExifOffsetTime,
                OffsetSource::GpsClock => CaptureTimeSource::GpsOffset,
            };
            let utc = t.with_timezone(&Utc) + fraction;
            return Some(CaptureTime {
                utc,
                source,
                offset: camera.offset,
                zone_note: None,
                gps_ignored: None,
            });
        }
    }
    let (utc, zone_note) = in_zone(local, site_zone)?;
    let offset = site_zone.offset_from_utc_datetime(&utc.naive_utc()).fix();
    Some(CaptureTime {
        utc: utc + fraction,
        source: CaptureTimeSource::SiteTimeZone,
        offset,
        zone_note,
        gps_ignored: evidence.gps_ignored,
    })
}

/// SubSecTimeOriginal's digits as a fraction of a second (`"05"` is 50 ms); digits past
/// the nanosecond are dropped.
fn subseconds(digits: &str) -> TimeDelta {
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return TimeDelta::zero();
    }
    let nanos: String = digits.chars().chain(std::iter::repeat('0')).take(9).collect();
    TimeDelta::nanoseconds(nanos.parse().unwrap_or(0))
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
    // Whole seconds print as such; SubSecTimeOriginal's fraction is kept when present.
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Signed seconds from `b` to `a`, to the millisecond.
fn seconds_between<A: TimeZone, B: TimeZone>(a: &DateTime<A>, b: &DateTime<B>) -> f64 {
    (a.timestamp_millis() - b.timestamp_millis()) as f64 / 1000.0
}

/// What every capture-time flag shows: the resolved time, how it was found and, when the
/// GPS stamp was not believed, why (`gps_time_ignored`), plus the flag's own `extra` keys.
fn evidence(capture: &CaptureTime, extra: serde_json::Value) -> serde_json::Value {
    let mut evidence = json!({
        "capture_utc": rfc3339(&capture.utc),
        "source": capture.source.as_str(),
        "offset": capture.offset.to_string(),
    });
    if let Some(ignored) = &capture.gps_ignored {
        evidence["gps_time_ignored"] = ignored.evidence();
    }
    if let (Some(all), serde_json::Value::Object(extra)) = (evidence.as_object_mut(), extra) {
        all.extend(extra);
    }
    evidence
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
                // Never a capture time on its own: the time of the receiver's last fix.
                "gps_utc": exif.gps_utc,
            }),
        );
        return;
    };

    let assumed = match capture.source {
        CaptureTimeSource::SiteTimeZone => {
            Some(format!("The camera recorded no UTC offset; its time was read in {}.", zone.name()))
        }
        CaptureTimeSource::GpsOffset => Some(format!(
            "The camera recorded no UTC offset; its GPS clock implies {}, which agrees with {}.",
            capture.offset,
            zone.name()
        )),
        CaptureTimeSource::ExifOffset | CaptureTimeSource::ExifOffsetTime => None,
    };
    if let Some(message) = assumed {
        let extra = json!({
            "datetime_original": exif.datetime_original,
            "time_zone": zone.name(),
            "zone_note": capture.zone_note,
            "gps_utc": exif.gps_utc,
        });
        findings.raise(FlagCode::CaptureZoneAssumed, message, evidence(&capture, extra));
    }

    let device_time = &input.punch.device_time;
    let device_skew_s = seconds_between(&capture.utc, device_time);
    let tolerance_s = config.device_time_tolerance_s;
    if device_skew_s.abs() > tolerance_s as f64 {
        findings.raise(
            FlagCode::CaptureTimeSkew,
            format!("The photo was taken {:.0} s from the device's punch time.", device_skew_s.abs()),
            evidence(
                &capture,
                json!({
                    "device_time": rfc3339(device_time),
                    "skew_s": device_skew_s,
                    "tolerance_s": tolerance_s,
                }),
            ),
        );
    }

    let received_at = &input.punch.received_at;
    let server_skew_s = seconds_between(&capture.utc, received_at);
    let tolerance_s = config.server_time_tolerance_s;
    if server_skew_s.abs() > tolerance_s as f64 {
        findings.raise(
            FlagCode::CaptureTimeSkewServer,
            format!("The photo was taken {:.0} s from when the server got the punch.", server_skew_s.abs()),
            evidence(
                &capture,
                json!({
                    "received_at": rfc3339(received_at),
                    "skew_s": server_skew_s,
                    "tolerance_s": tolerance_s,
                }),
            ),
        );
    }

    let uploaded = &input.upload_completed_at;
    let after_upload_s = seconds_between(&capture.utc, uploaded);
    let slack_s = config.upload_clock_slack_s;
    if after_upload_s > slack_s as f64 {
        findings.raise(
            FlagCode::CaptureAfterUpload,
            format!("The photo claims to be taken {after_upload_s:.0} s after its upload finished."),
            evidence(
                &capture,
                json!({
                    "upload_completed_at": rfc3339(uploaded),
                    "after_upload_s": after_upload_s,
                    "slack_s": slack_s,
                }),
            ),
        );
    }
}

#[cfg(test)]
#[path = "tests/capture_time.rs"]
mod tests;
