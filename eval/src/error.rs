//! What can stop an evaluation: a missing or malformed input. A photo the pipeline refuses is
//! not an error here; it is a result (`photo_unprocessable`, or a copy that cannot match).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("reading {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{path}, scenario {id}: {message}")]
    Scenario { path: PathBuf, id: String, message: String },
    #[error("scenario {id}: the site is not valid: {message}")]
    Site { id: String, message: String },
    #[error("unknown transformation {0:?}")]
    UnknownTransform(String),
    #[error("{0} is not in the corpus")]
    UnknownPhoto(String),
    #[error("transforming {photo}: {source}")]
    Transform { photo: String, source: punchline_imaging::ImageError },
}
