//! Opening a photo (header, limits, EXIF block) and decoding its pixels.
//!
//! `open` reads only headers, so the byte and pixel limits are enforced before any
//! decoder allocates; `Opened::decode` then produces the pixels.

mod heic;
mod jpeg;
mod png;

use punchline_domain::config::LimitsConfig;
use punchline_domain::ImageFormat;

use crate::error::ImageError;
use crate::orient::Orientation;
use crate::raster::{Rgb8, RgbRef};

/// A photo whose header passed the limits, ready to decode.
pub struct Opened<'a> {
    /// The format it was opened as.
    pub format: ImageFormat,
    /// Width and height as stored, before any orientation.
    pub stored: (u32, u32),
    /// Width and height after the container's own transforms (HEIF `irot`/`imir`/`clap`).
    container_display: Option<(u32, u32)>,
    /// The raw TIFF-structured EXIF block, if the photo has one.
    pub exif: Option<Vec<u8>>,
    source: Source<'a>,
}

enum Source<'a> {
    Jpeg(jpeg::JpegSource<'a>),
    Png(&'a [u8]),
    Heic(heic::HeicSource<'a>),
}

/// Decoded pixels and what is left to do to display them.
pub struct Decoded {
    /// Possibly reduced in the decoder (JPEG DCT scaling) but never below the requested size.
    pub pixels: Pixels,
    /// The orientation still to apply (HEIF transforms are applied by the HEIF decoder already).
    pub orientation: Orientation,
    /// Which decoder produced the pixels: shown by `inspect`.
    pub decoder: &'static str,
}

/// Decoded pixels, owned by us or (HEIF) still in libheif's buffer: a 200 MP photo is
/// 600 MB of RGB, and copying it out would double the peak memory.
pub enum Pixels {
    /// Decoded into our own buffer (JPEG, PNG).
    Owned(Rgb8),
    /// libheif's decoded image, read in place (copied only when libheif padded its rows).
    Heif(heic::HeifPixels),
}

impl Pixels {
    /// The pixels as one contiguous RGB buffer.
    pub fn view(&self) -> RgbRef<'_> {
        match self {
            Pixels::Owned(image) => image.view(),
            Pixels::Heif(image) => image.view(),
        }
    }
}

/// Reads headers and enforces the limits.
pub fn open<'a>(
    bytes: &'a [u8],
    format: ImageFormat,
    limits: &LimitsConfig,
) -> Result<Opened<'a>, ImageError> {
    let opened = match format {
        ImageFormat::Jpeg => jpeg::open(bytes)?,
        ImageFormat::Png => png::open(bytes)?,
        ImageFormat::Heic => heic::open(bytes, limits)?,
    };
    check_pixels(opened.stored, limits)?;
    Ok(opened)
}

/// The pixel limit, checked on header values before anything is allocated.
pub fn check_pixels((width, height): (u32, u32), limits: &LimitsConfig) -> Result<(), ImageError> {
    let pixels = u64::from(width) * u64::from(height);
    if width > limits.max_dimension || height > limits.max_dimension {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            limit: format!("{} px per side", limits.max_dimension),
        });
    }
    if pixels > limits.max_pixels {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            limit: format!("{} pixels", limits.max_pixels),
        });
    }
    Ok(())
}

impl Opened<'_> {
    /// The orientation that turns stored pixels into the displayed image. JPEG follows the
    /// EXIF tag; HEIF follows its container (its decoder applies it) and never the tag on top.
    pub fn orientation(&self, exif_orientation: Option<u16>) -> Orientation {
        match self.format {
            ImageFormat::Jpeg => Orientation::from_exif(exif_orientation),
            ImageFormat::Png | ImageFormat::Heic => Orientation::Normal,
        }
    }

    /// Width and height as displayed.
    pub fn display(&self, exif_orientation: Option<u16>) -> (u32, u32) {
        let (w, h) = self.container_display.unwrap_or(self.stored);
        self.orientation(exif_orientation).display_size(w, h)
    }

    /// Decodes the pixels, allowing the decoder to reduce the image as long as its long
    /// edge stays at least `min_long_edge` (JPEG scales in the DCT, like libvips'
    /// shrink-on-load and Pillow's draft mode).
    pub fn decode(self, min_long_edge: u32, exif_orientation: Option<u16>) -> Result<Decoded, ImageError> {
        match self.source {
            Source::Jpeg(src) => jpeg::decode(src, min_long_edge, Orientation::from_exif(exif_orientation)),
            Source::Png(bytes) => png::decode(bytes),
            Source::Heic(src) => heic::decode(src),
        }
    }
}
