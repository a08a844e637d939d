//! The shared RabbitMQ: its address, the file lock that keeps a test closing every
//! connection away from the others (the same lock file as the backends' queue tests, so
//! it holds across test binaries), and the forced close itself.

use std::fs::File;
use std::process::Command;
use std::time::{Duration, Instant};

/// The broker the RabbitMQ tests use.
pub fn amqp_url() -> String {
    std::env::var("PUNCHLINE_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// Held while it lives: shared by tests that use the broker, exclusive by one that
/// disrupts it.
pub struct BrokerLock {
    /// Holding the open file holds the lock; closing it releases it.
    _file: File,
}

impl BrokerLock {
    pub async fn shared() -> BrokerLock {
        BrokerLock::acquire(false).await
    }

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
        let deadline = Instant::now() + Duration::from_secs(600);
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

/// Closes every client connection on the broker, as a failover or restart would. Hold
/// [`BrokerLock::exclusive`].
pub async fn close_all_connections() {
    let output = tokio::task::spawn_blocking(|| {
        Command::new("rabbitmqctl").args(["close_all_connections", "test"]).output()
    })
    .await
    .expect("rabbitmqctl's thread")
    .expect("rabbitmqctl runs");
    assert!(output.status.success(), "rabbitmqctl failed: {}", String::from_utf8_lossy(&output.stderr));
}
