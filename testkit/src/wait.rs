//! Waiting, bounded: a test that waits for something that never comes fails, saying what
//! it waited for, instead of hanging the suite.

use std::future::Future;
use std::time::Duration;

/// How often [`eventually`] checks: quick enough not to slow the tests, slow enough not to
/// load the servers they watch.
const POLL: Duration = Duration::from_millis(50);

/// Checks `check` every 50 ms until it gives `Some(value)`; returns the value. For a plain
/// condition, give `(condition).then_some(())`.
///
/// # Panics
/// When `limit` passes first: "timed out after {limit} waiting for {what}".
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(POLL).await;
    }
}

/// Awaits `future`; returns its output.
///
/// # Panics
/// When it takes longer than `limit`: "timed out after {limit} waiting for {what}".
pub async fn within<T>(limit: Duration, what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {limit:?} waiting for {what}"),
    }
}
