//! The worker loop (`punchline work`): take deliveries from the queue, run each job on a
//! task of its own, at most `concurrency` at once, and stop gracefully.
//!
//! - A permit is taken **before** asking the queue for the next delivery, so a busy worker
//!   never holds more jobs (and their photos) than its limit.
//! - A job fetches its original, analyses it on the CPU pool, stores the variants, commits,
//!   and only then acks: at-least-once delivery, made harmless by the idempotent commit.
//! - On shutdown the worker stops taking deliveries, lets its jobs finish for
//!   `worker.shutdown_grace_s`, then aborts the rest and releases them to the queue
//!   (acking any whose result was already committed).

mod in_flight;
mod job;
mod report;
mod settle;
mod slot;
mod telemetry;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use punchline_backends::queue::{Delivery, JobConsumer, JobQueue, QueueError};
use punchline_backends::store::Store;
use punchline_domain::{Backoff, Config};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::processing::Processor;
use in_flight::InFlight;
use job::JobContext;
pub use report::{Outcome, WorkerReport};

/// The longest wait between attempts to get a consumer from an unreachable queue.
const RECONNECT_MAX: Duration = Duration::from_secs(10);

/// Why a worker stopped before it was asked to.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The queue refused for a reason waiting will not fix (wrong credentials, a topology
    /// declared with other arguments, a corrupt jobs table). The jobs in flight were
    /// finished or handed back first.
    #[error("cannot take jobs from the queue: {0}")]
    Queue(#[from] QueueError),
}

/// Takes jobs from one queue consumer and processes them; see the module docs.
pub struct Worker {
    queue: Arc<dyn JobQueue>,
    context: Arc<JobContext>,
    concurrency: usize,
    grace: Duration,
    progress: watch::Sender<WorkerReport>,
}

/// The next delivery, with the permit that lets it run and the consumer to ask again.
type Intake = Pin<Box<dyn Future<Output = Result<Taken, QueueError>> + Send>>;
type Taken = (Box<dyn JobConsumer>, OwnedSemaphorePermit, Delivery);

impl Worker {
    /// A worker taking jobs from `queue`, reading originals from and writing variants to
    /// `store`, processing with `processor`. It holds `worker.concurrency` jobs at once
    /// (0: the processor's CPU threads + 1), reads at most `limits.max_bytes` of an
    /// original, and lets jobs finish for `worker.shutdown_grace_s` when stopped.
    pub fn new(
        queue: Arc<dyn JobQueue>,
        store: Arc<dyn Store>,
        processor: Processor,
        config: &Config,
    ) -> Worker {
        let concurrency = config.worker.concurrency_for(processor.cpu_threads());
        let context = Arc::new(JobContext { store, processor, max_bytes: config.limits.max_bytes });
        let grace = Duration::from_secs(config.worker.shutdown_grace_s);
        let (progress, _) = watch::channel(WorkerReport::default());
        Worker { queue, context, concurrency, grace, progress }
    }

    /// How many jobs this worker holds at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// The worker's counts as they grow while it runs (the same numbers `run` returns),
    /// for a status line or a test waiting for jobs to end. Take it before `run`.
    pub fn progress(&self) -> watch::Receiver<WorkerReport> {
        self.progress.subscribe()
    }

    /// Processes jobs until `shutdown` is cancelled, then stops taking deliveries, lets
    /// the jobs in flight finish (for the shutdown grace at most), hands the rest back to
    /// the queue and returns what it did. Returns an error only if the queue fails in a
    /// way waiting cannot fix (after the same drain); a lost connection is reconnected.
    pub async fn run(self, shutdown: CancellationToken) -> Result<WorkerReport, WorkerError> {
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let mut jobs = InFlight::new(Arc::clone(&self.context), self.progress.clone());
        let mut intake = next_delivery(Arc::clone(&self.queue), None, Arc::clone(&permits));
        tracing::info!(concurrency = self.concurrency, "worker started");
        let stopped = loop {
            tokio::select! {
                // Shutdown first, then finished jobs (they free permits), then new jobs.
                biased;
                () = shutdown.cancelled() => break Ok(()),
                Some(_) = jobs.next_ended() => {}
                taken = &mut intake => match taken {
                    Ok((consumer, permit, delivery)) => {
                        jobs.spawn(delivery, permit);
                        intake = next_delivery(Arc::clone(&self.queue), Some(consumer), Arc::clone(&permits));
                    }
                    Err(e) => break Err(e),
                },
            }
        };
        // Dropping the intake drops the consumer: no more deliveries. The deliveries
        // already handed out can still be settled.
        drop(intake);
        let report = jobs.drain(self.grace).await;
        tracing::info!(%report, "worker stopped");
        match stopped {
            Ok(()) => Ok(report),
            Err(e) => {
                tracing::error!(error = %e, %report, "worker stopped: the queue failed");
                Err(e.into())
            }
        }
    }
}

/// Waits for a free permit, then for the next delivery of `consumer` (a new one if
/// `None`, or if the consumer stopped or lost its queue for good).
fn next_delivery(
    queue: Arc<dyn JobQueue>,
    consumer: Option<Box<dyn JobConsumer>>,
    permits: Arc<Semaphore>,
) -> Intake {
    Box::pin(async move {
        // The permit first: a worker at its limit does not take (and hold) another job.
        // The worker never closes the semaphore, so this only waits.
        let permit = permits.acquire_owned().await.map_err(|_| QueueError::ConsumerStopped)?;
        let mut consumer = match consumer {
            Some(consumer) => consumer,
            None => connect(queue.as_ref()).await?,
        };
        loop {
            match consumer.next().await {
                Ok(delivery) => return Ok((consumer, permit, delivery)),
                // Consumers reconnect by themselves; one that still gives up is replaced.
                Err(e) if e.is_transient() || matches!(e, QueueError::ConsumerStopped) => {
                    tracing::warn!(error = %e, "the consumer failed; starting a new one");
                    drop(consumer);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    consumer = connect(queue.as_ref()).await?;
                }
                Err(e) => return Err(e),
            }
        }
    })
}

/// A new consumer, waiting out a queue that is unreachable for now (with backoff).
async fn connect(queue: &dyn JobQueue) -> Result<Box<dyn JobConsumer>, QueueError> {
    let mut backoff = Backoff::up_to(RECONNECT_MAX);
    loop {
        match queue.consumer().await {
            Ok(consumer) => return Ok(consumer),
            Err(e) if e.is_transient() => {
                let delay = backoff.next_delay();
                tracing::warn!(error = %e, ?delay, "the queue is unreachable; trying again");
                tokio::time::sleep(delay).await;
            }
            Err(e) => return Err(e),
        }
    }
}
