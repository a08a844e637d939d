use chrono::{DateTime, TimeDelta};
use punchline_domain::{ExifFacts, FlagCode, VerdictState};

use super::*;
use crate::verify::test_support::{iphone_exif, real_facts, time, Scenario};
use crate::verify::utc_offset::GpsIgnoredReason;

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

/// DateTimeOriginal 09:00:00 in Melbourne's summer (+11:00) with only a GPS stamp.
fn gps_only(gps_utc: &str) -> ExifFacts {
    exif(Some("2024:03:01 09:00:00"), None, Some(gps_utc))
}

#[test]
fn the_camera_offset_wins_then_offset_time_then_the_gps_clock_then_the_site_zone() {
    let all = exif(Some("2024:03:01 09:00:00"), Some("+11:00"), Some("2024:02:29 21:59:55"));
    let t = resolve(&all, "UTC").expect("resolves");
    assert_eq!((t.utc, t.source), (time("2024-02-29T22:00:00Z"), CaptureTimeSource::ExifOffset));

    // OffsetTime is the capture's offset while DateTime is the capture time.
    let offset_time = ExifFacts {
        datetime: Some("2024:03:01 09:00:00".into()),
        datetime_offset: Some("+10:30".into()),
        ..gps_only("2024:02:29 21:59:55")
    };
    let t = resolve(&offset_time, "UTC").expect("resolves");
    assert_eq!((t.utc, t.source), (time("2024-02-29T22:30:00Z"), CaptureTimeSource::ExifOffsetTime));
    // Edited later (DateTime moved on): its OffsetTime says where the edit was, not the shot.
    let edited = ExifFacts { datetime: Some("2024:03:05 18:00:00".into()), ..offset_time.clone() };
    let t = resolve(&edited, "Australia/Melbourne").expect("resolves");
    assert_eq!(t.source, CaptureTimeSource::GpsOffset);

    // The GPS stamp (5 s before the shutter) implies +11:00: the time is DateTimeOriginal at
    // +11:00, not the GPS stamp.
    let t = resolve(&gps_only("2024:02:29 21:59:55"), "Australia/Melbourne").expect("resolves");
    assert_eq!((t.utc, t.source), (time("2024-02-29T22:00:00Z"), CaptureTimeSource::GpsOffset));
    assert_eq!(t.offset.to_string(), "+11:00");

    let local_only = exif(Some("2024:03:01 09:00:00"), None, None);
    let t = resolve(&local_only, "Australia/Melbourne").expect("resolves");
    assert_eq!((t.utc, t.source), (time("2024-02-29T22:00:00Z"), CaptureTimeSource::SiteTimeZone));
    assert_eq!((t.zone_note, t.gps_ignored), (None, None));

    // A GPS stamp alone is the time of a fix, not of the photo.
    assert_eq!(resolve(&exif(None, None, Some("2024:02:29 22:00:00")), "UTC"), None);
    assert_eq!(resolve(&exif(None, Some("+11:00"), None), "UTC"), None);
    assert_eq!(resolve(&ExifFacts::default(), "UTC"), None);
}

#[test]
fn a_stale_or_misdated_gps_stamp_is_ignored_and_the_site_zone_used() {
    let ignored = |gps: &str| {
        let t = resolve(&gps_only(gps), "Australia/Melbourne").expect("resolves");
        assert_eq!(
            (t.utc, t.source),
            (time("2024-02-29T22:00:00Z"), CaptureTimeSource::SiteTimeZone),
            "{gps}"
        );
        t.gps_ignored.expect("the GPS stamp is reported")
    };
    // A fix 3 h 7 min old: +14:07 is no real offset.
    let stale = ignored("2024:02:29 18:53:00");
    assert_eq!(
        (stale.implied_offset_s, stale.reason),
        (14 * 3600 + 7 * 60, GpsIgnoredReason::NotARealOffset)
    );
    assert_eq!(stale.evidence()["implied_offset"], "+14:07");
    assert_eq!(stale.evidence()["gps_utc"], "2024:02:29 18:53:00");
    // A date written a day late: -13:00 is outside -12:00..+14:00.
    assert_eq!(ignored("2024:03:01 22:00:00").reason, GpsIgnoredReason::NotARealOffset);
    // Three hours old to the minute: +14:00 is real (Kiribati), but three hours from Melbourne.
    let far = ignored("2024:02:29 19:00:00");
    assert_eq!((far.implied_offset_s, far.reason), (14 * 3600, GpsIgnoredReason::DisagreesWithSiteZone));
    // Within two minutes of a quarter hour is a fix's age; beyond, it is not an offset.
    assert_eq!(
        resolve(&gps_only("2024:02:29 21:58:00"), "Australia/Melbourne").map(|t| t.source),
        Some(CaptureTimeSource::GpsOffset)
    );
    assert_eq!(ignored("2024:02:29 21:57:59").implied_offset_s, 11 * 3600 + 121);
}

