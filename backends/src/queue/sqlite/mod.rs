//! The embedded job queue: a `jobs` table in the app's SQLite file (migration
//! `0002_jobs.sql`), with the semantics of the RabbitMQ queue.
//!
//! - publish inserts a row (committed when the call returns);
//! - a consumer claims the deliverable job available longest in one `UPDATE … RETURNING`
//!   statement (SQLite runs it under the write lock, so two consumers never claim the
//!   same job), counting an attempt and hiding the job for the visibility timeout;
//! - ack deletes the row, retry makes it available again after the backoff, park marks
//!   it parked with the reason; each checks the claim token, so a consumer whose claim
//!   expired cannot settle the job another consumer now holds.

mod claim;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use punchline_domain::config::QueueConfig;
use punchline_domain::PhotoJob;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;
use tokio::sync::Notify;

use super::{JobConsumer, JobQueue, ParkedJob, QueueDepth, QueueError};
use claim::SqliteConsumer;

/// How long a statement waits for another writer (records or queue, any process) before
/// failing with a transient error.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The job queue in a SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteQueue {
    pool: SqlitePool,
    config: Arc<QueueConfig>,
    /// Wakes this process's idle consumers when it publishes, so the embedded pipeline
    /// does not wait for the next poll.
    published: Arc<Notify>,
}

impl SqliteQueue {
    /// Opens (creating if missing) the database file at `path`, in WAL mode so claims
    /// never wait for readers. Does not migrate: call [`SqliteQueue::migrate`].
    pub async fn open(path: &Path, config: &QueueConfig) -> Result<SqliteQueue, QueueError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL loses no committed transaction when the process crashes.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new().max_connections(4).acquire_timeout(BUSY_TIMEOUT);
        Ok(SqliteQueue::from_pool(pool.connect_with(options).await?, config))
    }

    /// The queue over an existing pool, e.g. the records' (same file, one pool). The pool
    /// should be in WAL mode with a busy timeout.
    pub fn from_pool(pool: SqlitePool, config: &QueueConfig) -> SqliteQueue {
        SqliteQueue { pool, config: Arc::new(config.clone()), published: Arc::new(Notify::new()) }
    }

    /// Applies the SQLite migrations (the records' and the jobs table); idempotent.
    pub async fn migrate(&self) -> Result<(), QueueError> {
        sqlx::migrate!("./migrations/sqlite").run(&self.pool).await?;
        Ok(())
    }

    fn name(&self) -> &str {
        &self.config.name_prefix
    }
}

/// Now, in unix milliseconds (the jobs table's time unit).
fn now_ms() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// A duration in the jobs table's unit, saturating.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A count read from SQLite (never negative) as the trait's unsigned type.
fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[async_trait]
impl JobQueue for SqliteQueue {
    async fn publish(&self, job: &PhotoJob) -> Result<(), QueueError> {
        let now = now_ms();
        let payload = String::from_utf8_lossy(&job.to_json()).into_owned();
        sqlx::query(
            "INSERT INTO jobs (queue, payload, available_at_ms, enqueued_at_ms) VALUES (?1, ?2, ?3, ?3)",
        )
        .bind(self.name())
        .bind(payload)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.published.notify_waiters();
        Ok(())
    }

    async fn consumer(&self) -> Result<Box<dyn JobConsumer>, QueueError> {
        Ok(Box::new(SqliteConsumer::new(
            self.pool.clone(),
            Arc::clone(&self.config),
            Arc::clone(&self.published),
        )))
    }

    async fn depth(&self) -> Result<QueueDepth, QueueError> {
        let row = sqlx::query(
            "SELECT
                 coalesce(sum(parked_at_ms IS NULL AND available_at_ms <= ?2), 0) AS ready,
                 coalesce(sum(parked_at_ms IS NULL AND available_at_ms > ?2 AND claim IS NULL), 0) AS delayed,
                 coalesce(sum(parked_at_ms IS NULL AND available_at_ms > ?2 AND claim IS NOT NULL), 0) AS in_flight,
                 coalesce(sum(parked_at_ms IS NOT NULL), 0) AS parked
             FROM jobs WHERE queue = ?1",
        )
        .bind(self.name())
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(QueueDepth {
            ready: count(row.try_get("ready")?),
            delayed: count(row.try_get("delayed")?),
            in_flight: Some(count(row.try_get("in_flight")?)),
            parked: count(row.try_get("parked")?),
        })
    }

    async fn take_parked(&self, limit: usize) -> Result<Vec<ParkedJob>, QueueError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query(
            "DELETE FROM jobs WHERE id IN (
                 SELECT id FROM jobs WHERE queue = ?1 AND parked_at_ms IS NOT NULL
                 ORDER BY parked_at_ms, id LIMIT ?2)
             RETURNING id, parked_at_ms, payload, park_reason, attempts",
        )
        .bind(self.name())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut parked = Vec::with_capacity(rows.len());
        for row in rows {
            let payload: String = row.try_get("payload")?;
            let reason: Option<String> = row.try_get("park_reason")?;
            let attempts: i64 = row.try_get("attempts")?;
            let order: (i64, i64) = (row.try_get("parked_at_ms")?, row.try_get("id")?);
            let attempts = u32::try_from(attempts).unwrap_or(0);
            parked.push((
                order,
                ParkedJob::from_body(payload.as_bytes(), reason.unwrap_or_default(), attempts),
            ));
        }
        // RETURNING gives no order guarantee: restore the oldest-first order.
        parked.sort_by_key(|(order, _)| *order);
        Ok(parked.into_iter().map(|(_, job)| job).collect())
    }

    async fn ping(&self) -> Result<(), QueueError> {
        sqlx::query("SELECT count(*) FROM jobs WHERE 0").execute(&self.pool).await?;
        Ok(())
    }
}
