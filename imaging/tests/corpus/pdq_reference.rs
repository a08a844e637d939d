//! Our PDQ against Meta's reference implementation (PyPI `pdqhash`), whose values
//! `scripts/pdq_reference.py` wrote to `tests/data/pdq_reference.csv`.

use punchline_domain::PerceptualHash;

use crate::fixtures::corpus;

#[derive(Debug, serde::Deserialize)]
struct ReferenceRow {
    file: String,
    width: u32,
    height: u32,
    pdq_hex: String,
    quality: u8,
}

fn parse_hex(hex: &str) -> PerceptualHash {
    let mut bits = [0u8; 32];
    for (i, byte) in bits.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    PerceptualHash { bits, quality: 0 }
}

#[test]
fn pdq_is_within_ten_bits_of_the_reference_for_good_quality_photos() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pdq_reference.csv");
    let mut reader = csv::Reader::from_path(path).expect("reference CSV");
    let mut distances: Vec<(u32, String)> = Vec::new();
    for row in reader.deserialize::<ReferenceRow>() {
        let row = row.expect("reference row");
        let ours = corpus().ok(&row.file);
        assert_eq!((ours.width, ours.height), (row.width, row.height), "{}: size", row.file);
        if row.quality < 80 {
            continue;
        }
        assert!(ours.hashes.pdq.quality >= 80, "{}: quality {}", row.file, ours.hashes.pdq.quality);
        distances.push((ours.hashes.pdq.distance(&parse_hex(&row.pdq_hex)), row.file));
    }
    distances.sort();
    // All of them, for whoever tunes the pipeline's hash input (`--nocapture`).
    eprintln!("bits from the reference: {distances:?}");
    let beyond: Vec<_> = distances.iter().filter(|(d, _)| *d > 10).collect();
    assert!(beyond.is_empty(), "more than 10 bits from the reference: {beyond:?}");
    assert!(distances.len() >= 35, "only {} photos compared", distances.len());
}
