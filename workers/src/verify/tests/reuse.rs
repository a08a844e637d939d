use punchline_domain::{FlagCode, OrgId, PerceptualHash, VerdictState};

use crate::verify::test_support::{flipped, hashes, iphone_exif, Scenario};

/// An earlier photo whose PDQ is this photo's dihedral variant `variant` with `flip` bits
/// changed (variant 0 is the photo as displayed).
fn earlier(s: &Scenario, variant: usize, flip: usize) -> crate::verify::ReuseCandidate {
    let mut other = hashes(77, 90);
    other.pdq = PerceptualHash { bits: flipped(s.photo.hashes.pdq_dihedral[variant], flip), quality: 90 };
    s.candidate(&other, iphone_exif())
}

#[test]
fn the_same_picture_within_the_threshold_is_reused() {
    let mut s = Scenario::clean();
    let max = s.config.hashing.reuse_max_distance as usize;
    s.candidates = vec![earlier(&s, 0, max)];
    let flag = s.flag(FlagCode::ReusedPhoto).expect("flagged at the threshold");
    assert_eq!(flag.evidence["matches"][0]["distance"], max);
    assert_eq!(flag.evidence["matches"][0]["photo_id"], s.candidates[0].photo.to_string());
    assert_eq!(flag.evidence["matches"][0]["punch_id"], s.candidates[0].punch.to_string());
    assert_eq!(flag.evidence["matches"][0]["worker_id"], s.candidates[0].worker.to_string());
    assert_eq!(flag.evidence["matches"][0]["same_worker"], false);
    assert_eq!(flag.evidence["max_distance"], max);
    assert_eq!(s.verdict().state, VerdictState::NeedsReview);

    s.candidates = vec![earlier(&s, 0, max + 1)];
    assert!(!s.has(FlagCode::ReusedPhoto), "one bit past the threshold");
}

#[test]
fn rotated_or_mirrored_copies_match_through_the_dihedral_hashes() {
    let mut s = Scenario::clean();
    s.candidates = vec![earlier(&s, 5, 3)];
    assert_eq!(s.flag(FlagCode::ReusedPhoto).expect("flagged").evidence["matches"][0]["distance"], 3);
}

#[test]
fn matches_are_listed_best_first_and_counted() {
    let mut s = Scenario::clean();
    s.candidates = (0..8).map(|i| earlier(&s, 0, 20 - i)).collect();
    s.candidates.push(s.candidate(&hashes(99, 90), iphone_exif())); // unrelated
    let flag = s.flag(FlagCode::ReusedPhoto).expect("flagged");
    assert_eq!(flag.evidence["match_count"], 8);
    assert_eq!(flag.evidence["matches"].as_array().map(Vec::len), Some(5));
    assert_eq!(flag.evidence["matches"][0]["distance"], 13);
}

#[test]
fn byte_identical_files_are_exact_duplicates_not_also_reuse() {
    let mut s = Scenario::clean();
    let mut same = s.candidate(&s.photo.hashes, iphone_exif());
    same.worker = s.punch.worker;
    s.candidates = vec![same];
    let flag = s.flag(FlagCode::ExactDuplicate).expect("flagged");
    assert_eq!(flag.evidence["sha256"], s.photo.hashes.sha256_hex());
    assert_eq!(flag.evidence["matches"][0]["same_worker"], true);
    assert!(!s.has(FlagCode::ReusedPhoto));
}

#[test]
fn other_organisations_this_photo_and_this_punch_never_match() {
    let mut s = Scenario::clean();
    let mut foreign = s.candidate(&s.photo.hashes, iphone_exif());
    foreign.org = OrgId::new();
    let mut itself = s.candidate(&s.photo.hashes, iphone_exif());
    itself.photo = s.photo.id;
    let mut retried_upload = earlier(&s, 0, 2);
    retried_upload.punch = s.punch.id;
    s.candidates = vec![foreign, itself, retried_upload];
    assert_eq!(s.verdict().state, VerdictState::Verified, "{:?}", s.verdict().flags);
}

#[test]
fn blank_hashes_neither_match_nor_are_matched() {
    let mut s = Scenario::clean();
    let blank_below = s.config.hashing.blank_below_quality;
    let mut blank_earlier = earlier(&s, 0, 0);
    blank_earlier.pdq.quality = blank_below - 1;
    s.candidates = vec![blank_earlier];
    assert!(!s.has(FlagCode::ReusedPhoto));

    let mut good_earlier = earlier(&s, 0, 0);
    good_earlier.pdq.quality = blank_below;
    s.candidates = vec![good_earlier];
    assert!(s.has(FlagCode::ReusedPhoto), "quality at the threshold is usable");

    s.photo.hashes.pdq.quality = blank_below - 1;
    let codes = s.codes();
    assert!(!codes.contains(&FlagCode::ReusedPhoto));
    assert!(codes.contains(&FlagCode::BlankPhoto));
}
