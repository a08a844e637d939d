//! A fresh queue per test: a uniquely prefixed topology on the real RabbitMQ (deleted when
//! the test ends, passed or failed) or a SQLite file in a temporary directory.
//!
//! RabbitMQ: `PUNCHLINE_TEST_AMQP_URL` (default `amqp://guest:guest@127.0.0.1:5672/%2f`).
//! Tests that close every connection on the broker take [`BrokerLock::exclusive`]; all
//! other broker tests hold [`BrokerLock::shared`], so they never overlap (across test
//! binaries too: it is a file lock).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use punchline_backends::queue::{Delivery, JobConsumer, JobQueue, RabbitMqQueue, SqliteQueue};
use punchline_domain::config::{QueueBackend, QueueConfig};
use punchline_domain::{OrgId, PhotoId, PhotoJob, PunchId};
use punchline_testkit::broker::amqp_url;
pub use punchline_testkit::broker::BrokerLock;
pub use punchline_testkit::wait::within;

/// The longest any single wait in these tests may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);
/// The longest a whole scenario may take.
pub const SCENARIO_LIMIT: Duration = Duration::from_secs(120);

/// Fast timings so retries, backoffs and visibility timeouts pass within a test, and a
/// prefix of this test's own.
pub fn test_config(backend: QueueBackend) -> QueueConfig {
    QueueConfig {
        backend,
        amqp_url: amqp_url(),
        name_prefix: format!("punchline-test-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        prefetch: 8,
        max_attempts: 3,
        retry_base_ms: 400,
        retry_max_ms: 800,
        visibility_timeout_ms: 1_000,
        poll_interval_ms: 20,
        reconnect_max_ms: 1_000,
    }
}

/// A job for a new photo.
pub fn new_job() -> PhotoJob {
    let photo = PhotoId::new();
    PhotoJob::new(OrgId::new(), photo, PunchId::new(), format!("org/photos/{photo}.jpg"))
}

/// The next delivery, failing the test on an error or after [`WAIT`].
pub async fn next_delivery(consumer: &mut Box<dyn JobConsumer>) -> Delivery {
    within(WAIT, "a delivery", consumer.next()).await.expect("the consumer delivers")
}

/// Asserts that `consumer` delivers nothing for `quiet`.
pub async fn assert_nothing_delivered(consumer: &mut Box<dyn JobConsumer>, quiet: Duration) {
    if let Ok(delivery) = tokio::time::timeout(quiet, consumer.next()).await {
        panic!("expected no delivery, got {delivery:?}");
    }
}

/// One test's queue.
pub struct TestQueue {
    /// The queue under test.
    pub queue: Arc<dyn JobQueue>,
    /// Its configuration (the prefix is unique to the test).
    pub config: QueueConfig,
    /// Keeps the SQLite file alive.
    _dir: Option<tempfile::TempDir>,
    /// The SQLite file, to inject rows.
    sqlite_file: Option<PathBuf>,
    /// Held for the test's length on RabbitMQ.
    _lock: Option<BrokerLock>,
}

impl TestQueue {
    /// A migrated SQLite queue in a new temporary file.
    pub async fn sqlite(config: QueueConfig) -> TestQueue {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("punchline.sqlite");
        let queue = SqliteQueue::open(&file, &config).await.expect("open SQLite file");
        queue.migrate().await.expect("migrations apply");
        TestQueue { queue: Arc::new(queue), config, _dir: Some(dir), sqlite_file: Some(file), _lock: None }
    }

    /// A RabbitMQ queue with this test's own topology, declared.
    pub async fn rabbitmq(config: QueueConfig, lock: BrokerLock) -> TestQueue {
        let queue = RabbitMqQueue::connect(&config)
            .await
            .unwrap_or_else(|e| panic!("RabbitMQ is reachable at {} ({e})", amqp_url()));
        TestQueue { queue: Arc::new(queue), config, _dir: None, sqlite_file: None, _lock: Some(lock) }
    }

    /// A queue of `backend` with the fast test configuration.
    pub async fn new(backend: QueueBackend) -> TestQueue {
        let config = test_config(backend);
        match backend {
            QueueBackend::Sqlite => TestQueue::sqlite(config).await,
            QueueBackend::Rabbitmq => TestQueue::rabbitmq(config, BrokerLock::shared().await).await,
        }
    }

    /// Puts a message that is not a job on the queue, bypassing `publish`.
    pub async fn inject_raw(&self, body: &str) {
        if let Some(file) = &self.sqlite_file {
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
            let pool = sqlx::SqlitePool::connect_with(options).await.expect("open the test file");
            sqlx::query(
                "INSERT INTO jobs (queue, payload, available_at_ms, enqueued_at_ms) VALUES (?1, ?2, 0, 0)",
            )
            .bind(&self.config.name_prefix)
            .bind(body)
            .execute(&pool)
            .await
            .expect("insert a raw job row");
            pool.close().await;
            return;
        }
        let connection = rabbitmq_connection().await;
        let channel = connection.create_channel().await.expect("channel");
        let exchange = format!("{}.jobs", self.config.name_prefix);
        let persistent = BasicProperties::default().with_delivery_mode(2);
        channel
            .basic_publish(&exchange, "photo", BasicPublishOptions::default(), body.as_bytes(), persistent)
            .await
            .expect("publish a raw message");
        connection.close(200, "done").await.expect("close");
    }
}

impl Drop for TestQueue {
    fn drop(&mut self) {
        if self.config.backend != QueueBackend::Rabbitmq {
            return;
        }
        RabbitMqQueue::delete_topology_blocking(&self.config);
    }
}

/// A plain connection for tests that talk to the broker directly.
pub async fn rabbitmq_connection() -> Connection {
    let properties = ConnectionProperties::default()
        .with_executor(tokio_executor_trait::Tokio::current())
        .with_reactor(tokio_reactor_trait::Tokio::current());
    Connection::connect(&amqp_url(), properties).await.expect("RabbitMQ is reachable")
}
