//! One test's world: fresh records, a local store in a temporary directory and a fresh
//! job queue, on PostgreSQL + RabbitMQ or on SQLite records + a SQLite queue, with a way
//! to take the queue away and give it back.
//!
//! - PostgreSQL: `test_db` makes a uniquely named database (`PUNCHLINE_TEST_DATABASE_URL`).
//! - RabbitMQ (`PUNCHLINE_TEST_AMQP_URL`, default `amqp://guest:guest@127.0.0.1:5672/%2f`):
//!   a uniquely prefixed topology, deleted at the end, reached through a [`Proxy`] the
//!   test can cut. Every test holds the broker tests' shared file lock, so the tests that
//!   close every broker connection (backends' queue tests) never run during ours.
//! - SQLite: the queue in its own file with a short busy timeout, so a test holding the
//!   file's write lock makes publishing fail quickly, as a busy database does.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use punchline_backends::queue::{JobConsumer, JobQueue, RabbitMqQueue, SqliteQueue};
use punchline_backends::records::test_db::TestDb;
use punchline_backends::records::{NewPhoto, Organisation, PhotoRecord, Records, User};
use punchline_backends::store::{LocalStore, ObjectKey, Store};
use punchline_domain::config::{QueueBackend, QueueConfig};
use punchline_domain::{
    ClientPunchId, Config, GeoPoint, Geofence, OrgId, PhotoJob, Punch, PunchKind, Role, Site, SiteId, UserId,
};
use punchline_testkit::broker::{self, BrokerLock};
use punchline_testkit::proxy::Proxy;
pub use punchline_testkit::wait::within;
use punchline_testkit::Backend;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Connection, SqliteConnection};

/// The longest any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);
/// The longest a whole scenario may take.
pub const SCENARIO_LIMIT: Duration = Duration::from_secs(120);
/// The photo size limit of the tests (`limits.max_bytes`).
pub const MAX_BYTES: u64 = 4_096;

/// A fresh database, store and queue.
pub struct TestEnv {
    pub backend: Backend,
    pub config: Config,
    pub records: Arc<dyn Records>,
    pub store: Arc<dyn Store>,
    pub queue: Arc<dyn JobQueue>,
    outage: Outage,
    queue_config: QueueConfig,
    _db: TestDb,
    _dirs: Vec<tempfile::TempDir>,
    _lock: Option<BrokerLock>,
}

/// How the test takes the queue away.
enum Outage {
    /// Cut the proxy between the queue and the broker.
    Proxy(Proxy),
    /// Hold the queue file's write lock from a connection of the test's own.
    SqliteLock { file: PathBuf, holder: Option<SqliteConnection> },
}

/// The configuration of the tests: a small photo limit, a relay that polls rarely (so a
/// prompt publish shows the wake worked), and a sweeper that looks at uploads older than
/// a minute.
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.limits.max_bytes = MAX_BYTES;
    config.ingest.relay_interval_ms = 60_000;
    config.ingest.relay_batch = 100;
    config.ingest.sweep_after_s = 60;
    config.ingest.sweep_interval_s = 300;
    config
}

