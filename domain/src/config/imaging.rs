//! Knobs of the image pipeline: limits, variants, hashing, the CPU pool.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// Checked from the bytes and the header before anything is decoded, so a hostile file
/// is refused before it can allocate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest accepted upload in bytes. The apps send photos up to 10 MB.
    pub max_bytes: u64,
    /// Largest accepted width × height, read from the header before decoding. The default
    /// admits the 200 MP sensors of current phones (16320 × 12240) and refuses
    /// decompression bombs.
    pub max_pixels: u64,
    /// Largest accepted width or height on its own, in pixels.
    pub max_dimension: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig { max_bytes: 10 * 1024 * 1024, max_pixels: 210_000_000, max_dimension: 32_768 }
    }
}

impl LimitsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.max_bytes == 0 || self.max_pixels == 0 || self.max_dimension == 0 {
            return Err(ConfigError::OutOfRange("limits must be positive".into()));
        }
        Ok(())
    }
}

/// The file format of the variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VariantFormat {
    /// Baseline JPEG (`"jpeg"`, the default and only format), encoded by libjpeg-turbo at
    /// `variants.quality`.
    Jpeg,
}

/// The resized copies the apps and the supervisors' screens show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VariantsConfig {
    /// Long-edge sizes in pixels. A photo smaller than a size is never upscaled: that
    /// variant keeps the photo's own size.
    pub sizes: Vec<u32>,
    /// Encoding of the variants (EXIF and GPS are never copied into them).
    pub format: VariantFormat,
    /// JPEG quality, 1–100.
    pub quality: u8,
}

impl Default for VariantsConfig {
    fn default() -> Self {
        VariantsConfig { sizes: vec![300, 800, 1200], format: VariantFormat::Jpeg, quality: 85 }
    }
}

impl VariantsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.sizes.is_empty() || self.sizes.iter().any(|&s| s == 0 || s > 8192) {
            return Err(ConfigError::OutOfRange("variants.sizes must hold 1–8192 px sizes".into()));
        }
        if !(1..=100).contains(&self.quality) {
            return Err(ConfigError::OutOfRange("variants.quality must be 1–100".into()));
        }
        Ok(())
    }

    /// The largest configured long edge.
    pub fn largest(&self) -> u32 {
        self.sizes.iter().copied().max().unwrap_or(0)
    }
}

/// Perceptual hashing (PDQ) thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HashingConfig {
    /// Two photos whose PDQ hashes differ in at most this many of 256 bits (over the 8
    /// rotations/mirrorings) are the same picture. Measured on the corpus: same-image pairs
    /// ≤ 20, unrelated photos ≥ 106; PDQ's authors recommend 31.
    pub reuse_max_distance: u32,
    /// A PDQ quality (0–100) below this marks a blank frame (lens cap, pocket); such a
    /// hash is never used to match. PDQ's authors call hashes under 50 unreliable.
    pub blank_below_quality: u8,
    /// Where the workers search for earlier photos within `reuse_max_distance`: `memory`
    /// (an in-memory multi-index per organisation beside the database, loaded on first
    /// use: ~140 bytes per indexed photo) or `database` (the multi-index in
    /// PostgreSQL/SQLite alone). Both give the same matches; `memory` is what keeps a
    /// search under 10 ms at 10 M photos (docs/benchmarks.md, "Reuse search").
    pub reuse_search: ReuseSearch,
    /// Seconds between re-reads of the rows just below the in-memory index's watermark,
    /// which catch hashes whose transaction committed after a later one was read. A
    /// commit slower than this after its insert may be missed until the worker restarts.
    pub reuse_reread_s: u64,
}

/// Where PDQ radius searches run (`hashing.reuse_search`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReuseSearch {
    /// An in-memory multi-index per organisation, kept in step with the database.
    Memory,
    /// The database's own multi-index (`pdq_chunks`).
    Database,
}

impl Default for HashingConfig {
    fn default() -> Self {
        HashingConfig {
            reuse_max_distance: 31,
            blank_below_quality: 50,
            reuse_search: ReuseSearch::Memory,
            reuse_reread_s: 5,
        }
    }
}

impl HashingConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.reuse_max_distance > 256 || self.blank_below_quality > 100 {
            return Err(ConfigError::OutOfRange(
                "hashing.reuse_max_distance ≤ 256 and hashing.blank_below_quality ≤ 100".into(),
            ));
        }
        if self.reuse_reread_s == 0 {
            return Err(ConfigError::OutOfRange("hashing.reuse_reread_s must be at least 1".into()));
        }
        Ok(())
    }
}

/// The rayon pool that runs decode, resize and hash.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// Threads in the CPU pool; 0 means one per core.
    pub threads: usize,
}
