use punchline_domain::{ExifFacts, FlagCode, GeoPoint, PerceptualHash, VerdictState};

use crate::verify::test_support::{flipped, hashes, iphone_exif, Scenario};

#[test]
fn editing_software_is_matched_case_insensitively() {
    let mut s = Scenario::clean();
    s.photo.exif.software = Some("Adobe Photoshop Lightroom Classic 13.1 (Windows)".into());
    let flag = s.flag(FlagCode::Edited).expect("flagged");
    assert_eq!(flag.evidence["matched"], "Photoshop");
    s.photo.exif.software = Some("snapseed 2.0".into());
    assert!(s.has(FlagCode::Edited));
    // Phones write their firmware version here.
    s.photo.exif.software = Some("G991BXXU5CVLL".into());
    assert!(!s.has(FlagCode::Edited));
    s.config.verification.editing_software = vec!["xxu5".into()];
    assert!(s.has(FlagCode::Edited), "the list comes from the config");
}

#[test]
fn a_last_change_long_after_capture_is_a_datetime_mismatch() {
    let mut s = Scenario::clean();
    let tolerance = s.config.verification.datetime_mismatch_s;
    assert_eq!(tolerance, 60);
    s.photo.exif.datetime = Some("2024:03:01 09:01:00".into());
    assert!(!s.has(FlagCode::DatetimeMismatch));
    s.photo.exif.datetime = Some("2024:03:01 09:01:01".into());
    assert_eq!(s.flag(FlagCode::DatetimeMismatch).expect("flagged").evidence["apart_s"], 61);
    s.photo.exif.datetime = Some("2024:02:29 23:00:00".into()); // before, across midnight
    assert_eq!(s.flag(FlagCode::DatetimeMismatch).expect("flagged").evidence["apart_s"], -36_000);
}

#[test]
fn no_exif_at_all_is_stripped() {
    let mut s = Scenario::clean();
    s.photo.exif = ExifFacts::default();
    let codes = s.codes();
    for code in [FlagCode::ExifStripped, FlagCode::NoCaptureTime, FlagCode::NoGps] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    assert!(!codes.contains(&FlagCode::DatetimeMismatch));
}

#[test]
fn the_same_exif_on_a_different_picture_is_copied() {
    let mut s = Scenario::clean();
    let max = s.config.hashing.reuse_max_distance as usize;
    let mut earlier_hashes = hashes(50, 90);
    s.candidates = vec![s.candidate(&earlier_hashes, iphone_exif())];
    let flag = s.flag(FlagCode::ExifCopied).expect("flagged");
    assert_eq!(flag.evidence["punch_id"], s.candidates[0].punch.to_string());
    assert!(!s.has(FlagCode::ReusedPhoto));
    assert_eq!(s.verdict().state, VerdictState::NeedsReview);

    // Just past the reuse threshold is still a different picture; at it, it is reuse.
    earlier_hashes.pdq = PerceptualHash { bits: flipped(s.photo.hashes.pdq.bits, max + 1), quality: 90 };
    s.candidates = vec![s.candidate(&earlier_hashes, iphone_exif())];
    assert!(s.has(FlagCode::ExifCopied));
    earlier_hashes.pdq.bits = flipped(s.photo.hashes.pdq.bits, max);
    s.candidates = vec![s.candidate(&earlier_hashes, iphone_exif())];
    assert!(!s.has(FlagCode::ExifCopied));
    assert!(s.has(FlagCode::ReusedPhoto));
}

#[test]
fn a_burst_seconds_apart_or_elsewhere_is_not_copied_exif() {
    let mut s = Scenario::clean();
    let two_seconds_earlier =
        ExifFacts { datetime_original: Some("2024:03:01 08:59:58".into()), ..iphone_exif() };
    let elsewhere = ExifFacts { gps: Some(GeoPoint { lat: -37.6, lon: 144.5 }), ..iphone_exif() };
    let other_phone = ExifFacts { model: Some("iPhone 15".into()), ..iphone_exif() };
    let no_time = ExifFacts { datetime_original: None, ..iphone_exif() };
    s.candidates = [two_seconds_earlier, elsewhere, other_phone]
        .into_iter()
        .map(|exif| s.candidate(&hashes(60, 90), exif))
        .collect();
    assert!(!s.has(FlagCode::ExifCopied));
    // Photos without a capture time share "no EXIF time": that is not copying.
    s.photo.exif.datetime_original = None;
    s.candidates = vec![s.candidate(&hashes(61, 90), no_time)];
    assert!(!s.has(FlagCode::ExifCopied));
}
