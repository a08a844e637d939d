use punchline_domain::{Config, FlagCode, PhotoFailure, PhotoFailureCode, Severity, VerdictState};

use super::*;
use crate::verify::test_support::{time, Scenario};

#[test]
fn a_clean_punch_is_verified_without_flags() {
    let s = Scenario::clean();
    let verdict = s.verdict();
    assert_eq!(verdict.state, VerdictState::Verified, "{:?}", verdict.flags);
    assert!(verdict.flags.is_empty(), "{:?}", verdict.flags);
    assert_eq!(verdict.rules_version, rules_version(&Config::default()));
    assert_eq!(verdict.decided_at, time("2024-02-29T22:02:00Z"));
}

#[test]
fn flags_come_most_severe_first_with_configured_severities() {
    let mut s = Scenario::clean();
    s.photo.exif.gps = None; // no_gps: warn
    s.punch.device_location = None; // no_device_location: info
    s.photo.hashes.pdq.quality = 0; // blank_photo: warn
    s.config.verification.severity.blank_photo = Severity::Critical;
    let verdict = s.verdict();
    assert_eq!(verdict.state, VerdictState::NeedsReview);
    let codes: Vec<_> = verdict.flags.iter().map(|f| (f.code, f.severity)).collect();
    assert_eq!(
        codes,
        [
            (FlagCode::BlankPhoto, Severity::Critical),
            (FlagCode::NoGps, Severity::Warn),
            (FlagCode::NoDeviceLocation, Severity::Info),
        ]
    );
    // Demoting every raised flag to info verifies the punch.
    s.config.verification.severity.blank_photo = Severity::Info;
    s.config.verification.severity.no_gps = Severity::Info;
    assert_eq!(s.verdict().state, VerdictState::Verified);
}

#[test]
fn an_unprocessable_photo_fails_with_its_reason() {
    let failure = PhotoFailure { code: PhotoFailureCode::NotAnImage, reason: "an MP4 named .jpg".into() };
    let config = Config::default();
    let verdict = verdict_for_failure(&failure, &config, time("2024-01-01T00:00:00Z"));
    assert_eq!(verdict.state, VerdictState::Failed);
    assert_eq!(verdict.flags[0].code, FlagCode::PhotoUnprocessable);
    assert_eq!(verdict.flags[0].evidence["code"], "not_an_image");
    assert_eq!(verdict.rules_version, rules_version(&config));
}

#[test]
fn every_flag_message_and_evidence_is_filled() {
    let mut s = Scenario::clean();
    s.photo.exif.gps = Some(punchline_domain::GeoPoint { lat: 0.0, lon: 0.0 });
    s.photo.exif.software = Some("GIMP 2.10".into());
    s.photo.exif.datetime = Some("2024:03:02 09:00:00".into());
    s.punch.received_at = time("2024-03-01T22:00:00Z");
    for flag in s.verdict().flags {
        assert!(!flag.message.is_empty(), "{:?}", flag.code);
        assert!(flag.evidence.is_object(), "{:?}", flag.code);
    }
}
