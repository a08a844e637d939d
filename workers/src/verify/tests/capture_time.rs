use chrono::{DateTime, TimeDelta};
use punchline_domain::{ExifFacts, FlagCode, VerdictState};

use super::*;
use crate::verify::test_support::{iphone_exif, time, Scenario};

fn exif(datetime_original: Option<&str>, offset: Option<&str>, gps_utc: Option<&str>) -> ExifFacts {
    ExifFacts {
        present: true,
        datetime_original: datetime_original.map(String::from),
        offset: offset.map(String::from),
        gps_utc: gps_utc.map(String::from),
        ..ExifFacts::default()
    }
}

fn resolve(exif: &ExifFacts, zone: &str) -> Option<CaptureTime> {
    resolve_capture_time(exif, zone.parse().expect("known zone"))
}

#[test]
fn the_camera_offset_wins_then_gps_then_the_site_zone() {
    let all = exif(Some("2024:03:01 09:00:00"), Some("+11:00"), Some("2024:02:29 22:00:05"));
    let t = resolve(&all, "UTC").expect("resolves");
    assert_eq!((t.utc, t.source), (time("2024-02-29T22:00:00Z"), CaptureTimeSource::ExifOffset));

    let no_offset = exif(Some("2024:03:01 09:00:00"), None, Some("2024:02:29 22:00:05"));
    let t = resolve(&no_offset, "UTC").expect("resolves");
    assert_eq!((t.utc, t.source), (time("2024-02-29T22:00:05Z"), CaptureTimeSource::GpsUtc));

    let local_only = exif(Some("2024:03:01 09:00:00"), None, None);
    let t = resolve(&local_only, "Australia/Melbourne").expect("resolves");
    assert_eq!((t.utc, t.source), (time("2024-02-29T22:00:00Z"), CaptureTimeSource::SiteTimeZone));
    assert_eq!(t.zone_note, None);

    assert_eq!(resolve(&exif(None, Some("+11:00"), None), "UTC"), None);
    assert_eq!(resolve(&ExifFacts::default(), "UTC"), None);
}

#[test]
fn malformed_times_are_unusable_not_guessed() {
    assert_eq!(resolve(&exif(Some("0000:00:00 00:00:00"), Some("+01:00"), None), "UTC"), None);
    assert_eq!(resolve(&exif(Some("2024:02:30 10:00:00"), None, None), "UTC"), None);
    // A bad offset falls through to the site zone rather than failing.
    let t = resolve(&exif(Some("2024:03:01 10:00:00"), Some("+25:00"), None), "UTC").expect("resolves");
    assert_eq!(t.source, CaptureTimeSource::SiteTimeZone);
    // Dashes, a `T` and trailing sub-seconds are tolerated.
    let t = resolve(&exif(Some("2024-03-01T10:00:00.123"), Some("-03:00"), None), "UTC").expect("resolves");
    assert_eq!(t.utc, time("2024-03-01T13:00:00Z"));
}

#[test]
fn site_zone_fallback_resolves_dst_folds_and_gaps() {
    let at = |local: &str, zone: &str| resolve(&exif(Some(local), None, None), zone).expect("resolves");
    // Melbourne: DST ends 2024-04-07 03:00 -> 02:00; 02:30 happens twice, the earlier (+11) is taken.
    let fold = at("2024:04:07 02:30:00", "Australia/Melbourne");
    assert_eq!((fold.utc, fold.zone_note), (time("2024-04-06T15:30:00Z"), Some("ambiguous")));
    // Melbourne: DST starts 2024-10-06 02:00 -> 03:00; 02:30 never happens, read at +10.
    let gap = at("2024:10:06 02:30:00", "Australia/Melbourne");
    assert_eq!((gap.utc, gap.zone_note), (time("2024-10-05T16:30:00Z"), Some("nonexistent")));
    // New York, western hemisphere: the same in the other direction.
    let gap = at("2024:03:10 02:30:00", "America/New_York");
    assert_eq!((gap.utc, gap.zone_note), (time("2024-03-10T07:30:00Z"), Some("nonexistent")));
    let fold = at("2024:11:03 01:30:00", "America/New_York");
    assert_eq!((fold.utc, fold.zone_note), (time("2024-11-03T05:30:00Z"), Some("ambiguous")));
    let summer = at("2024:07:01 12:00:00", "America/New_York");
    assert_eq!(summer.utc, time("2024-07-01T16:00:00Z"));
}

