//! The one error type of every records operation, classified so callers know whether a
//! retry can help (the queue retries transient errors and fails permanent ones at once).

/// Why a records operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    /// The row does not exist in this organisation (another org's row looks the same).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for: `punch`, `photo`, `site`, …
        what: &'static str,
    },
    /// The write collides with an existing row that is not the same request again
    /// (e.g. a site id already taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller passed something the records refuse (a sub-minute UTC offset, a search
    /// radius the index cannot serve, an entity of another org than the one given).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A stored row could not be read back (an unknown enum name, malformed JSON): a
    /// newer writer or a hand edit. Retrying will not help.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database could not be reached or refused for now (connection lost, pool
    /// exhausted, server shutting down, lock contention, serialization failure).
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database failure: a bug or a schema mismatch, not fixed by retrying.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// Applying the schema migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl RecordsError {
    /// Whether retrying the same operation later may succeed (the job should be retried
    /// with backoff rather than failed).
    pub fn is_transient(&self) -> bool {
        matches!(self, RecordsError::Unavailable(_))
    }

    pub(crate) fn not_found(what: &'static str) -> RecordsError {
        RecordsError::NotFound { what }
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> RecordsError {
        RecordsError::Corrupt(what.to_string())
    }
}

impl From<sqlx::Error> for RecordsError {
    fn from(error: sqlx::Error) -> RecordsError {
        if crate::transient::is_transient(&error) {
            return RecordsError::Unavailable(error);
        }
        match &error {
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() {
                    RecordsError::Conflict(db.message().to_owned())
                } else if db.is_foreign_key_violation() {
                    // The composite (org_id, …) keys make a reference to another org's row
                    // fail exactly like a reference to a row that does not exist.
                    RecordsError::Invalid(format!(
                        "refers to a row this organisation does not have: {}",
                        db.message()
                    ))
                } else if db.is_check_violation() {
                    RecordsError::Invalid(db.message().to_owned())
                } else {
                    RecordsError::Database(error)
                }
            }
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                RecordsError::Corrupt(error.to_string())
            }
            _ => RecordsError::Database(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_are_transient() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(RecordsError::from(sqlx::Error::Io(io)).is_transient());
        assert!(RecordsError::from(sqlx::Error::PoolTimedOut).is_transient());
        assert!(!RecordsError::from(sqlx::Error::RowNotFound).is_transient());
        assert!(!RecordsError::not_found("punch").is_transient());
    }
}
