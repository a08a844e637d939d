//! The RabbitMQ every suite's tests share: where it is, the lock that keeps a test which
//! closes every connection on it from breaking another suite's test running at the same
//! time, and that forced close itself.
//!
//! `PUNCHLINE_TEST_AMQP_URL` (default `amqp://guest:guest@127.0.0.1:5672/%2f`) names it.

use std::fs::File;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long a test waits for the lock before it fails: the exclusive holders run for a
/// minute or two, and queue behind each other.
const LOCK_WAIT_AT_MOST: Duration = Duration::from_secs(600);

/// The broker the tests use.
pub fn amqp_url() -> String {
    std::env::var("PUNCHLINE_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// `host:port` of [`amqp_url`], for a [`crate::proxy::Proxy`] to forward to.
pub fn address() -> String {
    host_port(&amqp_url())
}

/// The `host:port` of a URL: after the scheme and the credentials, before the path.
fn host_port(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let after_credentials = after_scheme.rsplit_once('@').map_or(after_scheme, |(_, rest)| rest);
    after_credentials.split('/').next().unwrap_or(after_credentials).to_owned()
}

/// A file lock between the tests that use the broker, held while it lives. A file, so it
/// holds across the test binaries of every crate: tests that only use the broker hold it
/// shared; a test that disrupts it (closes every connection) holds it exclusively.
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
        let deadline = Instant::now() + LOCK_WAIT_AT_MOST;
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

/// Closes every client connection on the broker (`rabbitmqctl close_all_connections`), as
/// a failover or a restart would; `reason` is what the clients are told. Hold
/// [`BrokerLock::exclusive`]. Returns rabbitmqctl's complaint if it fails, so a test that
/// runs it beside other work can say so where it joins.
pub async fn close_all_connections(reason: &str) -> Result<(), String> {
    let reason = reason.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("rabbitmqctl").args(["close_all_connections", &reason]).output()
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("rabbitmqctl could not run: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("rabbitmqctl failed: {}", String::from_utf8_lossy(&output.stderr)))
    }
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn the_address_is_the_host_and_port_alone() {
        assert_eq!(host_port("amqp://guest:guest@127.0.0.1:5672/%2f"), "127.0.0.1:5672");
        assert_eq!(host_port("amqp://rabbit.local:5673"), "rabbit.local:5673");
    }
}
