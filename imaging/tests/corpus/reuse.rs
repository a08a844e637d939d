//! The reuse matrix over the corpus: same pictures match, different ones never do.

use std::collections::HashMap;

use crate::fixtures::{corpus, default_config, provenance};

#[test]
fn same_images_match_and_nothing_else_does() {
    let config = default_config();
    let threshold = config.hashing.reuse_max_distance;
    let blank = config.hashing.blank_below_quality;
    let rows: Vec<_> = provenance().into_iter().filter(|r| corpus().outcomes[&r.path].is_ok()).collect();
    let group: HashMap<&str, (Option<&str>, Option<&str>)> =
        rows.iter().map(|r| (r.path.as_str(), (r.dup_group.as_deref(), r.group_kind.as_deref()))).collect();
    let mut failures = Vec::new();
    let (mut same_pairs, mut other_pairs) = (0, 0);
    for (i, a) in rows.iter().enumerate() {
        for b in &rows[i + 1..] {
            let (pa, pb) = (corpus().ok(&a.path), corpus().ok(&b.path));
            if pa.hashes.pdq.quality < blank || pb.hashes.pdq.quality < blank {
                continue; // blank frames are never matched (checked below)
            }
            let distance = pa.hashes.min_distance(&pb.hashes.pdq);
            let same_image = match (group[a.path.as_str()], group[b.path.as_str()]) {
                ((Some(ga), Some("same_image")), (Some(gb), _)) => ga == gb,
                _ => false,
            };
            if same_image {
                same_pairs += 1;
                if distance > threshold {
                    failures.push(format!("same image not matched: {} ~ {} at {distance}", a.path, b.path));
                }
            } else {
                other_pairs += 1;
                if distance <= threshold {
                    failures
                        .push(format!("different pictures matched: {} ~ {} at {distance}", a.path, b.path));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(same_pairs >= 30 && other_pairs > 500, "{same_pairs} same-image pairs, {other_pairs} others");
}

#[test]
fn black_frames_are_blank_not_matches() {
    let blank = default_config().hashing.blank_below_quality;
    for file in ["canon_r5_black.hif", "sony_a1_black.hif"] {
        let q = corpus().ok(file).hashes.pdq.quality;
        assert!(q < blank, "{file}: quality {q} is not blank");
    }
    for row in provenance() {
        if let Ok(p) = &corpus().outcomes[&row.path] {
            let blank_by_design = row.path.contains("black") || row.path == "iphonexr_1x1_gps.jpg";
            assert!(
                blank_by_design || p.hashes.pdq.quality >= blank,
                "{}: quality {}",
                row.path,
                p.hashes.pdq.quality
            );
        }
    }
}

#[test]
fn rotated_and_mirrored_copies_match_through_the_dihedral_hashes() {
    // The eight orientation samples are one picture: with EXIF applied they are identical,
    // and a copy whose pixels were rotated (orientation stripped) matches through the
    // dihedral hashes.
    let threshold = default_config().hashing.reuse_max_distance;
    let upright = corpus().ok("orient_landscape_1.jpg");
    let stored_rotated = {
        let bytes = punchline_testkit::photos::read("orient_landscape_6.jpg");
        // Strip the EXIF orientation by processing a copy with the APP1 segment blanked out.
        let config = default_config();
        let settings = punchline_imaging::Settings { limits: &config.limits, variants: &config.variants };
        punchline_imaging::process(&strip_app1(&bytes), settings).expect("processes")
    };
    assert_eq!((stored_rotated.width, stored_rotated.height), (450, 600), "no orientation applied");
    let direct = upright.hashes.pdq.distance(&stored_rotated.hashes.pdq);
    let dihedral = stored_rotated.hashes.min_distance(&upright.hashes.pdq);
    assert!(direct > threshold, "a rotated copy should not match without the dihedral hashes ({direct})");
    assert!(dihedral <= threshold, "dihedral distance {dihedral}");
}

/// The JPEG with its APP1 (EXIF) segment removed.
fn strip_app1(jpeg: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF && jpeg[at + 1] != 0xDA {
        let len = u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]) as usize;
        if jpeg[at + 1] != 0xE1 {
            out.extend_from_slice(&jpeg[at..at + 2 + len]);
        }
        at += 2 + len;
    }
    out.extend_from_slice(&jpeg[at..]);
    out
}
