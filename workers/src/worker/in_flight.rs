//! The jobs a worker holds: one tokio task each, and what to do with a delivery whose
//! task did not settle it (the task panicked, or shutdown aborted it).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use punchline_backends::queue::Delivery;
use punchline_domain::PhotoJob;
use tokio::sync::{watch, OwnedSemaphorePermit};
use tokio::task::{Id, JoinError, JoinSet};
use tracing::Instrument;

use super::job::{self, JobContext};
use super::report::{Outcome, WorkerReport};
use super::slot::JobSlot;
use super::{settle, telemetry};
use crate::job_error::JobError;

/// The running jobs and, for each, its delivery's slot and its job.
pub(super) struct InFlight {
    context: Arc<JobContext>,
    tasks: JoinSet<Outcome>,
    running: HashMap<Id, (Arc<JobSlot>, PhotoJob)>,
    report: WorkerReport,
    /// The report as it grows, for whoever watches the worker.
    progress: watch::Sender<WorkerReport>,
}

impl InFlight {
    pub(super) fn new(context: Arc<JobContext>, progress: watch::Sender<WorkerReport>) -> InFlight {
        let report = WorkerReport::default();
        InFlight { context, tasks: JoinSet::new(), running: HashMap::new(), report, progress }
    }

    /// Starts `delivery`'s job on a task of its own, holding `permit` until it ends.
    pub(super) fn spawn(&mut self, delivery: Delivery, permit: OwnedSemaphorePermit) {
        let job = delivery.job().clone();
        telemetry::job_received(job.enqueued_at);
        let span = tracing::info_span!(
            "job",
            org = %job.org,
            photo = %job.photo,
            punch = %job.punch,
            attempt = delivery.attempt(),
        );
        let slot = Arc::new(JobSlot::new(delivery));
        let task = job::run(Arc::clone(&self.context), Arc::clone(&slot), job.clone());
        let handle = self.tasks.spawn(
            async move {
                // Released when the task ends, however it ends (done, panicked, aborted).
                let _permit = permit;
                task.await
            }
            .instrument(span),
        );
        self.running.insert(handle.id(), (slot, job));
        telemetry::in_flight(self.running.len());
    }

    /// Waits for the next task to end and counts its job; `None` once no task is running
    /// (at once when there is none). Cancel-safe: it only waits for a task, and settles a
    /// delivery its task left unsettled on a new task.
    pub(super) async fn next_ended(&mut self) -> Option<()> {
        let ended = self.tasks.join_next_with_id().await?;
        match ended {
            Ok((id, outcome)) => {
                self.running.remove(&id);
                self.count(outcome);
            }
            Err(error) => self.settle_unsettled(error),
        }
        telemetry::in_flight(self.running.len());
        Some(())
    }

    /// Lets the running jobs finish for up to `grace`, then aborts the rest and hands
    /// their jobs back to the queue (or acks those whose result is already committed).
    /// Returns what every job came to.
    pub(super) async fn drain(mut self, grace: Duration) -> WorkerReport {
        let deadline = tokio::time::Instant::now() + grace;
        while let Ok(Some(())) = tokio::time::timeout_at(deadline, self.next_ended()).await {}
        if !self.running.is_empty() {
            tracing::info!(jobs = self.running.len(), "shutdown grace over: handing the remaining jobs back");
            self.tasks.abort_all();
            while self.next_ended().await.is_some() {}
        }
        self.report
    }

    fn count(&mut self, outcome: Outcome) {
        self.report.count(outcome);
        self.progress.send_replace(self.report);
    }

    /// Settles, on a task of its own, the delivery of a task that ended without settling
    /// it: ack if its result is committed, retry after a panic, release after an abort.
    fn settle_unsettled(&mut self, error: JoinError) {
        let Some((slot, job)) = self.running.remove(&error.id()) else {
            tracing::error!("a job task the worker did not know of ended");
            return;
        };
        let Some(delivery) = slot.take() else {
            // Aborted while it was settling: the queue takes the unsettled job back (on
            // connection close or visibility timeout); a finished photo makes it a no-op.
            tracing::warn!(photo = %job.photo, "job aborted while settling; the queue will deliver it again");
            self.count(Outcome::Released);
            return;
        };
        let panic = error.is_panic().then(|| format!("the job panicked: {}", panic_message(error)));
        let committed = slot.is_committed();
        let processor = self.context.processor.clone();
        let settling_job = job.clone();
        let span = tracing::info_span!("job", org = %job.org, photo = %job.photo, punch = %job.punch);
        let handle = self.tasks.spawn(
            async move {
                match panic {
                    // The verdict is in: acking is the only way not to redo (or release) it.
                    _ if committed => settle::ack(delivery, Outcome::Processed).await,
                    Some(reason) => {
                        tracing::error!(%reason);
                        settle::failed(&processor, delivery, &settling_job, JobError::Retry(reason)).await
                    }
                    None => settle::release(delivery).await,
                }
            }
            .instrument(span),
        );
        // The slot is empty now: if this task is aborted too, the queue takes the job back.
        self.running.insert(handle.id(), (slot, job));
    }
}

/// The text a panic carried, if it was a string.
fn panic_message(error: JoinError) -> String {
    let Ok(payload) = error.try_into_panic() else { return "(aborted)".into() };
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".into()
    }
}
