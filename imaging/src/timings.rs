//! Wall-clock time per pipeline stage, in milliseconds: what `inspect` and the benchmark
//! harness report so the team can see where the time goes.

use std::time::Instant;

use serde::Serialize;

/// Milliseconds spent in each stage of one photo.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StageTimings {
    /// Type detection, header parsing and limit checks.
    pub open: f64,
    /// Reading the EXIF block into facts.
    pub exif: f64,
    /// Pixel decoding (including libheif's transforms and colour conversion).
    pub decode: f64,
    /// Resampling to every variant size.
    pub resize: f64,
    /// Applying EXIF orientation (done on the largest variant, not the full image).
    pub orient: f64,
    /// JPEG encoding of the variants.
    pub encode: f64,
    /// SHA-256 and PDQ (with its dihedral variants).
    pub hash: f64,
    /// The whole photo, start to finish.
    pub total: f64,
}

/// Runs `f`, adding its duration to `slot`.
pub(crate) fn timed<T>(slot: &mut f64, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    *slot += start.elapsed().as_secs_f64() * 1000.0;
    out
}
