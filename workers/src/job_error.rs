//! How a job failed: worth retrying later, or never (pict-rs style).

use punchline_backends::records::RecordsError;
use punchline_backends::store::StoreError;

/// A job that did not finish. The queue retries `Retry` with backoff (up to its attempt
/// limit) and parks `Abort` at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Something outside the photo failed (database or store unreachable): try again later.
    #[error("retry: {0}")]
    Retry(String),
    /// Retrying cannot help (the records say the job makes no sense).
    #[error("abort: {0}")]
    Abort(String),
}

impl From<RecordsError> for JobError {
    fn from(e: RecordsError) -> Self {
        if e.is_transient() {
            JobError::Retry(e.to_string())
        } else {
            JobError::Abort(e.to_string())
        }
    }
}

impl From<StoreError> for JobError {
    /// A missing original will not appear by waiting: abort. A store that is down, or set
    /// up wrongly (a deployment an operator is fixing), may work on a later attempt: retry,
    /// rather than fail every photo that arrives meanwhile.
    fn from(e: StoreError) -> Self {
        if e.is_transient() || matches!(e, StoreError::Misconfigured(_)) {
            JobError::Retry(e.to_string())
        } else {
            JobError::Abort(e.to_string())
        }
    }
}
