//! HEIC/HEIF: libheif 1.23 (built from source by `libheif-rs`'s `embedded-libheif`) opens
//! every file and decodes what the fast path declines; the fast path (`fast.rs`) decodes the
//! common phone HEIC's HEVC tiles with avcodec, about twice as fast as libheif's libde265,
//! and converts them to the same RGB bytes libheif would give.
//!
//! Both apply the container's transforms (`irot`, `imir`, `clap`); the EXIF Orientation tag
//! is informational for HEIF and is never applied on top. libheif also decodes a file whose
//! HEVC data is cut short without complaint, so truncation is judged from the box structure
//! before decoding.

mod avcodec;
mod fast;
mod layout;
#[cfg(test)]
mod tests;
mod yuv;

use std::sync::OnceLock;

use libheif_rs::{
    ColorSpace, DecodingOptions, HeifContext, HeifError, HeifErrorCode, Image, ImageHandle, LibHeif, Plane,
    RgbChroma, SecurityLimits,
};
use punchline_domain::config::LimitsConfig;
use punchline_domain::ImageFormat;

use super::{check_pixels, Decoded, Opened, Pixels, Source};
use crate::container::isobmff;
use crate::error::ImageError;
use crate::orient::Orientation;
use crate::raster::{Rgb8, RgbRef};

pub(super) struct HeicSource<'a> {
    bytes: &'a [u8],
    // Kept alive for the handle, which refers into it.
    _context: HeifContext<'a>,
    handle: ImageHandle,
}

/// libheif's global state, initialised once per process.
fn libheif() -> &'static LibHeif {
    static LIBHEIF: OnceLock<LibHeif> = OnceLock::new();
    LIBHEIF.get_or_init(LibHeif::new)
}

pub(super) fn open<'a>(bytes: &'a [u8], limits: &LimitsConfig) -> Result<Opened<'a>, ImageError> {
    if let Some(reason) = isobmff::truncation(bytes) {
        return Err(ImageError::Truncated(format!("{reason}: the upload was cut short")));
    }
    let mut context = HeifContext::new().map_err(|e| heif_error("creating a context", e))?;
    let mut security = SecurityLimits::new();
    security.set_max_image_size_pixels(limits.max_pixels);
    context.set_security_limits(&security).map_err(|e| heif_error("setting limits", e))?;
    // One decoding thread: the worker pool already runs one photo per core.
    context.set_max_decoding_threads(1);
    context.read_bytes(bytes).map_err(|e| heif_error("reading the container", e))?;
    let handle = context.primary_image_handle().map_err(|e| heif_error("finding the primary image", e))?;
    let stored = stored_size(&handle);
    check_pixels(stored, limits)?;
    let exif = exif_block(&handle);
    Ok(Opened {
        format: ImageFormat::Heic,
        stored,
        container_display: Some((handle.width(), handle.height())),
        exif,
        source: Source::Heic(HeicSource { bytes, _context: context, handle }),
    })
}

/// The coded size before `irot`/`clap` (`ispe`), falling back to the displayed size.
fn stored_size(handle: &ImageHandle) -> (u32, u32) {
    match (u32::try_from(handle.ispe_width()), u32::try_from(handle.ispe_height())) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
        _ => (handle.width(), handle.height()),
    }
}

/// The primary image's `Exif` item, without the 4-byte offset header HEIF puts before the
/// TIFF data (ISO/IEC 23008-12 A.2.1).
fn exif_block(handle: &ImageHandle) -> Option<Vec<u8>> {
    let mut ids = [0; 4];
    let count = handle.metadata_block_ids(&mut ids, b"Exif");
    ids[..count].iter().find_map(|&id| {
        let block = handle.metadata(id).ok()?;
        let offset = u32::from_be_bytes(block.get(..4)?.try_into().ok()?) as usize;
        block.get(4usize.checked_add(offset)?..).map(<[u8]>::to_vec)
    })
}