#[test]
fn device_skew_is_flagged_only_beyond_the_tolerance() {
    let mut s = Scenario::clean();
    let capture = DateTime::parse_from_rfc3339("2024-03-01T09:00:00+11:00").expect("valid");
    let tolerance = s.config.verification.device_time_tolerance_s as i64;
    for (delta_ms, flagged) in [(0, false), (tolerance * 1000, false), (tolerance * 1000 + 1, true)] {
        for sign in [1, -1] {
            s.punch.device_time = capture + TimeDelta::milliseconds(sign * delta_ms);
            assert_eq!(s.has(FlagCode::CaptureTimeSkew), flagged, "{delta_ms} ms × {sign}");
        }
    }
    let flag = s.flag(FlagCode::CaptureTimeSkew).expect("flagged");
    assert_eq!(flag.evidence["source"], "exif_offset");
    assert_eq!(flag.evidence["tolerance_s"], tolerance);
    assert_eq!(flag.evidence["skew_s"], 300.001);
}

#[test]
fn offsets_across_midnight_and_the_date_line_compare_as_instants() {
    let mut s = Scenario::clean();
    // Kiribati (+14:00) just before midnight; the device says 20 s later, just after it.
    s.photo.exif = ExifFacts { gps_utc: None, ..iphone_exif() };
    s.photo.exif.datetime_original = Some("2024:03:01 23:59:50".into());
    s.photo.exif.offset = Some("+14:00".into());
    s.punch.device_time = DateTime::parse_from_rfc3339("2024-03-02T00:00:10+14:00").expect("valid");
    s.punch.received_at = time("2024-03-01T10:00:30Z");
    s.upload_completed_at = time("2024-03-01T10:01:00Z");
    s.photo.exif.datetime = s.photo.exif.datetime_original.clone();
    assert!(!s.has(FlagCode::CaptureTimeSkew));
    // The same instant seen from a device at -12:00: the previous calendar day.
    s.punch.device_time = DateTime::parse_from_rfc3339("2024-02-29T22:01:50-12:00").expect("valid");
    let flagged = s.has(FlagCode::CaptureTimeSkew);
    assert!(!flagged, "120 s apart across the date line is within tolerance");
    // Same wall-clock time on both sides of the date line is 26 hours apart.
    s.punch.device_time = DateTime::parse_from_rfc3339("2024-03-01T23:59:50-12:00").expect("valid");
    let flag = s.flag(FlagCode::CaptureTimeSkew).expect("flagged");
    assert_eq!(flag.evidence["skew_s"], -26.0 * 3600.0);
}

#[test]
fn server_skew_has_its_own_tolerance() {
    let mut s = Scenario::clean();
    let capture = time("2024-02-29T22:00:00Z");
    let tolerance = s.config.verification.server_time_tolerance_s as i64;
    s.upload_completed_at = capture + TimeDelta::seconds(tolerance + 60);
    s.punch.received_at = capture + TimeDelta::seconds(tolerance);
    assert!(!s.has(FlagCode::CaptureTimeSkewServer));
    s.punch.received_at = capture + TimeDelta::seconds(tolerance + 1);
    let flag = s.flag(FlagCode::CaptureTimeSkewServer).expect("flagged");
    assert_eq!(flag.evidence["skew_s"], -(tolerance as f64) - 1.0);
    assert!(!s.has(FlagCode::CaptureTimeSkew), "the device's clock agreed");
}

#[test]
fn capture_after_upload_allows_only_the_clock_slack() {
    let mut s = Scenario::clean();
    let capture = time("2024-02-29T22:00:00Z");
    let slack = s.config.verification.upload_clock_slack_s as i64;
    s.upload_completed_at = capture - TimeDelta::seconds(slack);
    assert!(!s.has(FlagCode::CaptureAfterUpload));
    s.upload_completed_at = capture - TimeDelta::seconds(slack + 1);
    let flag = s.flag(FlagCode::CaptureAfterUpload).expect("flagged");
    assert_eq!(flag.evidence["after_upload_s"], (slack + 1) as f64);
}

#[test]
fn missing_capture_time_is_its_own_flag_and_skips_the_comparisons() {
    let mut s = Scenario::clean();
    s.photo.exif.datetime_original = None;
    s.photo.exif.gps_utc = None;
    s.punch.device_time = DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z").expect("valid");
    let codes = s.codes();
    assert!(codes.contains(&FlagCode::NoCaptureTime));
    assert!(!codes.contains(&FlagCode::CaptureTimeSkew));
}

#[test]
fn an_assumed_zone_is_shown_but_keeps_the_punch_verified() {
    let mut s = Scenario::clean();
    s.photo.exif.offset = None;
    s.photo.exif.gps_utc = None;
    let verdict = s.verdict();
    assert_eq!(verdict.state, VerdictState::Verified, "{:?}", verdict.flags);
    let flag = s.flag(FlagCode::CaptureZoneAssumed).expect("shown");
    assert_eq!(flag.evidence["time_zone"], "Australia/Melbourne");
    assert_eq!(flag.evidence["capture_utc"], "2024-02-29T22:00:00Z");
}
