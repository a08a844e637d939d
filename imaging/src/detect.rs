//! Which format a photo is, judged from its bytes alone: never from a file name or the
//! content type a client claims.

use punchline_domain::ImageFormat;

use crate::container::isobmff;
use crate::error::ImageError;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// HEIF brands whose images are HEVC-coded (`heic`…) or may be (`mif1`, `msf1`: the
/// generic HEIF brands Sony and Canon cameras also list; libheif tells us the codec).
const HEVC_BRANDS: &[&[u8; 4]] =
    &[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"];
const AVIF_BRANDS: &[&[u8; 4]] = &[b"avif", b"avis"];

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
    if let Some(brands) = isobmff::ftyp_brands(bytes) {
        return heif_from_brands(&brands);
    }
    Err(ImageError::NotAnImage(describe_other(bytes)))
}

fn heif_from_brands(brands: &[[u8; 4]]) -> Result<ImageFormat, ImageError> {
    let has = |set: &[&[u8; 4]]| brands.iter().any(|b| set.contains(&b));
    if has(AVIF_BRANDS) && !brands.iter().any(|b| b == b"heic" || b == b"heix") {
        return Err(ImageError::Unsupported(
            "AVIF (AV1 in HEIF) is not accepted; send JPEG, PNG or HEIC".into(),
        ));
    }
    if has(HEVC_BRANDS) {
        return Ok(ImageFormat::Heic);
    }
    let listed: Vec<String> = brands.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
    Err(ImageError::NotAnImage(format!(
        "an ISO media file (a video or another format: brands {}), not a HEIC photo",
        listed.join(", ")
    )))
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
    use punchline_domain::PhotoFailureCode;

    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut v = (size as u32).to_be_bytes().to_vec();
        v.extend_from_slice(b"ftyp");
        v.extend_from_slice(major);
        v.extend_from_slice(&[0, 0, 0, 0]);
        for b in compatible {
            v.extend_from_slice(*b);
        }
        v
    }

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

    #[test]
    fn anything_else_is_not_an_image() {
        for bytes in [&b""[..], b"GIF89a", b"%PDF-1.7", b"hello world", &[0xFF, 0xD8, 0x00]] {
            assert_eq!(detect(bytes).unwrap_err().code(), PhotoFailureCode::NotAnImage, "{bytes:?}");
        }
    }
}
