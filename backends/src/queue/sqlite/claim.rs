//! Claiming jobs from the table and settling the claims.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use punchline_domain::config::QueueConfig;
use punchline_domain::PhotoJob;
use sqlx::sqlite::SqliteQueryResult;
use sqlx::{Row, SqlitePool};
use tokio::sync::Notify;

use super::{millis, now_ms};
use crate::queue::delivery::{Delivery, Settle};
use crate::queue::{JobConsumer, QueueError};

/// A consumer of the SQLite queue: polls for a claimable job, woken early by publishes of
/// its own process.
pub(super) struct SqliteConsumer {
    pool: SqlitePool,
    config: Arc<QueueConfig>,
    published: Arc<Notify>,
}

/// A job this consumer has just claimed.
struct Claimed {
    id: i64,
    payload: String,
    attempts: i64,
}

impl SqliteConsumer {
    pub(super) fn new(pool: SqlitePool, config: Arc<QueueConfig>, published: Arc<Notify>) -> SqliteConsumer {
        SqliteConsumer { pool, config, published }
    }

    /// Claims the deliverable job available longest, if any: one statement, so it runs
    /// under SQLite's write lock and two consumers never claim the same job.
    async fn claim(&self, token: &[u8]) -> Result<Option<Claimed>, QueueError> {
        let now = now_ms();
        let visible_again =
            now.saturating_add(millis(Duration::from_millis(self.config.visibility_timeout_ms)));
        let row = sqlx::query(
            "UPDATE jobs SET attempts = attempts + 1, claim = ?1, available_at_ms = ?2
             WHERE id = (
                 SELECT id FROM jobs
                 WHERE queue = ?3 AND parked_at_ms IS NULL AND available_at_ms <= ?4
                 ORDER BY available_at_ms, id LIMIT 1)
             RETURNING id, payload, attempts",
        )
        .bind(token)
        .bind(visible_again)
        .bind(&self.config.name_prefix)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Claimed {
            id: row.try_get("id")?,
            payload: row.try_get("payload")?,
            attempts: row.try_get("attempts")?,
        }))
    }

    /// The delivery for a claimed job, or `None` if the job was parked instead (not a job
    /// this build can read, or delivered too often without being settled).
    async fn deliver(&self, claimed: Claimed, token: Vec<u8>) -> Result<Option<Delivery>, QueueError> {
        let settle = Box::new(SqliteSettle {
            pool: self.pool.clone(),
            id: claimed.id,
            token,
            published: Arc::clone(&self.published),
        });
        let attempt = u32::try_from(claimed.attempts).unwrap_or(u32::MAX);
        // More attempts than allowed: earlier claims expired unsettled, their workers died.
        Delivery::admit(PhotoJob::from_json(claimed.payload.as_bytes()), attempt, &self.config, settle).await
    }
}

#[async_trait]
impl JobConsumer for SqliteConsumer {
    async fn next(&mut self) -> Result<Delivery, QueueError> {
        let poll_interval = Duration::from_millis(self.config.poll_interval_ms);
        loop {
            // Listen before looking, so a publish between the look and the wait is not
            // missed.
            let published = self.published.notified();
            tokio::pin!(published);
            published.as_mut().enable();

            let token = uuid::Uuid::new_v4().as_bytes().to_vec();
            match self.claim(&token).await {
                Ok(Some(claimed)) => match self.deliver(claimed, token).await {
                    Ok(Some(delivery)) => return Ok(delivery),
                    Ok(None) => continue,
                    // A busy database: the claim expires and the job comes back.
                    Err(error) if error.is_transient() => {}
                    Err(error) => return Err(error),
                },
                Ok(None) => {}
                // Busy past the busy timeout: look again after the poll interval.
                Err(error) if error.is_transient() => {}
                Err(error) => return Err(error),
            }
            tokio::select! {
                () = &mut published => {}
                () = tokio::time::sleep(poll_interval) => {}
            }
        }
    }
}

/// Settles one claim: every statement requires the claim's token, so a claim that
/// expired (and may now be another consumer's) is reported lost instead.
struct SqliteSettle {
    pool: SqlitePool,
    id: i64,
    token: Vec<u8>,
    published: Arc<Notify>,
}

/// A settling statement that changed no row: the claim was no longer ours.
fn held(result: SqliteQueryResult) -> Result<(), QueueError> {
    if result.rows_affected() == 0 {
        return Err(QueueError::DeliveryLost);
    }
    Ok(())
}

#[async_trait]
impl Settle for SqliteSettle {
    async fn ack(self: Box<Self>) -> Result<(), QueueError> {
        let result = sqlx::query("DELETE FROM jobs WHERE id = ?1 AND claim = ?2")
            .bind(self.id)
            .bind(&self.token)
            .execute(&self.pool)
            .await?;
        held(result)
    }

    async fn retry(self: Box<Self>, delay: Duration, reason: &str) -> Result<(), QueueError> {
        let available_at = now_ms().saturating_add(millis(delay));
        let result = sqlx::query(
            "UPDATE jobs SET claim = NULL, available_at_ms = ?3, last_error = ?4 WHERE id = ?1 AND claim = ?2",
        )
        .bind(self.id)
        .bind(&self.token)
        .bind(available_at)
        .bind(reason)
        .execute(&self.pool)
        .await?;
        held(result)
    }

    async fn park(self: Box<Self>, reason: &str) -> Result<(), QueueError> {
        let result = sqlx::query(
            "UPDATE jobs SET claim = NULL, parked_at_ms = ?3, park_reason = ?4 WHERE id = ?1 AND claim = ?2",
        )
        .bind(self.id)
        .bind(&self.token)
        .bind(now_ms())
        .bind(reason)
        .execute(&self.pool)
        .await?;
        held(result)
    }

    async fn release(self: Box<Self>) -> Result<(), QueueError> {
        let result =
            sqlx::query("UPDATE jobs SET claim = NULL, available_at_ms = ?3 WHERE id = ?1 AND claim = ?2")
                .bind(self.id)
                .bind(&self.token)
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
        held(result)?;
        self.published.notify_waiters();
        Ok(())
    }
}
