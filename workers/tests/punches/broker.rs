//! The shared RabbitMQ: its address, the file lock that keeps a test closing every
//! connection away from the others (the backends' one, so it holds across test
//! binaries), and the forced close itself.

use std::process::Command;

/// The broker the RabbitMQ tests use.
pub fn amqp_url() -> String {
    std::env::var("PUNCHLINE_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// The lock file shared by every suite that uses the broker: shared by tests that use
/// it, exclusive by one that disrupts it.
pub use punchline_backends::queue::broker_lock::BrokerLock;

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
