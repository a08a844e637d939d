//! Which format a photo is, judged from its bytes alone: never from a file name or the
//! content type a client claims.

use punchline_domain::media::{ftyp_brands, heif_brands, HeifBrands};
use punchline_domain::ImageFormat;

use crate::error::ImageError;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Detects the format from the leading bytes.
pub fn detect(bytes: &[u8]) -> Result<ImageFormat, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::NotAnImage("the file is empty (0 bytes)".into()));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageFormat::Jpeg);
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return Ok(ImageFormat::Png);
    }
    if let Some(brands) = ftyp_brands(bytes) {
        return heif_from_brands(&brands);
    }
    Err(ImageError::NotAnImage(describe_other(bytes)))
}

/// The brands' verdict (the table ingest checks uploads by) as this crate's result.
fn heif_from_brands(brands: &[[u8; 4]]) -> Result<ImageFormat, ImageError> {
    match heif_brands(brands) {
        HeifBrands::Heic => Ok(ImageFormat::Heic),
        HeifBrands::Avif => {
            Err(ImageError::Unsupported("AVIF (AV1 in HEIF) is not accepted; send JPEG, PNG or HEIC".into()))
        }
        HeifBrands::Other => {
            let listed: Vec<String> =
                brands.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
            Err(ImageError::NotAnImage(format!(
                "an ISO media file (a video or another format: brands {}), not a HEIC photo",
                listed.join(", ")
            )))
        }
    }
}

/// A short human description of what the bytes look like instead.
fn describe_other(bytes: &[u8]) -> String {
    let kind = if bytes.starts_with(b"GIF8") {
        Some("a GIF image")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("a WebP image")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("a TIFF image")
    } else if bytes.starts_with(b"BM") {
        Some("a BMP image")
    } else if bytes.starts_with(b"%PDF") {
        Some("a PDF document")
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        Some("a JPEG start marker without a frame")
    } else {
        None
    };
    match kind {
        Some(kind) => format!("{kind}; only JPEG, PNG and HEIC photos are accepted"),
        None => {
            format!("unrecognised bytes ({} bytes); only JPEG, PNG and HEIC photos are accepted", bytes.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use punchline_domain::media::{AVIF_BRANDS, HEIC_BRANDS};
    use punchline_domain::PhotoFailureCode;
    use punchline_testkit::photos::ftyp_box as ftyp;

    use super::*;

    #[test]
    fn recognises_the_three_formats_by_magic() {
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE1]), Ok(ImageFormat::Jpeg));
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Ok(ImageFormat::Png));
        assert_eq!(detect(&ftyp(b"heic", &[b"mif1", b"heic"])), Ok(ImageFormat::Heic));
        assert_eq!(detect(&ftyp(b"heix", &[b"mif1"])), Ok(ImageFormat::Heic));
    }

    #[test]
    fn videos_and_avif_are_refused() {
        assert_eq!(detect(&ftyp(b"isom", &[b"mp41"])).unwrap_err().code(), PhotoFailureCode::NotAnImage);
        assert_eq!(
            detect(&ftyp(b"avif", &[b"mif1", b"avif"])).unwrap_err().code(),
            PhotoFailureCode::Unsupported
        );
    }

    /// Each brand of the shared table as the major brand alone, and behind a video's major
    /// brand: detected exactly as ingest's `sniff` accepts uploads (its own test walks the
    /// same table), so no upload is accepted by one and refused by the other for its brands.
    #[test]
    fn every_heic_brand_of_the_shared_table_is_heic_and_every_avif_one_refused() {
        for brand in HEIC_BRANDS {
            assert_eq!(detect(&ftyp(brand, &[])), Ok(ImageFormat::Heic), "{brand:?}");
            assert_eq!(detect(&ftyp(b"isom", &[brand])), Ok(ImageFormat::Heic), "{brand:?}");
        }
        for brand in AVIF_BRANDS {
            let refused = detect(&ftyp(brand, &[b"mif1"])).unwrap_err();
            assert_eq!(refused.code(), PhotoFailureCode::Unsupported, "{brand:?}");
        }
    }

    #[test]
    fn anything_else_is_not_an_image() {
        for bytes in [&b""[..], b"GIF89a", b"%PDF-1.7", b"hello world", &[0xFF, 0xD8, 0x00]] {
            assert_eq!(detect(bytes).unwrap_err().code(), PhotoFailureCode::NotAnImage, "{bytes:?}");
        }
    }
}
