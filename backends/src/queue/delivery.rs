//! One delivery of a job to a consumer, and how the worker settles it.

use std::time::Duration;

use async_trait::async_trait;
use punchline_domain::config::QueueConfig;
use punchline_domain::{JobDecodeError, PhotoJob};

use super::QueueError;

/// What a backend does to settle a delivery. Each method consumes the settlement: a
/// delivery is settled once.
#[async_trait]
pub(crate) trait Settle: Send + Sync {
    /// The job is done: remove it.
    async fn ack(self: Box<Self>) -> Result<(), QueueError>;
    /// Deliver the job again after `delay`, noting `reason`.
    async fn retry(self: Box<Self>, delay: Duration, reason: &str) -> Result<(), QueueError>;
    /// Never deliver the job again: park it with `reason`.
    async fn park(self: Box<Self>, reason: &str) -> Result<(), QueueError>;
    /// Hand the job back unprocessed, to be delivered again at once.
    async fn release(self: Box<Self>) -> Result<(), QueueError>;
}

/// What [`Delivery::retry`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// The job will be delivered again after this backoff.
    Scheduled(Duration),
    /// The job had used its last attempt: it is parked.
    Parked,
}

/// A job handed to a consumer, to be settled exactly once with [`Delivery::ack`],
/// [`Delivery::retry`], [`Delivery::park`] or [`Delivery::release`].
///
/// A delivery dropped unsettled is not lost: it is delivered again when its consumer goes
/// away (RabbitMQ) or its visibility timeout passes (SQLite).
pub struct Delivery {
    job: PhotoJob,
    attempt: u32,
    max_attempts: u32,
    retry_delay: Duration,
    settle: Box<dyn Settle>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("job", &self.job)
            .field("attempt", &self.attempt)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl Delivery {
    /// `attempt` counts from 1; `retry_delay` is the backoff a retry of this attempt waits.
    pub(crate) fn new(
        job: PhotoJob,
        attempt: u32,
        max_attempts: u32,
        retry_delay: Duration,
        settle: Box<dyn Settle>,
    ) -> Delivery {
        Delivery { job, attempt, max_attempts, retry_delay, settle }
    }

    /// What every backend does with a message it has just claimed: a message that is not a
    /// job this build can read, or a job already delivered more than `max_attempts` times
    /// (its workers died on it), is parked here and never handed out (`None`).
    pub(crate) async fn admit(
        job: Result<PhotoJob, JobDecodeError>,
        attempt: u32,
        config: &QueueConfig,
        settle: Box<dyn Settle>,
    ) -> Result<Option<Delivery>, QueueError> {
        let job = match job {
            Ok(job) => job,
            Err(error) => {
                settle.park(&format!("not a job this build can read: {error}")).await?;
                return Ok(None);
            }
        };
        if attempt > config.max_attempts {
            let reason = format!("delivered {attempt} times without being settled (its workers died)");
            settle.park(&reason).await?;
            return Ok(None);
        }
        let delay = config.retry_delay(attempt);
        Ok(Some(Delivery::new(job, attempt, config.max_attempts, delay, settle)))
    }

    /// The job to process.
    pub fn job(&self) -> &PhotoJob {
        &self.job
    }

    /// Which delivery of this job this is, from 1: retries and deliveries whose worker
    /// died both count.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Whether this is the job's last attempt: a retry will park it.
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }

    /// The job is done (committed): remove it from the queue.
    ///
    /// [`QueueError::DeliveryLost`] means the queue had already taken the job back (the
    /// connection dropped, or the visibility timeout passed): it is or will be delivered
    /// again, and the idempotent commit makes that a no-op.
    pub async fn ack(self) -> Result<(), QueueError> {
        self.settle.ack().await
    }

    /// A transient failure (store or database unreachable): deliver the job again after
    /// an exponential backoff, or park it if this was its last attempt. `reason` is kept
    /// with the job (and becomes the parking reason).
    pub async fn retry(self, reason: &str) -> Result<RetryOutcome, QueueError> {
        if self.is_last_attempt() {
            let reason = format!("gave up after {} attempts: {reason}", self.attempt);
            self.settle.park(&reason).await?;
            return Ok(RetryOutcome::Parked);
        }
        self.settle.retry(self.retry_delay, reason).await?;
        Ok(RetryOutcome::Scheduled(self.retry_delay))
    }

    /// A permanent failure: park the job at once with `reason`; it is never delivered
    /// again.
    pub async fn park(self, reason: &str) -> Result<(), QueueError> {
        self.settle.park(reason).await
    }

    /// Hand the job back unprocessed (graceful shutdown): it is delivered again at once,
    /// to any consumer. It still counts as an attempt.
    pub async fn release(self) -> Result<(), QueueError> {
        self.settle.release().await
    }
}
