//! Which database failures are worth retrying: one answer for the records and the SQLite
//! queue, so a lost connection or a busy database is retried the same way wherever it
//! happens.

/// Whether `error` is the database being away or busy for now (retry with backoff)
/// rather than a bug, a bad row or a schema mismatch (retrying will not help).
pub(crate) fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            db.code().is_some_and(|code| is_transient_sqlstate(&code) || is_transient_sqlite_code(&code))
        }
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs that mean "try again": connection exceptions (class 08),
/// serialization failure, deadlock, insufficient resources (class 53), operator
/// intervention (server shutting down or starting up, class 57P).
fn is_transient_sqlstate(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
        || code == "40001"
        || code == "40P01"
}

/// SQLite primary result codes that mean "try again": SQLITE_BUSY (5), SQLITE_LOCKED (6).
/// sqlx reports extended codes, whose low byte is the primary code.
fn is_transient_sqlite_code(code: &str) -> bool {
    code.parse::<i32>().is_ok_and(|extended| matches!(extended & 0xff, 5 | 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_and_exhausted_pools_are_transient() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(is_transient(&sqlx::Error::Io(io)));
        assert!(is_transient(&sqlx::Error::PoolTimedOut));
        assert!(is_transient(&sqlx::Error::PoolClosed));
        assert!(!is_transient(&sqlx::Error::RowNotFound));
    }

    #[test]
    fn sqlstates_and_sqlite_codes_are_classified() {
        assert!(is_transient_sqlstate("08006"));
        assert!(is_transient_sqlstate("57P01"));
        assert!(is_transient_sqlstate("40001"));
        assert!(!is_transient_sqlstate("23505"));
        assert!(!is_transient_sqlstate("42P01"));
        assert!(is_transient_sqlite_code("5"));
        assert!(is_transient_sqlite_code("6"));
        assert!(is_transient_sqlite_code("517")); // SQLITE_BUSY_SNAPSHOT
        assert!(is_transient_sqlite_code("262")); // SQLITE_LOCKED_SHAREDCACHE
        assert!(!is_transient_sqlite_code("2067")); // SQLITE_CONSTRAINT_UNIQUE
        assert!(!is_transient_sqlite_code("19")); // SQLITE_CONSTRAINT
        assert!(!is_transient_sqlite_code("busy"));
    }
}