#[test]
fn a_gps_offset_one_zone_over_is_believed() {
    // A camera still on standard time (+10:00) in Melbourne's summer: GPS shows it.
    let t = resolve(&gps_only("2024:02:29 23:00:04"), "Australia/Melbourne").expect("resolves");
    assert_eq!((t.utc, t.source), (time("2024-02-29T23:00:00Z"), CaptureTimeSource::GpsOffset));
    // Quarter-hour zones: Nepal's +05:45.
    let nepal = exif(Some("2024:03:01 09:00:00"), None, Some("2024:03:01 03:13:31"));
    let t = resolve(&nepal, "Asia/Kathmandu").expect("resolves");
    assert_eq!((t.utc, t.offset.to_string()), (time("2024-03-01T03:15:00Z"), "+05:45".into()));
    // The site's offset is taken at the photo's date: New York in July is -04:00, so -05:00
    // is a neighbour and -06:00 is not.
    let july = |gps: &str| exif(Some("2024:07:01 12:00:00"), None, Some(gps));
    let t = resolve(&july("2024:07:01 18:00:00"), "America/New_York").expect("resolves");
    assert_eq!((t.source, t.utc), (CaptureTimeSource::SiteTimeZone, time("2024-07-01T16:00:00Z")));
    assert_eq!(t.gps_ignored.map(|g| g.reason), Some(GpsIgnoredReason::DisagreesWithSiteZone));
    let t = resolve(&july("2024:07:01 17:00:00"), "America/New_York").expect("resolves");
    assert_eq!((t.source, t.utc), (CaptureTimeSource::GpsOffset, time("2024-07-01T17:00:00Z")));
}

#[test]
fn a_gps_date_across_midnight_utc_from_the_local_date_is_no_special_case() {
    // East of Greenwich the UTC date is the day before: Melbourne's 09:00 is 22:00 UTC.
    let t = resolve(&gps_only("2024:02:29 22:00:00"), "Australia/Melbourne").expect("resolves");
    assert_eq!((t.source, t.utc), (CaptureTimeSource::GpsOffset, time("2024-02-29T22:00:00Z")));
    // West of it the UTC date is the day after: New York's 20:30 in winter is 01:30 UTC.
    let west = exif(Some("2024:03:01 20:30:00"), None, Some("2024:03:02 01:29:40"));
    let t = resolve(&west, "America/New_York").expect("resolves");
    assert_eq!((t.source, t.utc), (CaptureTimeSource::GpsOffset, time("2024-03-02T01:30:00Z")));
    // A fix just before midnight UTC for a photo just after it, in London.
    let london = exif(Some("2024:01:01 00:00:30"), None, Some("2023:12:31 23:59:45"));
    let t = resolve(&london, "Europe/London").expect("resolves");
    assert_eq!((t.source, t.utc), (CaptureTimeSource::GpsOffset, time("2024-01-01T00:00:30Z")));
}

#[test]
fn subseconds_and_offsets_out_of_range() {
    let mut precise = exif(Some("2024:03:01 09:00:00"), Some("+11:00"), None);
    precise.subsec_original = Some("644".into());
    assert_eq!(resolve(&precise, "UTC").expect("resolves").utc, time("2024-02-29T22:00:00.644Z"));
    precise.subsec_original = Some("05".into());
    assert_eq!(resolve(&precise, "UTC").expect("resolves").utc, time("2024-02-29T22:00:00.050Z"));
    // No real zone is +15:00: not an offset; the site's zone is used.
    let t = resolve(&exif(Some("2024:03:01 09:00:00"), Some("+15:00"), None), "Australia/Melbourne");
    assert_eq!(t.map(|t| t.source), Some(CaptureTimeSource::SiteTimeZone));
}

