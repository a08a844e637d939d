//! The CPU pipeline that turns an uploaded photo's bytes into facts, variants and hashes.
//!
//! `process` is pure computation over a byte slice: no I/O, no async runtime. Callers run
//! it on a rayon pool (the workers, `punchline inspect`, the benchmarks) and it uses rayon
//! itself to overlap independent stages of one photo.
//!
//! Stages: size limit → type from the bytes → header and pixel limit → EXIF facts →
//! decode (JPEG reduced in the DCT to the largest variant's long edge, like libvips'
//! shrink-on-load; SHA-256 of the bytes meanwhile) → orient (EXIF for JPEG; HEIF's
//! container transforms are applied by the HEIF decoder) → PDQ of the displayed image, and
//! beside it the variants, each resampled from the next larger one, then JPEG-encoded.

pub mod container;
pub mod decode;
pub mod detect;
pub mod error;
pub mod exif;
pub mod hash;
pub mod orient;
pub mod raster;
pub mod timings;
pub mod variants;

use punchline_domain::config::{LimitsConfig, VariantsConfig};
use punchline_domain::{ExifFacts, ImageFormat, PhotoHashes};

pub use error::ImageError;
pub use raster::{Rgb8, RgbRef};
pub use timings::StageTimings;
pub use variants::Variant;

use timings::timed;

/// PDQ is computed on the decoded image, which JPEG decoding may reduce in the DCT: keep at
/// least this long edge (even when every variant is smaller) so the hash stays within a few
/// bits of the full-resolution one. PDQ blurs down to 64x64 anyway; at 1024 px its filter
/// windows are still 8 px wide. The corpus test against Meta's reference bounds the error.
const MIN_HASH_LONG_EDGE: u32 = 1024;

/// The settings `process` needs, borrowed from the application's `Config`.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// Byte and pixel limits, checked before anything is decoded.
    pub limits: &'a LimitsConfig,
    /// The variant sizes and JPEG quality; the largest size also sets how far JPEG decoding
    /// may be reduced.
    pub variants: &'a VariantsConfig,
}

/// Everything the pipeline learned about one photo.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The format detected from the bytes.
    pub format: ImageFormat,
    /// Width in pixels as stored in the file, before any orientation.
    pub stored_width: u32,
    /// Height in pixels as stored in the file, before any orientation.
    pub stored_height: u32,
    /// Width in pixels as displayed (after orientation).
    pub width: u32,
    /// Height in pixels as displayed (after orientation).
    pub height: u32,
    /// Which decoder produced the pixels.
    pub decoder: &'static str,
    /// What EXIF says (all fields absent when the photo has none).
    pub exif: ExifFacts,
    /// SHA-256 of the bytes, PDQ of the displayed image and of its 8 rotations/mirrorings.
    pub hashes: PhotoHashes,
    /// One per configured size, largest first.
    pub variants: Vec<Variant>,
    /// Milliseconds spent in each stage.
    pub timings: StageTimings,
}

/// Runs the whole pipeline over one photo's bytes.
pub fn process(bytes: &[u8], settings: Settings<'_>) -> Result<Processed, ImageError> {
    let start = std::time::Instant::now();
    let mut t = StageTimings::default();
    let limit = settings.limits.max_bytes;
    if bytes.len() as u64 > limit {
        return Err(ImageError::TooLarge { bytes: bytes.len() as u64, limit });
    }
    let opened = timed(&mut t.open, || {
        let format = detect::detect(bytes)?;
        decode::open(bytes, format, settings.limits)
    })?;
    let exif = timed(&mut t.exif, || exif::read_facts(opened.exif.as_deref()));
    let (format, stored) = (opened.format, opened.stored);
    let display = opened.display(exif.orientation);
    let largest = settings.variants.largest();

    // The SHA-256 of the bytes does not depend on the pixels: compute it beside the decode.
    // (`in_place_scope`: the decoder's state is not `Send`, so decoding stays on this thread.)
    let mut sha = ([0u8; 32], 0.0);
    let decoded = rayon::in_place_scope(|scope| {
        scope.spawn(|_| {
            let mut ms = 0.0;
            sha = (timed(&mut ms, || hash::sha256(bytes)), ms);
        });
        timed(&mut t.decode, || opened.decode(largest.max(MIN_HASH_LONG_EDGE), exif.orientation))
    })?;
    let (sha256, sha_ms) = sha;
    t.hash += sha_ms;

    // Orient the decoded image once (JPEG; HEIF arrives oriented from its decoder), then hash it
    // and cut the variants from it, concurrently.
    let oriented = match decoded.orientation {
        orient::Orientation::Normal => None,
        o => Some(timed(&mut t.orient, || o.apply(decoded.pixels.view()))),
    };
    let full = oriented.as_ref().map_or_else(|| decoded.pixels.view(), Rgb8::view);
    let mut pdq_ms = 0.0;
    let (pdq, variants) = rayon::join(
        || timed(&mut pdq_ms, || hash::pdq::pdq(full)),
        || make_variants(full, settings.variants),
    );
    t.hash += pdq_ms;
    let (variants, resize_ms, encode_ms) = variants?;
    t.resize += resize_ms;
    t.encode += encode_ms;
    t.total = start.elapsed().as_secs_f64() * 1000.0;

    Ok(Processed {
        format,
        stored_width: stored.0,
        stored_height: stored.1,
        width: display.0,
        height: display.1,
        decoder: decoded.decoder,
        exif,
        hashes: PhotoHashes { sha256, pdq: pdq.hash, pdq_dihedral: pdq.dihedral },
        variants,
        timings: t,
    })
}

/// Every configured variant, largest first, each resampled from the next larger one
/// (chaining is cheaper than resampling the full image each time, and looks the same).
fn make_variants(full: RgbRef<'_>, config: &VariantsConfig) -> Result<(Vec<Variant>, f64, f64), ImageError> {
    let mut sizes = config.sizes.clone();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    let (mut resize_ms, mut encode_ms) = (0.0, 0.0);
    let mut resized: Vec<(u32, Rgb8)> = Vec::with_capacity(sizes.len());
    for size in sizes {
        let source = resized.last().map_or(full, |(_, image)| image.view());
        let target = variants::fitted((full.width, full.height), size);
        let image = timed(&mut resize_ms, || variants::resize(source, target))?;
        resized.push((size, image));
    }
    let encoded: Result<Vec<Variant>, ImageError> = timed(&mut encode_ms, || {
        use rayon::prelude::*;
        resized
            .par_iter()
            .map(|(size, image)| {
                let bytes = variants::encode_jpeg(image, config.quality)?;
                Ok(Variant { size: *size, width: image.width, height: image.height, bytes })
            })
            .collect()
    });
    Ok((encoded?, resize_ms, encode_ms))
}