pub(super) fn decode(src: HeicSource<'_>) -> Result<Decoded, ImageError> {
    if let Some(pixels) = decode_fast(&src) {
        return Ok(Decoded {
            pixels: Pixels::Owned(pixels),
            orientation: Orientation::Normal,
            decoder: "avcodec",
        });
    }
    decode_libheif(&src)
}

/// The avcodec path, when the file is the simple case and gives the size libheif announced;
/// `None` sends it to libheif (alpha, deeper colour, other codecs, clap, damaged data...).
fn decode_fast(src: &HeicSource<'_>) -> Option<Rgb8> {
    if src.handle.has_alpha_channel() {
        return None;
    }
    let rgb = fast::decode(src.bytes).ok()?;
    ((rgb.width, rgb.height) == (src.handle.width(), src.handle.height())).then_some(rgb)
}

fn decode_libheif(src: &HeicSource<'_>) -> Result<Decoded, ImageError> {
    let mut options =
        DecodingOptions::new().ok_or_else(|| ImageError::DecodeFailed("libheif options".into()))?;
    options.set_convert_hdr_to_8bit(true);
    let image = libheif()
        .decode(&src.handle, ColorSpace::Rgb(RgbChroma::Rgb), Some(options))
        .map_err(|e| heif_error("decoding", e))?;
    let pixels = HeifPixels::new(image)?;
    Ok(Decoded { pixels: Pixels::Heif(pixels), orientation: Orientation::Normal, decoder: "libheif" })
}

/// libheif's decoded RGB image, read in place when its rows are unpadded.
pub struct HeifPixels {
    image: Image,
    // A packed copy, only when libheif padded the rows.
    packed: Option<Rgb8>,
}

impl HeifPixels {
    fn new(image: Image) -> Result<HeifPixels, ImageError> {
        let packed = {
            let plane = interleaved(&image)?;
            let row = plane.width as usize * 3;
            if plane.stride == row && plane.data.len() >= row * plane.height as usize {
                None
            } else {
                let mut data = Vec::with_capacity(row * plane.height as usize);
                for line in plane.data.chunks(plane.stride).take(plane.height as usize) {
                    data.extend_from_slice(line.get(..row).ok_or_else(|| short("row"))?);
                }
                Some(Rgb8::new(plane.width, plane.height, data).ok_or_else(|| short("image"))?)
            }
        };
        Ok(HeifPixels { image, packed })
    }

    pub(super) fn view(&self) -> RgbRef<'_> {
        if let Some(packed) = &self.packed {
            return packed.view();
        }
        match interleaved(&self.image) {
            Ok(plane) => {
                let len = plane.width as usize * 3 * plane.height as usize;
                RgbRef { width: plane.width, height: plane.height, data: &plane.data[..len] }
            }
            // Checked in `new`: the plane exists and is large enough.
            Err(_) => RgbRef { width: 0, height: 0, data: &[] },
        }
    }
}

fn interleaved(image: &Image) -> Result<Plane<&[u8]>, ImageError> {
    image.planes().interleaved.ok_or_else(|| ImageError::DecodeFailed("libheif returned no RGB plane".into()))
}

fn short(what: &str) -> ImageError {
    ImageError::DecodeFailed(format!("libheif returned a short {what}"))
}

fn heif_error(doing: &str, e: HeifError) -> ImageError {
    let detail = format!("HEIF {doing}: {} ({:?}/{:?})", e.message, e.code, e.sub_code);
    match e.code {
        HeifErrorCode::UnsupportedFeature | HeifErrorCode::UnsupportedFileType => {
            ImageError::Unsupported(detail)
        }
        HeifErrorCode::MemoryAllocationError => ImageError::TooManyPixels {
            width: 0,
            height: 0,
            limit: format!("libheif refused the allocation: {detail}"),
        },
        _ if format!("{:?}", e.sub_code) == "SecurityLimitExceeded" => {
            ImageError::TooManyPixels { width: 0, height: 0, limit: detail }
        }
        _ => ImageError::DecodeFailed(detail),
    }
}
