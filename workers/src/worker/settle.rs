//! Telling the queue how a job ended: ack, retry, park or release, and recording a photo
//! `failed` before its job is parked, so the punch shows why instead of waiting forever.

use punchline_backends::queue::{Delivery, QueueError, RetryOutcome};
use punchline_domain::{PhotoFailureCode, PhotoJob};

use super::report::Outcome;
use super::telemetry;
use crate::job_error::JobError;
use crate::processing::{photo_failure, Processor};

/// Acknowledges a job whose work is done (committed, or found already done).
pub(super) async fn ack(delivery: Delivery, outcome: Outcome) -> Outcome {
    match delivery.ack().await {
        Ok(()) => {}
        // The queue took the job back first; its redelivery finds the verdict and is a no-op.
        Err(QueueError::DeliveryLost) => tracing::info!("ack too late: the redelivery will be a no-op"),
        Err(e) => {
            telemetry::settle_error("ack");
            tracing::warn!(error = %e, "ack failed: the redelivery will be a no-op");
        }
    }
    outcome
}

/// Hands a job back unprocessed (shutdown).
pub(super) async fn release(delivery: Delivery) -> Outcome {
    if let Err(e) = delivery.release().await {
        // Unsettled, it still returns to the queue (connection close or visibility timeout).
        telemetry::settle_error("release");
        tracing::warn!(error = %e, "release failed: the queue will deliver the job again by itself");
    }
    Outcome::Released
}

/// Settles a job whose work failed: a retry while attempts remain, otherwise the photo is
/// recorded `failed` and the job parked with the same reason.
pub(super) async fn failed(
    processor: &Processor,
    delivery: Delivery,
    job: &PhotoJob,
    error: JobError,
) -> Outcome {
    match error {
        JobError::Retry(reason) if !delivery.is_last_attempt() => {
            retry(processor, delivery, job, &reason).await
        }
        JobError::Retry(reason) => {
            let reason = format!("gave up after {} attempts: {reason}", delivery.attempt());
            park(processor, delivery, job, PhotoFailureCode::GaveUp, &reason).await
        }
        // Object missing, photo unknown, an unusable key.
        JobError::Abort(reason) => park(processor, delivery, job, PhotoFailureCode::JobFailed, &reason).await,
    }
}

async fn retry(processor: &Processor, delivery: Delivery, job: &PhotoJob, reason: &str) -> Outcome {
    match delivery.retry(reason).await {
        Ok(RetryOutcome::Scheduled(delay)) => {
            tracing::info!(%reason, ?delay, "job will be retried");
            Outcome::Retried
        }
        // Not expected (the last attempt is parked above), but the queue decides: the job
        // is parked, so the photo must say why.
        Ok(RetryOutcome::Parked) => {
            record_failure(processor, job, PhotoFailureCode::GaveUp, reason).await;
            Outcome::Parked
        }
        Err(e) => {
            // Unsettled, the job is delivered again anyway (connection close or
            // visibility timeout): it is still a retry.
            telemetry::settle_error("retry");
            tracing::warn!(error = %e, %reason, "could not schedule the retry; the queue will redeliver the job");
            Outcome::Retried
        }
    }
}

/// Records the photo `failed`, then parks the job. Recording first: if the park is lost,
/// the redelivery finds the failed photo and is acked as done.
async fn park(
    processor: &Processor,
    delivery: Delivery,
    job: &PhotoJob,
    code: PhotoFailureCode,
    reason: &str,
) -> Outcome {
    // The same printable text on the photo and on the parked job.
    let reason = photo_failure(code, reason).reason;
    let reason = reason.as_str();
    record_failure(processor, job, code, reason).await;
    if let Err(e) = delivery.park(reason).await {
        telemetry::settle_error("park");
        tracing::warn!(error = %e, %reason, "could not park the job; the queue will redeliver it");
    }
    tracing::warn!(%code, %reason, "job parked");
    Outcome::Parked
}

/// Commits a `failed` result for the job's photo. If even that fails (the database is
/// down, the photo does not exist), the parked job still carries the reason.
async fn record_failure(processor: &Processor, job: &PhotoJob, code: PhotoFailureCode, reason: &str) {
    if let Err(e) = processor.commit_failure(job.org, job.photo, photo_failure(code, reason)).await {
        tracing::error!(error = %e, %code, %reason, "could not record the photo as failed; the parked job keeps the reason");
    }
}
