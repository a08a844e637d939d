//! A file lock between the test suites that share the local RabbitMQ: tests that only use
//! the broker hold it shared; a test that disrupts it (closes every connection) holds it
//! exclusively, so it never breaks another suite's test running in parallel. Behind the
//! `test-support` feature.

use std::fs::File;
use std::time::{Duration, Instant};

/// How long a test waits for the lock before it fails.
const WAIT_AT_MOST: Duration = Duration::from_secs(600);

/// Held while it lives.
pub struct BrokerLock {
    /// Holding the open file holds the lock; closing it releases it.
    _file: File,
}

impl BrokerLock {
    /// Held by every test that only uses the broker.
    pub async fn shared() -> BrokerLock {
        BrokerLock::acquire(false).await
    }

    /// Held by a test that closes every connection on the broker.
    pub async fn exclusive() -> BrokerLock {
        BrokerLock::acquire(true).await
    }

    async fn acquire(exclusive: bool) -> BrokerLock {
        let path = std::env::temp_dir().join("punchline-rabbitmq-tests.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        let deadline = Instant::now() + WAIT_AT_MOST;
        loop {
            // fs4's trait, spelled out: std's inherent methods of the same names need a
            // newer Rust than the workspace's minimum.
            let locked =
                if exclusive { fs4::FileExt::try_lock(&file) } else { fs4::FileExt::try_lock_shared(&file) };
            match locked {
                Ok(()) => return BrokerLock { _file: file },
                Err(fs4::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("lock {}: {e:?}", path.display()),
            }
        }
    }
}
