//! What can stop an evaluation: a missing or malformed input. A photo the pipeline refuses is
//! not an error here; it is a result (`photo_unprocessable`, or a copy that cannot match).

use std::path::PathBuf;

/// Why an evaluation could not run: an input missing or malformed, or a name that refers to
/// nothing. The evaluation stops at the first one; no partial report is made.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A photo listed in `provenance.csv` could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The photo's path (the corpus directory joined with its listed name).
        path: PathBuf,
        /// The I/O error (often: not found, when `--photos` points elsewhere).
        source: std::io::Error,
    },
    /// `provenance.csv` or the scenarios file could not be opened or parsed as CSV.
    #[error("{path}: {source}")]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// The reader's error, with the line when it has one.
        source: csv::Error,
    },
    /// A row of the scenarios file parsed as CSV but says something impossible (unknown
    /// flag, a flag both expected and forbidden, a bad time, a duplicate id).
    #[error("{path}, scenario {id}: {message}")]
    Scenario {
        /// The scenarios file.
        path: PathBuf,
        /// The row's `id` column.
        id: String,
        /// What is wrong with the row.
        message: String,
    },
    /// A scenario's site (centre, radius, time zone) is refused by [`punchline_domain::Site::new`].
    #[error("scenario {id}: the site is not valid: {message}")]
    Site {
        /// The scenario's id.
        id: String,
        /// The site's validation error.
        message: String,
    },
    /// A transformation name that is not one of [`crate::Transform::ALL`] (from
    /// `--transform` or a scenario's `transform` column).
    #[error("unknown transformation {0:?}")]
    UnknownTransform(String),
    /// A photo named by a scenario or by `--source` that `provenance.csv` does not list.
    #[error("{0} is not in the corpus")]
    UnknownPhoto(String),
    /// A source photo could not be decoded for transforming, or its copy not encoded.
    #[error("transforming {photo}: {source}")]
    Transform {
        /// The source photo's file name in the corpus.
        photo: String,
        /// The image pipeline's error.
        source: punchline_imaging::ImageError,
    },
}
