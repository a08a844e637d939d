//! Why the in-memory reuse index could not answer.

use crate::records::RecordsError;

/// An error of the in-memory reuse index.
#[derive(Debug, thiserror::Error)]
pub enum ReuseError {
    /// The radius is beyond what the index serves (see [`super::mih::MAX_RADIUS`]).
    #[error("PDQ radius {radius} exceeds {max}")]
    RadiusTooLarge {
        /// The radius asked for.
        radius: u32,
        /// The largest radius served.
        max: u32,
    },
    /// A search needs at least one query hash.
    #[error("a PDQ search needs at least one query hash")]
    NoQuery,
    /// Positions in the index are `u32`: one organisation cannot hold more hashes.
    #[error("the reuse index of one organisation is full ({0} hashes)")]
    Full(usize),
    /// Reading the hashes or the evidence from the records failed.
    #[error(transparent)]
    Records(#[from] RecordsError),
    /// A blocking task (load, rebuild, search) panicked or was cancelled.
    #[error("a reuse index task did not finish: {0}")]
    Task(String),
}

impl From<ReuseError> for RecordsError {
    /// The trait the workers call speaks [`RecordsError`]: a bad radius or query stays
    /// `Invalid` (as on the database search), a lost blocking task is reported like an
    /// unreadable row so the job is not retried forever on a bug.
    fn from(e: ReuseError) -> RecordsError {
        match e {
            ReuseError::Records(inner) => inner,
            ReuseError::RadiusTooLarge { .. } | ReuseError::NoQuery | ReuseError::Full(_) => {
                RecordsError::Invalid(e.to_string())
            }
            ReuseError::Task(_) => RecordsError::Corrupt(e.to_string()),
        }
    }
}
