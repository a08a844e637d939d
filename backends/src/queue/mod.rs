//! The job queue between ingest and the workers, behind one trait with two
//! implementations: [`RabbitMqQueue`] (production) and [`SqliteQueue`] (embedded).
//!
//! Processing is at-least-once with manual acknowledgement:
//!
//! - [`JobQueue::publish`] returns only once the job is durable (a publisher confirm from
//!   the broker, a committed row in SQLite).
//! - A [`JobConsumer`] hands out [`Delivery`]s. The worker settles each exactly once:
//!   [`Delivery::ack`] after its commit, [`Delivery::retry`] on a transient failure
//!   (redelivered after an exponential backoff, parked once `max_attempts` is reached),
//!   [`Delivery::park`] on a permanent one.
//! - A delivery that is never settled (its worker died) is delivered again: by the broker
//!   when the consumer's connection closes, by SQLite when the visibility timeout passes.
//!   Every delivery counts as an attempt, so a job that kills its workers ends parked.
//!
//! A job can therefore arrive more than once: the worker's commit must be idempotent.

#[cfg(feature = "test-support")]
pub mod broker_lock;
mod delivery;
mod error;
#[cfg(feature = "rabbitmq")]
pub mod rabbitmq;
pub mod sqlite;

use async_trait::async_trait;
use punchline_domain::PhotoJob;

pub use delivery::{Delivery, RetryOutcome};
pub use error::QueueError;
#[cfg(feature = "rabbitmq")]
pub use rabbitmq::RabbitMqQueue;
pub use sqlite::SqliteQueue;

/// A durable queue of photo jobs.
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Enqueues `job` and returns once it is durable. A transient error means the job
    /// may or may not have been enqueued: publish again (the job is idempotent).
    async fn publish(&self, job: &PhotoJob) -> Result<(), QueueError>;

    /// A new consumer (on RabbitMQ with a connection of its own, connected before this
    /// returns). Dropping it stops deliveries; the deliveries it handed out can still be
    /// settled (graceful shutdown: finish, ack, exit). Unsettled ones return to the queue:
    /// on RabbitMQ once the consumer and all its deliveries are dropped (the connection
    /// closes), on SQLite when their visibility timeout passes.
    async fn consumer(&self) -> Result<Box<dyn JobConsumer>, QueueError>;

    /// How many jobs are waiting, for metrics and autoscaling.
    async fn depth(&self) -> Result<QueueDepth, QueueError>;

    /// Removes up to `limit` parked jobs (oldest first) and returns them, for an operator
    /// to inspect and, once the cause is fixed, publish again.
    async fn take_parked(&self, limit: usize) -> Result<Vec<ParkedJob>, QueueError>;

    /// Readiness: the broker or the database answers.
    async fn ping(&self) -> Result<(), QueueError>;
}

/// Hands out deliveries one at a time.
#[async_trait]
pub trait JobConsumer: Send {
    /// Waits for the next delivery. Survives connection loss on its own (reconnecting
    /// with backoff), so it returns an error only when waiting cannot help (a
    /// misconfigured broker, a corrupt database). Cancel-safe: dropping the future loses
    /// no job (at worst one is redelivered).
    ///
    /// Messages that are not a job this build can read, and jobs already delivered
    /// `max_attempts` times, are parked here and never handed out.
    async fn next(&mut self) -> Result<Delivery, QueueError>;
}

/// How many jobs are where, at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueDepth {
    /// Jobs that can be delivered now.
    pub ready: u64,
    /// Jobs waiting out a retry backoff.
    pub delayed: u64,
    /// Jobs delivered and not yet settled, where the backend can tell (SQLite; RabbitMQ
    /// reports it only through its management API: `None`).
    pub in_flight: Option<u64>,
    /// Jobs parked for an operator.
    pub parked: u64,
}

/// A job taken off the parking queue.
#[derive(Debug, Clone, PartialEq)]
pub struct ParkedJob {
    /// The job, if its message could be read (a malformed message is parked too).
    pub job: Option<PhotoJob>,
    /// The message body as stored (lossy UTF-8), for a message that is not a job.
    pub body: String,
    /// Why it was parked.
    pub reason: String,
    /// Deliveries it had when it was parked (0 if it was never delivered as a job).
    pub attempts: u32,
}

impl ParkedJob {
    fn from_body(body: &[u8], reason: String, attempts: u32) -> ParkedJob {
        ParkedJob {
            job: PhotoJob::from_json(body).ok(),
            body: String::from_utf8_lossy(body).into_owned(),
            reason,
            attempts,
        }
    }
}
