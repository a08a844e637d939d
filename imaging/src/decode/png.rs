//! PNG through the `image` crate. PNGs carry no orientation we apply.

use image::ImageFormat as CrateFormat;
use punchline_domain::ImageFormat;

use super::{Decoded, Opened, Pixels, Source};
use crate::container::png;
use crate::error::ImageError;
use crate::orient::Orientation;
use crate::raster::Rgb8;

pub(super) fn open(bytes: &[u8]) -> Result<Opened<'_>, ImageError> {
    let stored = png::dimensions(bytes)?;
    let exif = png::exif_chunk(bytes).map(<[u8]>::to_vec);
    Ok(Opened { format: ImageFormat::Png, stored, container_display: None, exif, source: Source::Png(bytes) })
}

pub(super) fn decode(bytes: &[u8]) -> Result<Decoded, ImageError> {
    let decoded = image::load_from_memory_with_format(bytes, CrateFormat::Png).map_err(|e| {
        if png::has_end(bytes) {
            ImageError::DecodeFailed(format!("PNG: {e}"))
        } else {
            ImageError::Truncated(format!("PNG ends before its IEND chunk ({e})"))
        }
    })?;
    let rgb = decoded.into_rgb8();
    let (width, height) = rgb.dimensions();
    let image = Rgb8::new(width, height, rgb.into_raw())
        .ok_or_else(|| ImageError::DecodeFailed("PNG decoder returned a short buffer".into()))?;
    Ok(Decoded { pixels: Pixels::Owned(image), orientation: Orientation::Normal, decoder: "image-png" })
}
