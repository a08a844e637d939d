//! A labelled evaluation of punchline's checks, which anyone can rerun (`punchline eval`).
//!
//! - `corpus.rs`: the shared photos with their `same_image` / `same_scene` labels, each
//!   processed once by the image pipeline.
//! - `scenarios.rs` + `punches.rs`: punches from `eval/scenarios.csv`, each with the flags it
//!   must and must not raise, run through the verification engine: a confusion count per
//!   flag code (`tally.rs`).
//! - `transform.rs` (with the pixel `edits.rs`) + `reuse.rs`: every corpus photo re-encoded,
//!   resized, cropped, rotated, mirrored, brightened, blurred, framed or stripped of EXIF,
//!   and matched by PDQ against the whole corpus, as the workers match a new photo.
//! - `histogram.rs`: the PDQ distance distributions as SVG; `report.rs`: the Markdown.
//!
//! Everything CPU-bound runs on the caller's rayon pool.

mod corpus;
mod edits;
mod engine;
mod error;
mod histogram;
mod page;
mod punches;
mod report;
mod reuse;
mod scenarios;
mod tally;
mod transform;

use std::path::PathBuf;
use std::time::Instant;

use punchline_domain::Config;

pub use corpus::{Corpus, CorpusPhoto, GroupKind, Relation};
pub use error::EvalError;
pub use histogram::Series;
pub use punches::{FlagResults, Mistake};
pub use report::Report;
pub use reuse::{PairCounts, ReuseResults, TransformResult};
pub use tally::Counts;
pub use transform::Transform;

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The photo corpus: `manifest.csv`, `provenance.csv` and the photos.
    pub photos: PathBuf,
    /// The labelled punches (`eval/scenarios.csv`).
    pub scenarios: PathBuf,
    /// The transformations applied to each source photo.
    pub transforms: Vec<Transform>,
    /// The photos transformed; `None`: every photo the pipeline can hash. Matching is always
    /// against the whole corpus.
    pub sources: Option<Vec<String>>,
    /// Thresholds and tolerances, as the workers use them.
    pub config: Config,
}

/// Runs the whole evaluation: the corpus, the scenarios, the transformations.
pub fn run(options: &EvalOptions) -> Result<Report, EvalError> {
    let started = Instant::now();
    let corpus = Corpus::load(&options.photos, &options.config)?;
    let scenarios = scenarios::read(&options.scenarios)?;
    let flags = punches::evaluate(&corpus, &scenarios, &options.config)?;
    let reuse = reuse::evaluate(&corpus, &options.transforms, options.sources.as_deref(), &options.config)?;
    Ok(Report {
        flags,
        reuse,
        corpus_photos: corpus.photos.len(),
        reuse_max_distance: options.config.hashing.reuse_max_distance,
        blank_below_quality: options.config.hashing.blank_below_quality,
        elapsed_s: started.elapsed().as_secs_f64(),
    })
}
