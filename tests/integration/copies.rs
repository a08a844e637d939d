//! The copies one round of the simultaneous-copies test punches, made from the sample
//! photos: byte-identical files, one picture re-encoded at several qualities, and several
//! pictures dressed in one photo's EXIF.

use image::codecs::jpeg::JpegEncoder;
use image::ImageFormat;
use punchline_testkit::photos;

/// The most copies a round punches.
pub const MAX_COPIES: usize = 8;

/// Long edge the pictures are reduced to: the race is in the records, not the decoder.
const LONG_EDGE: u32 = 1024;

/// What the copies of a round share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The same file, byte for byte: `exact_duplicate`.
    SameBytes,
    /// One picture re-encoded at different qualities: `reused_photo`.
    Reencoded,
    /// Different pictures carrying one photo's EXIF (capture time, camera, GPS): `exif_copied`.
    CopiedExif,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::SameBytes, Kind::Reencoded, Kind::CopiedExif];

    /// The flag every copy but the original must carry.
    pub fn flag(self) -> &'static str {
        match self {
            Kind::SameBytes => "exact_duplicate",
            Kind::Reencoded => "reused_photo",
            Kind::CopiedExif => "exif_copied",
        }
    }
}

/// The JPEG files of each kind, [`MAX_COPIES`] of each.
pub struct CopySets {
    same_bytes: Vec<u8>,
    reencoded: Vec<Vec<u8>>,
    copied_exif: Vec<Vec<u8>>,
}

impl CopySets {
    pub fn new() -> CopySets {
        let same_bytes = photos::read("coolpix_gps_0010.jpg");
        let picture = photos::read("coolpix_gps_0021.jpg");
        let reencoded = (0..MAX_COPIES).map(|i| reencode(&picture, 95 - 5 * i as u8)).collect();
        // Eight pictures of different scenes, each given the EXIF of a ninth.
        let exif = exif_segment(&photos::read("coolpix_gps_0012.jpg")).expect("the source photo has EXIF");
        let pictures = [
            "htcdesire_gps.jpg",
            "jolla.jpg",
            "galaxys_gps00_rot6.jpg",
            "canon_sx60_rot6.jpg",
            "galaxyj3_rot6.jpg",
            "orient_landscape_1.jpg",
            "iphone6_hdr_on.jpg",
            "nokia83_gps.jpg",
        ];
        let copied_exif =
            pictures.iter().map(|file| with_exif(&reencode(&photos::read(file), 90), &exif)).collect();
        CopySets { same_bytes, reencoded, copied_exif }
    }

    /// `k` files of `kind`, the `i`th punched by the `i`th worker.
    pub fn files(&self, kind: Kind, k: usize) -> Vec<Vec<u8>> {
        match kind {
            Kind::SameBytes => vec![self.same_bytes.clone(); k],
            Kind::Reencoded => self.reencoded[..k].to_vec(),
            Kind::CopiedExif => self.copied_exif[..k].to_vec(),
        }
    }
}

/// The picture decoded, reduced to [`LONG_EDGE`] and encoded again at `quality`, without
/// metadata: different bytes, the same picture.
fn reencode(jpeg: &[u8], quality: u8) -> Vec<u8> {
    let picture =
        image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg).expect("a sample JPEG decodes");
    let picture = if picture.width().max(picture.height()) > LONG_EDGE {
        picture.resize(LONG_EDGE, LONG_EDGE, image::imageops::FilterType::Triangle)
    } else {
        picture
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality).encode_image(&picture.to_rgb8()).expect("JPEG encodes");
    out
}

/// The JPEG's EXIF segment (APP1 marker, length and payload), if it has one.
fn exif_segment(jpeg: &[u8]) -> Option<Vec<u8>> {
    segments(jpeg).into_iter().find(|s| is_exif(s)).map(<[u8]>::to_vec)
}

/// `jpeg` with `exif` as its only EXIF segment, right after the start of image.
fn with_exif(jpeg: &[u8], exif: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(exif);
    let kept = segments(jpeg);
    let header_end = kept.last().map_or(2, |s| s.as_ptr() as usize - jpeg.as_ptr() as usize + s.len());
    for segment in kept.iter().filter(|s| !is_exif(s)) {
        out.extend_from_slice(segment);
    }
    out.extend_from_slice(&jpeg[header_end..]);
    out
}

fn is_exif(segment: &[u8]) -> bool {
    segment.len() > 10 && segment[1] == 0xE1 && &segment[4..10] == b"Exif\0\0"
}

/// The marker segments between the start of image and the start of scan (whole: marker,
/// length and payload). The encoder and the cameras write no padding between them.
fn segments(jpeg: &[u8]) -> Vec<&[u8]> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "a JPEG starts with SOI");
    let mut out = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF && jpeg[at + 1] != 0xDA {
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        out.push(&jpeg[at..at + 2 + length]);
        at += 2 + length;
    }
    out
}
