//! A whole worker stack per test, on real servers: records (a fresh PostgreSQL database or
//! SQLite file), a queue (a uniquely prefixed RabbitMQ topology or a SQLite jobs table), a
//! local store in a temporary directory, one organisation, and a way to submit a photo the
//! way the api and ingest do: punch + photo rows, the original stored, upload completed,
//! job published.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, FixedOffset};
use punchline_backends::queue::{JobQueue, QueueDepth, RabbitMqQueue, SqliteQueue};
use punchline_backends::records::test_db::TestDb;
use punchline_backends::records::{
    NewPhoto, Organisation, PhotoRecord, PostgresRecords, Records, UploadedPhoto, User,
};
use punchline_backends::store::{LocalStore, ObjectKey, Store};
use punchline_domain::config::{QueueBackend, QueueConfig};
use punchline_domain::{
    Config, GeoPoint, Geofence, ImageFormat, OrgId, PhotoId, PhotoJob, PhotoState, Role, Site, UserId,
    Verdict,
};
use punchline_testkit::broker::{self, BrokerLock};
use punchline_testkit::wait::eventually;
use punchline_testkit::{photos, Backend};
use punchline_workers::{cpu_pool, Processor, Worker, WorkerReport};
use sqlx::Connection;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::scenario::phone_punch;

/// The longest any one wait of these tests may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(90);

/// One test's stack: on [`Backend::Sqlite`], a SQLite jobs table and SQLite records; on
/// [`Backend::Postgres`], RabbitMQ and PostgreSQL.
pub struct Stack {
    pub backend: Backend,
    /// The records as the test sees them (always direct, never through a proxy).
    pub records: Arc<dyn Records>,
    pub queue: Arc<dyn JobQueue>,
    pub store: Arc<dyn Store>,
    /// Fast retries, a unique queue prefix.
    pub config: Config,
    pub org: OrgId,
    db: TestDb,
    queue_config: QueueConfig,
    cpu: Arc<rayon::ThreadPool>,
    _dir: tempfile::TempDir,
    _lock: Option<BrokerLock>,
}

