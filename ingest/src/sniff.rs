//! The upload's type from its first bytes, checked when an upload is completed. Only the
//! signatures: ingest never decodes an image (the worker does, and decides for real: a
//! file with the right magic bytes can still be truncated or corrupt). HEIF files are
//! judged by their `ftyp` brands with the table the decoders use
//! (`punchline_domain::media`), so the api, which completes uploads through this crate,
//! never links the decoders, and never accepts a HEIF file the worker would refuse for its
//! brands (or the other way round).

use punchline_domain::media::{ftyp_brands, heif_brands, HeifBrands};
use punchline_domain::ImageFormat;

/// How many leading bytes [`sniff`] reads: enough for the whole `ftyp` box of the phones'
/// and cameras' HEIF files (24 to 40 bytes: the major brand and the compatible ones).
pub const SNIFF_LEN: usize = 64;

/// The image format the bytes start like, if any of JPEG, PNG or HEIC. AVIF, which the
/// decoders refuse, is not HEIC here either.
pub fn sniff(prefix: &[u8]) -> Option<ImageFormat> {
    if prefix.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(ImageFormat::Jpeg);
    }
    if prefix.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(ImageFormat::Png);
    }
    let brands = ftyp_brands(prefix)?;
    (heif_brands(&brands) == HeifBrands::Heic).then_some(ImageFormat::Heic)
}

#[cfg(test)]
mod tests {
    use punchline_domain::media::{AVIF_BRANDS, HEIC_BRANDS};
    use punchline_testkit::photos::ftyp_box as ftyp;

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

    /// Each brand of the shared table as the major brand alone, and behind a video's major
    /// brand: accepted exactly as the imaging crate's `detect` decodes them (its own test
    /// walks the same table), and AVIF refused like the decoders refuse it.
    #[test]
    fn heif_uploads_are_judged_by_every_brand_of_the_shared_table() {
        for brand in HEIC_BRANDS {
            assert_eq!(sniff(&ftyp(brand, &[])), Some(ImageFormat::Heic), "{brand:?}");
            assert_eq!(sniff(&ftyp(b"isom", &[brand])), Some(ImageFormat::Heic), "{brand:?}");
        }
        for brand in AVIF_BRANDS {
            assert_eq!(sniff(&ftyp(brand, &[b"mif1"])), None, "{brand:?}");
        }
        // A Sony camera's `ftyp` (40 bytes) fits in what is read.
        let sony = ftyp(b"heix", &[b"mif1", b"heix", b"miaf", b"MiHA", b"jpeg", b"SHIF"]);
        assert!(sony.len() <= SNIFF_LEN);
        assert_eq!(sniff(&sony), Some(ImageFormat::Heic));
    }
}
