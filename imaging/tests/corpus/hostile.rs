//! Inputs a hostile or broken client sends: each ends in the right error code, never a panic.

use std::io::Cursor;

use punchline_domain::Config;
use punchline_imaging::{process, ImageError, Processed, Settings};
use punchline_testkit::photos;
use rand::{Rng, SeedableRng};

fn run(bytes: &[u8]) -> Result<Processed, ImageError> {
    let config = Config::default();
    process(bytes, Settings { limits: &config.limits, variants: &config.variants })
}

fn code(bytes: &[u8]) -> &'static str {
    match run(bytes) {
        Ok(_) => "ok",
        Err(e) => e.code().as_str(),
    }
}

#[test]
fn a_jpeg_under_another_name_is_still_a_jpeg() {
    // The pipeline never sees a name; the CLI passes bytes. Copy to a misleading name anyway.
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("photo.png");
    std::fs::copy(photos::path("htcdesire_gps.jpg"), &renamed).unwrap();
    let p = run(&std::fs::read(&renamed).unwrap()).expect("processes");
    assert_eq!(p.format.as_str(), "jpeg");
}

#[test]
fn a_png_processes() {
    let mut png = Vec::new();
    let img = image::RgbImage::from_fn(640, 360, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 251) as u8])
    });
    img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let p = run(&png).expect("a PNG processes");
    assert_eq!((p.format.as_str(), p.width, p.height), ("png", 640, 360));
    assert!(!p.exif.present);
    assert_eq!(code(&png[..png.len() / 2]), "truncated");
}

#[test]
fn empty_and_random_bytes_are_not_images() {
    assert_eq!(code(b""), "not_an_image");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for len in [1, 3, 100, 4096, 100_000] {
        let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        assert_eq!(code(&bytes), "not_an_image", "{len} random bytes");
    }
}

#[test]
fn oversized_uploads_are_refused_before_anything_else() {
    let mut config = Config::default();
    config.limits.max_bytes = 1000;
    let bytes = photos::read("canon40d_small.jpg");
    let err = process(&bytes, Settings { limits: &config.limits, variants: &config.variants }).unwrap_err();
    assert_eq!(err.code().as_str(), "too_large");
}

/// A 2 KB JPEG whose frame header claims 65535 x 65535 pixels (12 GB of RGB).
fn jpeg_header_bomb() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    let mut segment = |marker: u8, payload: &[u8]| {
        v.extend_from_slice(&[0xFF, marker]);
        v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(payload);
    };
    segment(0xDB, &[0; 65]);
    segment(0xC0, &[8, 0xFF, 0xFF, 0xFF, 0xFF, 1, 1, 0x11, 0]);
    segment(0xC4, &[0; 29]);
    segment(0xDA, &[1, 1, 0, 0, 63, 0]);
    v.extend(std::iter::repeat_n(0x55, 1800));
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

/// A PNG whose IHDR claims 65535 x 65535 pixels.
fn png_header_bomb() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    v.extend_from_slice(&65535u32.to_be_bytes());
    v.extend_from_slice(&65535u32.to_be_bytes());
    v.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    v.resize(2048, 0);
    v
}

#[test]
fn header_bombs_are_refused_from_the_header() {
    let jpeg = jpeg_header_bomb();
    assert!(jpeg.len() < 2100);
    assert_eq!(code(&jpeg), "too_many_pixels");
    assert_eq!(code(&png_header_bomb()), "too_many_pixels");
}

#[test]
fn every_cut_of_a_real_jpeg_and_heic_fails_cleanly() {
    for (file, step) in [("canon40d_small.jpg", 97), ("iphonexs_pug_closeup_exifmismatch.heic", 9973)] {
        let bytes = photos::read(file);
        for cut in (0..bytes.len()).step_by(step) {
            let outcome = code(&bytes[..cut]);
            assert!(
                ["truncated", "not_an_image", "decode_failed", "unsupported"].contains(&outcome),
                "{file} cut at {cut}: {outcome}"
            );
        }
    }
}