impl Stack {
    /// A fresh stack on `backend`; a RabbitMQ test holds the broker lock shared.
    pub async fn new(backend: Backend) -> Stack {
        let lock = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(BrokerLock::shared().await),
        };
        Stack::with_lock(backend, lock).await
    }

    /// A fresh stack holding `lock` (exclusive for a test that disrupts the broker).
    pub async fn with_lock(backend: Backend, lock: Option<BrokerLock>) -> Stack {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = Config { queue: queue_config(backend), ..Config::default() };
        config.pipeline.threads = 2;
        let db = TestDb::new(backend).await;
        let records = db.records();
        let queue: Arc<dyn JobQueue> = match backend {
            Backend::Sqlite => {
                let queue = SqliteQueue::open(&dir.path().join("jobs.sqlite"), &config.queue)
                    .await
                    .expect("queue file");
                queue.migrate().await.expect("queue migrations");
                Arc::new(queue)
            }
            Backend::Postgres => {
                Arc::new(RabbitMqQueue::connect(&config.queue).await.expect("RabbitMQ is reachable"))
            }
        };
        let store = LocalStore::open(dir.path().join("objects"), &[7; 32], "http://127.0.0.1:9")
            .await
            .expect("store");
        let org = OrgId::new();
        records.create_org(&Organisation { id: org, name: "Acme Builders".into() }).await.expect("org");
        let worker = User {
            id: UserId::from_uuid(org.as_uuid()),
            org,
            name: "Field worker".into(),
            role: Role::Worker,
        };
        records.create_user(org, &worker).await.expect("user");
        let cpu = Arc::new(cpu_pool::build(&config.pipeline).expect("CPU pool"));
        let queue_config = config.queue.clone();
        Stack {
            backend,
            records,
            queue,
            store: Arc::new(store),
            config,
            org,
            db,
            queue_config,
            cpu,
            _dir: dir,
            _lock: lock,
        }
    }

    /// A worker on this stack's queue and store whose records are `records` (the test's
    /// own, or a second connection through a proxy).
    pub fn worker_with(&self, records: Arc<dyn Records>, config: &Config) -> Worker {
        let processor = Processor::new(records, Arc::new(config.clone()), Arc::clone(&self.cpu));
        Worker::new(Arc::clone(&self.queue), Arc::clone(&self.store), processor, config)
    }

    /// Starts a worker with `config` on its own task; cancel the token to stop it.
    pub fn start_with(&self, records: Arc<dyn Records>, config: &Config) -> RunningWorker {
        let worker = self.worker_with(records, config);
        let progress = worker.progress();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(worker.run(shutdown.clone()));
        RunningWorker { shutdown, progress, task }
    }

    /// Starts a worker with the stack's configuration and records.
    pub fn start(&self) -> RunningWorker {
        self.start_with(Arc::clone(&self.records), &self.config)
    }

    /// A second connection to the records, reached through `address` (a proxy in front of
    /// PostgreSQL; PostgreSQL only).
    pub async fn records_via(&self, address: SocketAddr) -> Arc<dyn Records> {
        let url = self.db.database().url_via(address);
        Arc::new(PostgresRecords::connect(&url, 8).await.expect("PostgreSQL records through the proxy"))
    }

    /// Submits `photo` as a punch and publishes its job; with `upload: false` the
    /// original is never stored (a lost upload). Returns the job.
    pub async fn submit(&self, photo_name: &str, upload: bool) -> PhotoJob {
        let org = self.org;
        // The coolpix photos were taken at 43.4674, 11.8851 in October 2008.
        let center = GeoPoint { lat: 43.4674, lon: 11.8851 };
        let site = Site::new(org, photo_name, "Europe/Rome", Geofence::Circle { center, radius_m: 300.0 })
            .expect("site");
        self.records.create_site(org, &site).await.expect("create site");
        let device_time =
            DateTime::<FixedOffset>::parse_from_rfc3339("2008-10-22T16:29:00+02:00").expect("device time");
        let punch = phone_punch(org, UserId::from_uuid(org.as_uuid()), &site, center, device_time);
        let photo = PhotoId::new();
        let key = ObjectKey::original(org, photo);
        let new_photo = NewPhoto { id: photo, object_key: key.as_str().to_owned() };
        self.records.create_punch(org, &punch, &new_photo).await.expect("punch");
        let bytes = photos::read(photo_name);
        let format = punchline_imaging::detect::detect(&bytes).unwrap_or(ImageFormat::Jpeg);
        let uploaded = UploadedPhoto { bytes: bytes.len() as u64, format };
        if upload {
            self.store.put(&key, Bytes::from(bytes), "application/octet-stream").await.expect("upload");
        }
        let job = PhotoJob::new(org, photo, punch.id, key.as_str());
        let job_json = serde_json::to_value(&job).expect("job as JSON");
        self.records.complete_upload(org, photo, &uploaded, &job_json).await.expect("complete");
        self.queue.publish(&job).await.expect("publish");
        job
    }

    /// The photo's record.
    pub async fn photo(&self, photo: PhotoId) -> PhotoRecord {
        self.records.photo(self.org, photo).await.expect("read photo").expect("the photo exists")
    }

    /// The photo's verdict, if it has one yet.
    pub async fn verdict(&self, photo: PhotoId) -> Option<Verdict> {
        self.records.verdict(self.org, photo).await.expect("read verdict")
    }

    /// Waits until the photo is in `state`.
    pub async fn wait_for_state(&self, photo: PhotoId, state: PhotoState) {
        eventually(WAIT, &format!("photo {photo} to be {}", state.as_str()), move || async move {
            (self.photo(photo).await.state == state).then_some(())
        })
        .await;
    }

    /// Waits until every one of `photos` has a verdict; returns them in order.
    pub async fn verdicts(&self, photos: &[PhotoId]) -> Vec<Verdict> {
        eventually(WAIT, "every photo's verdict", move || async move {
            let mut verdicts = Vec::with_capacity(photos.len());
            for photo in photos {
                verdicts.push(self.verdict(*photo).await?);
            }
            Some(verdicts)
        })
        .await
    }

    /// Rows in the verdicts table for `photo` (the schema's own count, not the trait's).
    pub async fn verdict_rows(&self, photo: PhotoId) -> i64 {
        let sql = "SELECT count(*) FROM verdicts WHERE photo_id = $1";
        match self.db.database().file() {
            Some(file) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
                let mut db = sqlx::SqliteConnection::connect_with(&options).await.expect("open SQLite");
                sqlx::query_scalar(sql).bind(photo.as_uuid()).fetch_one(&mut db).await.expect("count")
            }
            None => {
                let mut db = sqlx::PgConnection::connect(self.db.url()).await.expect("connect");
                sqlx::query_scalar(sql).bind(photo.as_uuid()).fetch_one(&mut db).await.expect("count")
            }
        }
    }

    /// The queue's depth now.
    pub async fn depth(&self) -> QueueDepth {
        self.queue.depth().await.expect("queue depth")
    }

    /// Waits until nothing is left on the queue: none ready, delayed, held or parked.
    pub async fn wait_until_empty(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let depth = self.depth().await;
            let empty = QueueDepth { in_flight: depth.in_flight.map(|_| 0), ..QueueDepth::default() };
            if depth == empty {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the queue is still not empty after {WAIT:?}: {depth:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.backend != Backend::Postgres {
            return;
        }
        RabbitMqQueue::delete_topology_blocking(&self.queue_config);
    }
}

/// A worker running on its own task.
pub struct RunningWorker {
    pub shutdown: CancellationToken,
    progress: watch::Receiver<WorkerReport>,
    task: JoinHandle<Result<WorkerReport, punchline_workers::WorkerError>>,
}

impl RunningWorker {
    /// Waits until the worker's counts satisfy `done`; returns them.
    pub async fn wait_for(&mut self, what: &str, done: impl FnMut(&WorkerReport) -> bool) -> WorkerReport {
        let waited =
            tokio::time::timeout(WAIT, self.progress.wait_for(done)).await.map(|r| r.map(|report| *report));
        match waited {
            Ok(Ok(report)) => report,
            Ok(Err(_)) => panic!("the worker stopped before {what}"),
            Err(_) => {
                panic!("timed out after {WAIT:?} waiting for {what} (report: {})", *self.progress.borrow())
            }
        }
    }

    /// Cancels the worker and waits for its report.
    pub async fn stop(self) -> WorkerReport {
        self.shutdown.cancel();
        match tokio::time::timeout(WAIT, self.task).await {
            Ok(joined) => {
                joined.expect("the worker task does not panic").expect("the worker ends without error")
            }
            Err(_) => panic!("the worker did not stop within {WAIT:?}"),
        }
    }
}

/// Fast retries and a prefix of this test's own.
fn queue_config(backend: Backend) -> QueueConfig {
    let backend = match backend {
        Backend::Sqlite => QueueBackend::Sqlite,
        Backend::Postgres => QueueBackend::Rabbitmq,
    };
    QueueConfig {
        backend,
        amqp_url: broker::amqp_url(),
        name_prefix: format!("punchline-wtest-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        prefetch: 4,
        max_attempts: 10,
        retry_base_ms: 100,
        retry_max_ms: 1_000,
        visibility_timeout_ms: 60_000,
        poll_interval_ms: 20,
        reconnect_max_ms: 1_000,
    }
}
