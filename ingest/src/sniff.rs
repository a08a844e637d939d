//! The upload's type from its first bytes, checked when an upload is completed. Only the
//! signatures: ingest never decodes an image (the worker does, and decides for real: a
//! file with the right magic bytes can still be truncated or corrupt). Kept here rather
//! than using the imaging crate's detection so that the api, which completes uploads
//! through this crate, never links the decoders.

use punchline_domain::ImageFormat;

/// How many leading bytes [`sniff`] needs.
pub const SNIFF_LEN: usize = 16;

/// ISO-BMFF major brands of HEIF images with HEVC (or generic HEIF image) content.
const HEIF_BRANDS: &[&[u8; 4]] =
    &[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"heif"];

/// The image format the bytes start like, if any of JPEG, PNG or HEIC.
pub fn sniff(prefix: &[u8]) -> Option<ImageFormat> {
    if prefix.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(ImageFormat::Jpeg);
    }
    if prefix.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(ImageFormat::Png);
    }
    // An ISO-BMFF file starts with the `ftyp` box: 4 bytes of size, `ftyp`, the brand.
    let brand = prefix.get(8..12)?;
    (prefix.get(4..8) == Some(b"ftyp") && HEIF_BRANDS.iter().any(|b| b.as_slice() == brand))
        .then_some(ImageFormat::Heic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_recognised() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1, 0, 0]), Some(ImageFormat::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(ImageFormat::Png));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Some(ImageFormat::Heic));
        assert_eq!(sniff(b"\0\0\0\x18ftypmif1\0\0\0\0"), Some(ImageFormat::Heic));
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0"), None, "an MP4 is not a photo");
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"\xFF\xD8"), None, "too short to be a JPEG");
        assert_eq!(sniff(b""), None);
    }
}