#[test]
fn the_flag_evidence_says_why_the_gps_stamp_was_ignored() {
    let mut s = Scenario::clean();
    s.photo.exif.offset = None;
    s.photo.exif.datetime_offset = None;
    s.photo.exif.gps_utc = Some("2024:02:28 22:00:00".into()); // a day stale
    let zone = s.flag(FlagCode::CaptureZoneAssumed).expect("shown");
    assert_eq!(zone.evidence["source"], "site_time_zone");
    assert_eq!(zone.evidence["capture_utc"], "2024-02-29T22:00:00Z");
    assert_eq!(zone.evidence["gps_time_ignored"]["implied_offset"], "+35:00");
    assert_eq!(zone.evidence["gps_time_ignored"]["reason"], "not_a_real_offset");
    assert!(!s.has(FlagCode::CaptureTimeSkew), "the site's zone gave the right time");
    // The same photo punched a day later: the skew flag carries the same explanation.
    s.punch.device_time += TimeDelta::days(1);
    let skew = s.flag(FlagCode::CaptureTimeSkew).expect("flagged");
    assert_eq!(skew.evidence["gps_time_ignored"]["implied_offset_s"], 35 * 3600);

    s.photo.exif.gps_utc = Some("2024:02:29 21:59:30".into());
    let zone = s.flag(FlagCode::CaptureZoneAssumed).expect("shown");
    assert_eq!(
        (&zone.evidence["source"], &zone.evidence["offset"]),
        (&"gps_offset".into(), &"+11:00".into())
    );
    assert!(zone.evidence.get("gps_time_ignored").is_none());
}

/// `file`'s EXIF as the pipeline reads it, at a site in `zone`.
fn real(file: &str, zone: &str) -> CaptureTime {
    resolve(&real_facts(file), zone).unwrap_or_else(|| panic!("{file}: no capture time"))
}

#[test]
fn real_photos_whose_gps_clock_shows_the_offset() {
    // (photo, the site's zone, the offset its GPS clock implies, the capture time in UTC)
    let cases = [
        ("iphone7_gps.heic", "America/Chicago", "-05:00", "2019-03-21T16:04:22.348Z"),
        ("xiaomi_gps.heic", "Europe/Moscow", "+03:00", "2023-04-27T16:44:18.732Z"),
        ("iphonexs_parfait_rot6.heic", "Asia/Tokyo", "+09:00", "2019-04-14T07:06:50.207Z"),
        ("iphonexs_lego_gps.heic", "Australia/Melbourne", "+11:00", "2019-01-04T01:34:31.071Z"),
        ("iphone6_hdr_on.jpg", "Europe/Madrid", "+02:00", "2015-04-10T18:12:23.550Z"),
        ("htcdesire_gps.jpg", "Europe/Rome", "+02:00", "2011-05-06T07:59:48Z"),
    ];
    for (file, zone, offset, utc) in cases {
        let t = real(file, zone);
        assert_eq!(
            (t.source, t.offset.to_string(), t.utc),
            (CaptureTimeSource::GpsOffset, offset.into(), time(utc)),
            "{file}"
        );
    }
    // Xiaomi's +03:00 is a neighbour of Warsaw's summer +02:00: believed. From London's
    // +01:00 it is two hours: ignored, and the photo read in London's time.
    assert_eq!(real("xiaomi_gps.heic", "Europe/Warsaw").source, CaptureTimeSource::GpsOffset);
    let london = real("xiaomi_gps.heic", "Europe/London");
    assert_eq!(
        (london.source, london.utc),
        (CaptureTimeSource::SiteTimeZone, time("2023-04-27T18:44:18.732Z"))
    );
    assert_eq!(london.gps_ignored.map(|g| g.reason), Some(GpsIgnoredReason::DisagreesWithSiteZone));
}

