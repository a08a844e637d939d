use punchline_domain::{FlagCode, VerdictState};

use crate::verify::test_support::Scenario;

#[test]
fn a_quality_below_the_threshold_is_blank() {
    let mut s = Scenario::clean();
    let blank_below = s.config.hashing.blank_below_quality;
    s.photo.hashes.pdq.quality = blank_below;
    assert!(!s.has(FlagCode::BlankPhoto));
    s.photo.hashes.pdq.quality = blank_below - 1;
    let flag = s.flag(FlagCode::BlankPhoto).expect("flagged");
    assert_eq!(flag.evidence["pdq_quality"], blank_below - 1);
    assert_eq!(s.verdict().state, VerdictState::NeedsReview);
}

#[test]
fn tiny_photos_are_too_small_by_side_or_bytes() {
    let mut s = Scenario::clean();
    let min_side = s.config.verification.min_short_side_px;
    let min_bytes = s.config.verification.min_bytes;
    (s.photo.width, s.photo.height) = (4000, min_side);
    assert!(!s.has(FlagCode::TooSmall));
    (s.photo.width, s.photo.height) = (min_side - 1, 4000);
    assert!(s.has(FlagCode::TooSmall));

    (s.photo.width, s.photo.height, s.photo.bytes) = (1, 1, 2852); // the 1×1 JPEG
    assert_eq!(s.flag(FlagCode::TooSmall).expect("flagged").evidence["width"], 1);

    (s.photo.width, s.photo.height, s.photo.bytes) = (640, 480, min_bytes);
    assert!(!s.has(FlagCode::TooSmall));
    s.photo.bytes = min_bytes - 1;
    assert!(s.has(FlagCode::TooSmall));
}