impl TestEnv {
    /// A fresh world of `backend`.
    pub async fn new(backend: Backend) -> TestEnv {
        let store_dir = tempfile::tempdir().expect("store directory");
        let store =
            LocalStore::open(store_dir.path(), b"ingest-test-store-signing-key-0123456789", "http://x")
                .await
                .expect("open local store");
        let mut queue_config = QueueConfig {
            name_prefix: format!(
                "punchline-ingest-test-{}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
            reconnect_max_ms: 1_000,
            ..QueueConfig::default()
        };
        let (db, queue, outage, lock, dirs): (_, Arc<dyn JobQueue>, _, _, _) = match backend {
            Backend::Postgres => {
                let lock = BrokerLock::shared().await;
                let proxy = Proxy::start(&broker::address()).await;
                queue_config.backend = QueueBackend::Rabbitmq;
                queue_config.amqp_url = format!("amqp://guest:guest@{}/%2f", proxy.address());
                let queue = RabbitMqQueue::connect(&queue_config)
                    .await
                    .unwrap_or_else(|e| panic!("RabbitMQ is reachable at {} ({e})", broker::amqp_url()));
                (TestDb::postgres().await, Arc::new(queue), Outage::Proxy(proxy), Some(lock), vec![store_dir])
            }
            Backend::Sqlite => {
                let queue_dir = tempfile::tempdir().expect("queue directory");
                let file = queue_dir.path().join("queue.sqlite");
                queue_config.backend = QueueBackend::Sqlite;
                let queue = sqlite_queue(&file, &queue_config).await;
                let outage = Outage::SqliteLock { file, holder: None };
                (TestDb::sqlite().await, Arc::new(queue), outage, None, vec![store_dir, queue_dir])
            }
        };
        TestEnv {
            backend,
            config: test_config(),
            records: db.records(),
            store: Arc::new(store),
            queue,
            outage,
            queue_config,
            _db: db,
            _dirs: dirs,
            _lock: lock,
        }
    }

    /// Makes the queue unusable: the broker unreachable, or the SQLite file locked.
    pub async fn break_queue(&mut self) {
        match &mut self.outage {
            Outage::Proxy(proxy) => proxy.cut(),
            Outage::SqliteLock { file, holder } => {
                let options = SqliteConnectOptions::new().filename(&*file);
                let mut connection = SqliteConnection::connect_with(&options).await.expect("open queue file");
                sqlx::query("BEGIN EXCLUSIVE").execute(&mut connection).await.expect("take the write lock");
                *holder = Some(connection);
            }
        }
    }

    /// Gives the queue back.
    pub async fn restore_queue(&mut self) {
        match &mut self.outage {
            Outage::Proxy(proxy) => proxy.restore(),
            Outage::SqliteLock { holder, .. } => {
                if let Some(mut connection) = holder.take() {
                    sqlx::query("ROLLBACK").execute(&mut connection).await.expect("release the write lock");
                    connection.close().await.ok();
                }
            }
        }
    }

    /// A consumer of the test's queue.
    pub async fn consumer(&self) -> Box<dyn JobConsumer> {
        within(WAIT, "a consumer", self.queue.consumer()).await.expect("consumer")
    }

    /// An organisation with a worker and a site.
    pub async fn tenant(&self, name: &str) -> Tenant {
        let org = OrgId::new();
        let records = &*self.records;
        records.create_org(&Organisation { id: org, name: name.to_owned() }).await.expect("create org");
        let worker = User { id: UserId::new(), org, name: format!("{name} worker"), role: Role::Worker };
        records.create_user(org, &worker).await.expect("create worker");
        let fence = Geofence::Circle { center: GeoPoint { lat: -37.6698, lon: 144.5465 }, radius_m: 150.0 };
        let site =
            Site::new(org, &format!("{name} depot"), "Australia/Melbourne", fence).expect("valid site");
        records.create_site(org, &site).await.expect("create site");
        Tenant { org, worker: worker.id, site: site.id }
    }

    /// A punch of `tenant` received at `received_at`, whose photo waits for its upload.
    pub async fn punch_at(
        &self,
        tenant: &Tenant,
        client_id: &str,
        received_at: DateTime<Utc>,
    ) -> PhotoRecord {
        let punch = Punch {
            id: punchline_domain::PunchId::new(),
            org: tenant.org,
            client_id: ClientPunchId::new(client_id).expect("valid client id"),
            kind: PunchKind::In,
            worker: tenant.worker,
            site: tenant.site,
            device_time: received_at.fixed_offset(),
            device_location: None,
            received_at,
        };
        let photo_id = punchline_domain::PhotoId::new();
        let photo =
            NewPhoto { id: photo_id, object_key: ObjectKey::original(tenant.org, photo_id).to_string() };
        let created = self.records.create_punch(tenant.org, &punch, &photo).await.expect("create punch");
        created.photo
    }

    /// A punch received now.
    pub async fn punch(&self, tenant: &Tenant, client_id: &str) -> PhotoRecord {
        self.punch_at(tenant, client_id, Utc::now()).await
    }

    /// Stores `bytes` as `photo`'s upload, as the app's PUT to its upload URL does.
    pub async fn upload(&self, photo: &PhotoRecord, bytes: Vec<u8>) {
        let key: ObjectKey = photo.object_key.parse().expect("photo key");
        self.store.put(&key, Bytes::from(bytes), "image/jpeg").await.expect("store the upload");
    }

    /// The photo as recorded now.
    pub async fn photo(&self, photo: &PhotoRecord) -> PhotoRecord {
        self.records.photo(photo.org, photo.id).await.expect("read photo").expect("photo exists")
    }

    /// How many of `org`'s outbox rows are unsent.
    pub async fn unsent(&self, org: OrgId) -> usize {
        self.records.unsent_outbox(org, 1_000).await.expect("read outbox").len()
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if self.backend != Backend::Postgres {
            return;
        }
        // Straight to the broker: the test's proxy may be cut.
        let mut config = self.queue_config.clone();
        config.amqp_url = broker::amqp_url();
        RabbitMqQueue::delete_topology_blocking(&config);
    }
}

/// An organisation with a worker and a site.
#[derive(Debug, Clone, Copy)]
pub struct Tenant {
    pub org: OrgId,
    pub worker: UserId,
    pub site: SiteId,
}

/// Bytes that start like a JPEG (ingest reads only the first bytes).
pub fn jpeg(len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE1];
    bytes.resize(len.max(4), 0x20);
    bytes
}

/// Bytes of a GIF: a real image, but not one punchline takes.
pub fn gif() -> Vec<u8> {
    let mut bytes = b"GIF89a".to_vec();
    bytes.resize(64, 0);
    bytes
}

/// The next job `consumer` delivers, acknowledged.
pub async fn next_job(consumer: &mut Box<dyn JobConsumer>) -> PhotoJob {
    let delivery = within(WAIT, "a delivery", consumer.next()).await.expect("the consumer delivers");
    let job = delivery.job().clone();
    delivery.ack().await.expect("ack");
    job
}

/// Asserts that `consumer` delivers nothing for `quiet`.
pub async fn assert_nothing_delivered(consumer: &mut Box<dyn JobConsumer>, quiet: Duration) {
    if let Ok(delivery) = tokio::time::timeout(quiet, consumer.next()).await {
        panic!("expected no delivery, got {delivery:?}");
    }
}

/// The SQLite queue in `file`, failing fast (250 ms) when another connection holds the
/// write lock, instead of the production busy timeout.
async fn sqlite_queue(file: &std::path::Path, config: &QueueConfig) -> SqliteQueue {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_millis(250));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .expect("open queue file");
    let queue = SqliteQueue::from_pool(pool, config);
    queue.migrate().await.expect("queue migrations apply");
    queue
}
