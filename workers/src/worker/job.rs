//! One job on its own task: fetch the original, analyse it, store the variants, commit,
//! then settle the delivery.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use punchline_backends::records::{CommitOutcome, PhotoResult};
use punchline_backends::store::{ObjectKey, Store, StoreError};
use punchline_domain::{PhotoFailure, PhotoFailureCode, PhotoJob};

use super::report::Outcome;
use super::slot::JobSlot;
use super::{settle, telemetry};
use crate::job_error::JobError;
use crate::processing::Processor;

/// The content type of every variant the pipeline writes.
const VARIANT_CONTENT_TYPE: &str = "image/jpeg";

/// What every job of a worker shares.
pub(super) struct JobContext {
    pub(super) store: Arc<dyn Store>,
    pub(super) processor: Processor,
    /// `limits.max_bytes`: a larger original is never read into memory.
    pub(super) max_bytes: u64,
}

/// What the work came to, before the queue hears of it.
enum Done {
    /// This job committed the photo's result; `refused`: a `failed` verdict (the image
    /// was refused).
    Committed { refused: bool },
    /// The photo already had its verdict (a redelivered job).
    AlreadyDone,
}

/// Runs `job` and settles the delivery waiting in `slot`.
pub(super) async fn run(context: Arc<JobContext>, slot: Arc<JobSlot>, job: PhotoJob) -> Outcome {
    let started = Instant::now();
    let work = work(&context, &slot, &job).await;
    let Some(delivery) = slot.take() else {
        // Only the worker takes a delivery from its slot, and only after this task ended.
        tracing::error!("the delivery was taken from a running job; leaving it to the queue");
        return Outcome::Released;
    };
    let outcome = match work {
        Ok(Done::Committed { refused: false }) => settle::ack(delivery, Outcome::Processed).await,
        Ok(Done::Committed { refused: true }) => settle::ack(delivery, Outcome::Failed).await,
        Ok(Done::AlreadyDone) => settle::ack(delivery, Outcome::AlreadyDone).await,
        Err(error) => settle::failed(&context.processor, delivery, &job, error).await,
    };
    telemetry::job_finished(outcome, started.elapsed());
    tracing::info!(outcome = outcome.as_str(), seconds = started.elapsed().as_secs_f64(), "job done");
    outcome
}

async fn work(context: &JobContext, slot: &JobSlot, job: &PhotoJob) -> Result<Done, JobError> {
    let key = original_key(job)?;
    let bytes = match context.store.get_bytes(&key, context.max_bytes).await {
        Ok(bytes) => bytes,
        // The photo's own problem, like any refused image: a `failed` verdict, acked.
        Err(StoreError::TooLarge { limit }) => {
            let failure = PhotoFailure {
                code: PhotoFailureCode::TooLarge,
                reason: format!("the photo is larger than {limit} bytes"),
            };
            let outcome = context.processor.commit_failure(job.org, job.photo, failure).await?;
            slot.mark_committed();
            return Ok(done(outcome, true));
        }
        Err(e) => return Err(e.into()),
    };
    let Some(mut analysis) = context.processor.analyse(job.org, job.photo, Vec::from(bytes)).await? else {
        return Ok(Done::AlreadyDone);
    };
    // Variants first: a committed verdict always points at variants that exist. A retry
    // rewrites them, which is harmless (same key, same bytes).
    for (key, jpeg) in std::mem::take(&mut analysis.variants) {
        context.store.put(&key, Bytes::from(jpeg), VARIANT_CONTENT_TYPE).await?;
    }
    let outcome = context.processor.commit(job.org, job.photo, &analysis).await?;
    slot.mark_committed();
    Ok(done(outcome, matches!(analysis.result, PhotoResult::Failed { .. })))
}

fn done(outcome: CommitOutcome, refused: bool) -> Done {
    match outcome {
        CommitOutcome::Committed => Done::Committed { refused },
        // A redelivery of the same job committed first.
        CommitOutcome::AlreadyCommitted => Done::AlreadyDone,
    }
}

/// The original's key, which must be of the store's layout and name this job's photo: a
/// job never reads another organisation's object.
fn original_key(job: &PhotoJob) -> Result<ObjectKey, JobError> {
    let key: ObjectKey = job.object_key.parse().map_err(|e: StoreError| JobError::Abort(e.to_string()))?;
    if key.org() != job.org || key.photo() != job.photo || key.variant_size().is_some() {
        return Err(JobError::Abort(format!("object key {key} is not this photo's original")));
    }
    Ok(key)
}
