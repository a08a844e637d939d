//! The image pipeline against the real photos in `../shared/photos` (or `$PUNCHLINE_PHOTOS`):
//! display sizes, error codes, PDQ against Meta's reference, and the reuse matrix.
//! Every photo is processed once per test binary and shared by the tests.

mod fixtures;
mod hostile;
mod pdq_reference;
mod reuse;

use fixtures::{corpus, provenance};

#[test]
fn every_photo_is_displayed_at_its_provenance_size() {
    for row in provenance() {
        let Some(expected) = row.display_wxh.as_deref().filter(|s| !s.is_empty()) else { continue };
        let processed = corpus().ok(&row.path);
        let got = format!("{}x{}", processed.width, processed.height);
        assert_eq!(got, expected, "{}: displayed size", row.path);
        for v in &processed.variants {
            assert!(
                v.width.max(v.height) <= v.size,
                "{}: variant {} is {}x{}",
                row.path,
                v.size,
                v.width,
                v.height
            );
            let portrait = processed.height > processed.width;
            assert!(
                portrait == (v.height > v.width) || v.width == v.height,
                "{}: variant orientation",
                row.path
            );
        }
    }
}

#[test]
fn every_bad_file_fails_with_its_code() {
    let expected = [
        ("bad_empty.heic", "not_an_image"),
        ("bad_mp4_named_jpg.jpg", "not_an_image"),
        ("bad_truncated.heic", "truncated"),
        ("bad_truncated_xperia.jpg", "truncated"),
    ];
    for (file, code) in expected {
        let err = corpus().err(file);
        assert_eq!(err.code().as_str(), code, "{file}: {err}");
    }
    // `bad_exif_type.jpg` has a broken EXIF pointer but a fine image: it must process.
    let ok = corpus().ok("bad_exif_type.jpg");
    assert_eq!((ok.width, ok.height), (3872, 2403));
    assert!(ok.exif.present && ok.exif.make.is_none());
}

#[test]
fn variants_are_jpegs_without_exif_at_the_configured_sizes() {
    let p = corpus().ok("iphonexs_lego_gps.heic");
    let sizes: Vec<u32> = p.variants.iter().map(|v| v.size).collect();
    assert_eq!(sizes, vec![1200, 800, 300]);
    for v in &p.variants {
        assert!(v.bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert!(!v.bytes.windows(6).any(|w| w == b"Exif\0\0"), "variant {} carries EXIF", v.size);
        assert_eq!(v.width.max(v.height), v.size);
    }
    // Never upscaled: a 640x480 photo's 800 and 1200 variants stay 640x480.
    let small = corpus().ok("coolpix_gps_0010.jpg");
    assert!(small.variants.iter().all(|v| v.width <= 640 && v.height <= 480));
}
