//! The resized copies the apps show: CatmullRom (bicubic) resampling with
//! `fast_image_resize` (SIMD), encoded by libjpeg-turbo. Variants carry no EXIF and no GPS:
//! they are encoded from bare pixels.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use turbojpeg::{Compressor, PixelFormat, Subsamp};

use crate::error::ImageError;
use crate::raster::{Rgb8, RgbRef};

/// One encoded variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The configured long-edge size this variant answers (e.g. 300, 800, 1200).
    pub size: u32,
    /// The real width in pixels: the long edge is `size`, or less when the photo itself is
    /// smaller (no upscaling).
    pub width: u32,
    /// The real height in pixels, in the photo's displayed aspect ratio.
    pub height: u32,
    /// JPEG bytes, without EXIF.
    pub bytes: Vec<u8>,
}

/// The size of an image of `width × height` fitted to `long_edge`, never upscaled.
pub fn fitted((width, height): (u32, u32), long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_edge {
        return (width, height);
    }
    let scale = f64::from(long_edge) / f64::from(long);
    let w = ((f64::from(width) * scale).round() as u32).clamp(1, long_edge);
    let h = ((f64::from(height) * scale).round() as u32).clamp(1, long_edge);
    (w, h)
}

/// Resamples `src` to exactly `width × height` (returns a copy when the size is unchanged).
pub fn resize(src: RgbRef<'_>, (width, height): (u32, u32)) -> Result<Rgb8, ImageError> {
    if (src.width, src.height) == (width, height) {
        return Ok(Rgb8 { width, height, data: src.data.to_vec() });
    }
    let failed = |e: &dyn std::fmt::Display| ImageError::DecodeFailed(format!("resize: {e}"));
    let from = ImageRef::new(src.width, src.height, src.data, PixelType::U8x3).map_err(|e| failed(&e))?;
    let mut to = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    Resizer::new().resize(&from, &mut to, &options).map_err(|e| failed(&e))?;
    Ok(Rgb8 { width, height, data: to.into_vec() })
}

/// Baseline 4:2:0 JPEG at `quality`.
pub fn encode_jpeg(image: &Rgb8, quality: u8) -> Result<Vec<u8>, ImageError> {
    let failed = |e: turbojpeg::Error| ImageError::EncodeFailed(format!("JPEG: {e}"));
    let mut compressor = Compressor::new().map_err(failed)?;
    compressor.set_quality(i32::from(quality)).map_err(failed)?;
    compressor.set_subsamp(Subsamp::Sub2x2).map_err(failed)?;
    let view = turbojpeg::Image {
        pixels: image.data.as_slice(),
        width: image.width as usize,
        pitch: image.width as usize * 3,
        height: image.height as usize,
        format: PixelFormat::RGB,
    };
    compressor.compress_to_vec(view).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_keeps_aspect_and_never_upscales() {
        assert_eq!(fitted((4032, 3024), 1200), (1200, 900));
        assert_eq!(fitted((3024, 4032), 300), (225, 300));
        assert_eq!(fitted((640, 480), 1200), (640, 480));
        assert_eq!(fitted((1, 1), 300), (1, 1));
        assert_eq!(fitted((10000, 1), 300), (300, 1));
    }

    #[test]
    fn resized_and_encoded_variants_decode_to_their_size() {
        let src = Rgb8::new(64, 48, (0..64 * 48 * 3).map(|i| (i % 251) as u8).collect()).unwrap();
        let small = resize(src.view(), fitted((64, 48), 32)).unwrap();
        assert_eq!((small.width, small.height), (32, 24));
        let jpeg = encode_jpeg(&small, 85).unwrap();
        let header = turbojpeg::read_header(&jpeg).unwrap();
        assert_eq!((header.width, header.height), (32, 24));
        assert!(!jpeg.windows(4).any(|w| w == b"Exif"), "variants carry no EXIF");
    }
}