#[test]
fn the_coolpix_gps_date_is_a_day_off_so_its_stamp_is_ignored() {
    // DateTimeOriginal 2008:10:22 16:28:39, GPS 2008:10:23 14:27:07: an offset of -21:58.
    let facts = real_facts("coolpix_gps_0010.jpg");
    assert_eq!(facts.gps_utc.as_deref(), Some("2008:10:23 14:27:07"));
    let t = real("coolpix_gps_0010.jpg", "Europe/Rome");
    assert_eq!((t.source, t.utc), (CaptureTimeSource::SiteTimeZone, time("2008-10-22T14:28:39Z")));
    let ignored = t.gps_ignored.expect("reported");
    assert_eq!(
        (ignored.reason, ignored.evidence()["implied_offset"].as_str()),
        (GpsIgnoredReason::NotARealOffset, Some("-21:58"))
    );
    for file in
        ["coolpix_gps_0012.jpg", "coolpix_gps_0021.jpg", "coolpix_gps_0025.jpg", "coolpix_gps_0027.jpg"]
    {
        let t = real(file, "Europe/Rome");
        assert_eq!(t.source, CaptureTimeSource::SiteTimeZone, "{file}");
        assert_eq!(t.gps_ignored.map(|g| g.reason), Some(GpsIgnoredReason::NotARealOffset), "{file}");
    }

    // Punched at a site near Arezzo 20 s after the shutter: the time is right, no skew.
    let mut s = Scenario::clean();
    s.site.time_zone = "Europe/Rome".parse().expect("zone");
    s.photo.exif = facts;
    s.photo.exif.gps = None; // the place is not what this test is about
    s.punch.device_time = time("2008-10-22T14:29:00Z").fixed_offset();
    s.punch.received_at = time("2008-10-22T14:29:10Z");
    s.upload_completed_at = time("2008-10-22T14:29:20Z");
    let codes = s.codes();
    assert!(
        !codes.contains(&FlagCode::CaptureTimeSkew) && !codes.contains(&FlagCode::CaptureTimeSkewServer),
        "{codes:?}"
    );
    let zone = s.flag(FlagCode::CaptureZoneAssumed).expect("shown");
    assert_eq!(zone.evidence["gps_time_ignored"]["implied_offset"], "-21:58");
}

#[test]
fn real_photos_with_offset_tags_and_subseconds() {
    let facts = real_facts("iphone11pro_a.heic");
    assert_eq!(
        (facts.offset.as_deref(), facts.datetime_offset.as_deref(), facts.subsec_original.as_deref()),
        (Some("-04:00"), Some("-04:00"), Some("644"))
    );
    let t = real("iphone11pro_a.heic", "UTC");
    assert_eq!((t.source, t.utc), (CaptureTimeSource::ExifOffset, time("2020-05-04T22:39:11.644Z")));
    // Without OffsetTimeOriginal, OffsetTime (DateTime is the capture time) gives the same.
    let no_original = ExifFacts { offset: None, ..facts };
    let t = resolve(&no_original, "UTC").expect("resolves");
    assert_eq!((t.source, t.utc), (CaptureTimeSource::ExifOffsetTime, time("2020-05-04T22:39:11.644Z")));
    // A camera with no offset and no GPS: the site's zone (Jolla, 2014:09:21 16:00:56).
    let t = real("jolla.jpg", "Europe/Helsinki");
    assert_eq!(
        (t.source, t.utc, t.gps_ignored),
        (CaptureTimeSource::SiteTimeZone, time("2014-09-21T13:00:56Z"), None)
    );
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
    s.photo.exif.datetime_offset = None;
    s.photo.exif.gps_utc = None;
    let verdict = s.verdict();
    assert_eq!(verdict.state, VerdictState::Verified, "{:?}", verdict.flags);
    let flag = s.flag(FlagCode::CaptureZoneAssumed).expect("shown");
    assert_eq!(flag.evidence["time_zone"], "Australia/Melbourne");
    assert_eq!(flag.evidence["capture_utc"], "2024-02-29T22:00:00Z");
}
