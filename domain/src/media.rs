//! Which HEIF files are photos punchline decodes, judged from the brands of their `ftyp`
//! box: the one signature table that upload completion (ingest, which links no decoder)
//! and the image pipeline (imaging) both judge by, so a file is never accepted by one and
//! refused by the other for its brands.

/// The brands of HEIF files whose pictures are HEVC-coded (`heic`, `heix`, their
/// multi-layer `heim`/`heis` and the image-sequence `hevc`/`hevx`/`hevm`/`hevs`) or may be
/// (`mif1`, `msf1`: the generic HEIF brands Sony and Canon cameras list; libheif then
/// tells the codec). Any one of them, as the major brand or a compatible one, makes the
/// file a HEIC photo to decode.
pub const HEIC_BRANDS: &[[u8; 4]] =
    &[*b"heic", *b"heix", *b"heim", *b"heis", *b"hevc", *b"hevx", *b"hevm", *b"hevs", *b"mif1", *b"msf1"];

/// The brands of AVIF (AV1 in HEIF), which is refused: such files also list `mif1`.
pub const AVIF_BRANDS: &[[u8; 4]] = &[*b"avif", *b"avis"];

/// Brands that, beside an AVIF brand, say the file carries HEVC pictures too, so it is
/// decoded as HEIC after all.
const HEVC_IMAGE_BRANDS: &[[u8; 4]] = &[*b"heic", *b"heix"];

/// What an ISO media file's brands make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeifBrands {
    /// A HEIC photo, to be decoded.
    Heic,
    /// AVIF without HEVC pictures: a recognised container punchline does not decode.
    Avif,
    /// Another ISO media file (an MP4 or QuickTime video, a 3GP…): not a photo.
    Other,
}

/// Judges a file by its `ftyp` brands (the major brand first, then the compatible ones,
/// as [`ftyp_brands`] reads them). AVIF is refused unless the file also lists `heic` or
/// `heix`; otherwise any brand of [`HEIC_BRANDS`] makes a HEIC photo.
pub fn heif_brands(brands: &[[u8; 4]]) -> HeifBrands {
    let has = |set: &[[u8; 4]]| brands.iter().any(|b| set.contains(b));
    if has(AVIF_BRANDS) && !has(HEVC_IMAGE_BRANDS) {
        HeifBrands::Avif
    } else if has(HEIC_BRANDS) {
        HeifBrands::Heic
    } else {
        HeifBrands::Other
    }
}

/// The major and compatible brands of a leading `ftyp` box, if the bytes start with one.
/// A box cut short by the end of `bytes` (a prefix read for sniffing) yields the brands
/// it holds so far.
pub fn ftyp_brands(bytes: &[u8]) -> Option<Vec<[u8; 4]>> {
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes(bytes[0..4].try_into().ok()?) as usize;
    if size < 16 {
        return None;
    }
    let end = size.min(bytes.len());
    let mut brands = vec![bytes[8..12].try_into().ok()?];
    // Bytes 12..16 are the minor version, not a brand.
    brands.extend(bytes[16..end].chunks_exact(4).filter_map(|c| <[u8; 4]>::try_from(c).ok()));
    Some(brands)
}

#[cfg(test)]
mod tests {
    use super::*;
    use punchline_testkit::photos::ftyp_box as ftyp;

    #[test]
    fn brands_are_read_from_the_major_and_the_compatible_list() {
        let f = ftyp(b"heic", &[b"mif1", b"heic"]);
        assert_eq!(ftyp_brands(&f), Some(vec![*b"heic", *b"mif1", *b"heic"]));
        // A prefix cut inside the box keeps the brands it holds.
        assert_eq!(ftyp_brands(&f[..20]), Some(vec![*b"heic", *b"mif1"]));
        assert_eq!(ftyp_brands(b"short"), None);
        assert_eq!(ftyp_brands(b"\0\0\0\x08ftypheic\0\0\0\0"), None, "a size below the header");
        assert_eq!(ftyp_brands(b"\0\0\0\x18moovheic\0\0\0\0"), None, "not an ftyp box");
    }

    /// A file's major brand, its compatible brands, and what they make it.
    type Case = (&'static [u8; 4], &'static [&'static [u8; 4]], HeifBrands);

    /// The table the brands are judged by.
    const CASES: &[Case] = &[
        // Phones: iPhone, Samsung, Xiaomi, Nokia.
        (b"heic", &[b"mif1", b"heic"], HeifBrands::Heic),
        (b"heic", &[b"mif1", b"MiHE", b"MiPr", b"miaf", b"MiHB", b"heic"], HeifBrands::Heic),
        // Cameras: Canon and Sony list `heix` with 10-bit pictures.
        (b"heix", &[b"mif1", b"heix", b"miaf"], HeifBrands::Heic),
        // Every HEVC brand counts as the major brand alone…
        (b"heim", &[], HeifBrands::Heic),
        (b"heis", &[], HeifBrands::Heic),
        (b"hevc", &[], HeifBrands::Heic),
        (b"hevx", &[], HeifBrands::Heic),
        (b"hevm", &[], HeifBrands::Heic),
        (b"hevs", &[], HeifBrands::Heic),
        (b"mif1", &[], HeifBrands::Heic),
        (b"msf1", &[], HeifBrands::Heic),
        // …and as a compatible brand behind a major brand of no meaning here.
        (b"heif", &[b"mif1"], HeifBrands::Heic),
        (b"isom", &[b"hevs"], HeifBrands::Heic),
        // AVIF is refused although it lists `mif1`, unless HEVC pictures are there too.
        (b"avif", &[b"mif1", b"avif", b"miaf"], HeifBrands::Avif),
        (b"mif1", &[b"avif"], HeifBrands::Avif),
        (b"avis", &[b"msf1"], HeifBrands::Avif),
        (b"avif", &[b"mif1", b"heic"], HeifBrands::Heic),
        // Videos and other ISO media.
        (b"isom", &[b"mp41", b"iso2"], HeifBrands::Other),
        (b"qt  ", &[], HeifBrands::Other),
        (b"3gp5", &[b"3gp5", b"isom"], HeifBrands::Other),
        // `heif` is no registered brand: alone it names nothing libheif decodes.
        (b"heif", &[], HeifBrands::Other),
    ];

    #[test]
    fn brands_are_judged_by_the_table() {
        for (major, compatible, expected) in CASES {
            let bytes = ftyp(major, compatible);
            let brands = ftyp_brands(&bytes).expect("an ftyp box");
            assert_eq!(heif_brands(&brands), *expected, "{major:?} {compatible:?}");
        }
    }
}
