//! JPEG through libjpeg-turbo (the `turbojpeg` crate), with the `image` crate's decoder
//! (zune-jpeg) as the deliberate fallback for what libjpeg-turbo cannot convert to RGB
//! (CMYK/YCCK JPEGs from print workflows). Truncation is judged beforehand from the
//! segment structure, so neither decoder's leniency decides it.

use punchline_domain::ImageFormat;
use turbojpeg::{Decompressor, PixelFormat, ScalingFactor};

use super::{Decoded, Opened, Pixels, Source};
use crate::container::jpeg;
use crate::error::ImageError;
use crate::orient::Orientation;
use crate::raster::Rgb8;

pub(super) struct JpegSource<'a> {
    bytes: &'a [u8],
}

pub(super) fn open(bytes: &[u8]) -> Result<Opened<'_>, ImageError> {
    let structure = jpeg::structure(bytes)?;
    let stored = jpeg::dimensions(&structure)?;
    if !structure.complete {
        return Err(ImageError::Truncated(format!(
            "JPEG ends after {} bytes without its end-of-image marker: the upload was cut short",
            bytes.len()
        )));
    }
    Ok(Opened {
        format: ImageFormat::Jpeg,
        stored,
        container_display: None,
        exif: structure.exif.map(<[u8]>::to_vec),
        source: Source::Jpeg(JpegSource { bytes }),
    })
}

pub(super) fn decode(
    src: JpegSource<'_>,
    min_long_edge: u32,
    orientation: Orientation,
) -> Result<Decoded, ImageError> {
    match decode_turbo(src.bytes, min_long_edge) {
        Ok(image) => Ok(Decoded { pixels: Pixels::Owned(image), orientation, decoder: "libjpeg-turbo" }),
        Err(turbo_error) => {
            let image = decode_fallback(src.bytes).map_err(|e| {
                ImageError::DecodeFailed(format!("JPEG: {turbo_error}; fallback decoder: {e}"))
            })?;
            Ok(Decoded { pixels: Pixels::Owned(image), orientation, decoder: "zune-jpeg (fallback)" })
        }
    }
}

/// The smallest DCT scale (1/8, 1/4, 1/2, 1) keeping the long edge at least `min_long_edge`.
/// Only power-of-two scales: libjpeg-turbo's SIMD IDCT covers those.
fn scale_for(width: usize, height: usize, min_long_edge: u32) -> ScalingFactor {
    let long = width.max(height);
    [ScalingFactor::ONE_EIGHTH, ScalingFactor::ONE_QUARTER, ScalingFactor::ONE_HALF]
        .into_iter()
        .find(|f| f.scale(long) >= min_long_edge as usize)
        .unwrap_or(ScalingFactor::ONE)
}

fn decode_turbo(bytes: &[u8], min_long_edge: u32) -> Result<Rgb8, turbojpeg::Error> {
    let mut decompressor = Decompressor::new()?;
    let header = decompressor.read_header(bytes)?;
    let factor = scale_for(header.width, header.height, min_long_edge);
    decompressor.set_scaling_factor(factor)?;
    let scaled = header.scaled(factor);
    let mut image = turbojpeg::Image {
        pixels: vec![0u8; scaled.width * scaled.height * 3],
        width: scaled.width,
        pitch: scaled.width * 3,
        height: scaled.height,
        format: PixelFormat::RGB,
    };
    decompressor.decompress(bytes, image.as_deref_mut())?;
    // Sizes come from a header already checked against the limits (≤ 32768 per side).
    Rgb8::new(scaled.width as u32, scaled.height as u32, image.pixels)
        .ok_or(turbojpeg::Error::IntegerOverflow("decoded size"))
}

fn decode_fallback(bytes: &[u8]) -> Result<Rgb8, image::ImageError> {
    let decoded = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)?.into_rgb8();
    let (width, height) = decoded.dimensions();
    Ok(Rgb8 { width, height, data: decoded.into_raw() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_keeps_the_long_edge_at_least_the_target() {
        assert_eq!(scale_for(4032, 3024, 1200), ScalingFactor::ONE_HALF);
        assert_eq!(scale_for(16000, 12000, 1200), ScalingFactor::ONE_EIGHTH);
        assert_eq!(scale_for(640, 480, 1200), ScalingFactor::ONE);
        assert_eq!(scale_for(2400, 1600, 1200), ScalingFactor::ONE_HALF);
    }
}
