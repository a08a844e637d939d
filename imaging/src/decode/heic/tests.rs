//! The avcodec fast path against libheif, the reference: every HEIC/HIF/HEIF of the corpus,
//! and a phone photo re-labelled with each `irot` angle and each `imir` axis.

use punchline_domain::config::LimitsConfig;
use punchline_testkit::photos;

use super::{decode_fast, decode_libheif, open, Source};
use crate::raster::Rgb8;

/// Both decodes of one file: (fast path if it took the file, libheif).
fn both(bytes: &[u8]) -> (Option<Rgb8>, Rgb8) {
    let limits = LimitsConfig::default();
    let opened = open(bytes, &limits).expect("opens");
    let Source::Heic(src) = opened.source else { panic!("not HEIF") };
    let fast = decode_fast(&src);
    let reference = decode_libheif(&src).expect("libheif decodes");
    let view = reference.pixels.view();
    (fast, Rgb8 { width: view.width, height: view.height, data: view.data.to_vec() })
}

/// Mean and maximum absolute difference per channel (0–255).
fn difference(a: &Rgb8, b: &Rgb8) -> (f64, u8) {
    assert_eq!((a.width, a.height), (b.width, b.height), "displayed size");
    let (sum, max) =
        a.data.iter().zip(&b.data).fold((0u64, 0u8), |(sum, max), (x, y)| {
            (sum + u64::from(x.abs_diff(*y)), max.max(x.abs_diff(*y)))
        });
    (sum as f64 / a.data.len() as f64, max)
}

/// Asserts the fast path took the file and matches libheif; returns the displayed size.
fn assert_matches(name: &str, bytes: &[u8]) -> (u32, u32) {
    let (fast, reference) = both(bytes);
    let fast = fast.unwrap_or_else(|| panic!("{name}: the fast path declined it"));
    let (mean, max) = difference(&fast, &reference);
    eprintln!("{name}: {}x{} mean {mean:.4} max {max}", fast.width, fast.height);
    assert!(mean < 1.0, "{name}: mean difference {mean}");
    (fast.width, fast.height)
}

/// The corpus photos the fast path must take (8-bit 4:2:0 phone HEICs); the others may go
/// to libheif (10-bit camera HIFs, ...), which is then compared with itself.
const FAST: &[&str] = &[
    "iphone11pro_a.heic",
    "iphone11pro_a_exif_at_eof.heic",
    "iphone11promax_gps.heic",
    "iphone13promax_rot6.heic",
    "iphone7_gps.heic",
    "iphone8plus_arrow_rot6.heic",
    "iphonexs_lego_gps.heic",
    "iphonexs_parfait_rot6.heic",
    "iphonexs_pug1.heic",
    "iphonexs_pug2.heic",
    "iphonexs_pug3_nometa.heic",
    "iphonexs_pug_closeup_exifmismatch.heic",
    "xiaomi_gps.heic",
];

/// The 200 MP photo is 600 MB per decode: it has a test of its own.
const HUGE: &str = "galaxys24u_200mp_rot6.heic";

#[test]
fn every_corpus_heif_decodes_like_libheif() {
    let mut names: Vec<String> = std::fs::read_dir(photos::dir())
        .expect("photo corpus")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| [".heic", ".hif", ".heif"].iter().any(|ext| n.ends_with(ext)))
        .filter(|n| !n.starts_with("bad_") && n != HUGE)
        .collect();
    names.sort();
    for name in FAST {
        assert!(names.iter().any(|n| n == name), "{name} missing from the corpus");
    }
    for name in &names {
        let bytes = photos::read(name);
        if FAST.contains(&name.as_str()) {
            assert_matches(name, &bytes);
        } else if let (Some(fast), reference) = both(&bytes) {
            let (mean, max) = difference(&fast, &reference);
            eprintln!("{name} (optional): mean {mean:.4} max {max}");
            assert!(mean < 1.0, "{name}: mean difference {mean}");
        } else {
            eprintln!("{name}: declined ({:?}), libheif decodes it", super::fast::decode(&bytes).err());
        }
    }
}

#[test]
fn the_200_mp_photo_decodes_like_libheif() {
    let bytes = photos::read(HUGE);
    let (fast, reference) = both(&bytes);
    match fast {
        Some(fast) => {
            let (mean, max) = difference(&fast, &reference);
            eprintln!("{HUGE}: {}x{} mean {mean:.4} max {max}", fast.width, fast.height);
            assert!(mean < 1.0, "{HUGE}: mean difference {mean}");
        }
        None => eprintln!("{HUGE}: declined ({:?}), libheif decodes it", super::fast::decode(&bytes).err()),
    }
}

/// The photo with every `irot` angle, then with `imir` in place of `irot` (both boxes are
/// 9 bytes: header and one byte), each compared with libheif.
#[test]
fn every_rotation_and_mirror_matches_libheif() {
    let original = photos::read("iphone8plus_arrow_rot6.heic");
    let at = original.windows(4).position(|w| w == b"irot").expect("an irot box");
    assert_eq!(&original[at - 4..at], &[0, 0, 0, 9], "a 9-byte irot box");
    let variants = [(b"irot", 0u8), (b"irot", 1), (b"irot", 2), (b"irot", 3), (b"imir", 0), (b"imir", 1)];
    let mut sizes = Vec::new();
    for (kind, value) in variants {
        let mut bytes = original.clone();
        bytes[at..at + 4].copy_from_slice(kind);
        bytes[at + 4] = value;
        let name = format!("{}={value}", String::from_utf8_lossy(kind));
        sizes.push(assert_matches(&name, &bytes));
    }
    // Quarter turns swap the sides, half turns and mirrors keep them.
    assert_eq!(sizes[0], sizes[2]);
    assert_eq!(sizes[1], sizes[3]);
    assert_ne!(sizes[0], sizes[1]);
    assert_eq!(sizes[4], sizes[0]);
}
