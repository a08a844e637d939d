//! The sweeper: finds uploads whose completion call never came (the app was killed, the
//! phone lost its network right after the upload) and completes them itself.
//!
//! A photo still `pending_upload` `sweep_after_s` after its punch was created is looked
//! up in the store. If the object is there it goes through the same [`complete_upload`]
//! as the app's call, so it is validated exactly alike. If it is missing the punch was
//! abandoned (or the upload is still to come): it is left as it is. If it is there but
//! refused (too large, not a photo), the photo is recorded `failed` with the reason,
//! since nobody is left to retry it and checking it every sweep would never end.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use punchline_backends::records::{PendingUpload, PhotoResult, Records, RecordsError};
use punchline_backends::store::Store;
use punchline_domain::{Config, OrgId, PhotoFailure, PhotoFailureCode, Verdict};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::completion::{complete_upload, CompletionError, UploadRejection};

/// The `rules_version` of the `failed` verdict of a refused upload: no verification rule
/// ran, only ingest's checks (size limit and magic bytes), so it names those.
pub const UPLOAD_CHECK_VERSION: &str = "ingest-1";

/// Organisations looked at per sweep (see [`Sweeper::sweep_once`]).
const ORGS_PER_SWEEP: u32 = 10_000;

/// Why a sweep stopped before looking at every stale upload.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The stale uploads could not be listed.
    #[error("listing stale uploads: {0}")]
    Records(#[from] RecordsError),
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Uploads found in the store and completed (their jobs are in the outbox).
    pub completed: usize,
    /// Uploads with no object: left `pending_upload`.
    pub missing: usize,
    /// Uploads refused (too large, not a photo): recorded `failed` with the reason.
    pub rejected: usize,
    /// Uploads that could not be checked this time (store or records failing); they are
    /// looked at again by the next sweep.
    pub errors: usize,
}

/// Completes uploads whose completion call never came.
pub struct Sweeper {
    records: Arc<dyn Records>,
    store: Arc<dyn Store>,
    /// `limits.max_bytes`, as the api applies it.
    max_photo_bytes: u64,
    /// How old a pending upload must be before it is looked at.
    after: chrono::TimeDelta,
    /// Time between sweeps; zero turns [`Sweeper::run`] off.
    interval: Duration,
    /// Stale uploads looked at per organisation and sweep.
    batch: u32,
    /// The relay's wake, rung after completing any upload.
    relay_wake: Option<Arc<Notify>>,
}

impl Sweeper {
    /// A sweeper over `records` and `store` with `config.ingest`'s timings and batch and
    /// `config.limits.max_bytes`.
    pub fn new(config: &Config, records: Arc<dyn Records>, store: Arc<dyn Store>) -> Sweeper {
        let ingest = &config.ingest;
        Sweeper {
            records,
            store,
            max_photo_bytes: config.limits.max_bytes,
            after: i64::try_from(ingest.sweep_after_s)
                .ok()
                .and_then(chrono::TimeDelta::try_seconds)
                .unwrap_or(chrono::TimeDelta::MAX),
            interval: Duration::from_secs(ingest.sweep_interval_s),
            batch: ingest.sweep_batch.max(1),
            relay_wake: None,
        }
    }

    /// Rings `wake` (the relay's [`OutboxRelay::notifier`](crate::OutboxRelay::notifier))
    /// after a sweep completed uploads, so their jobs are published at once.
    pub fn with_relay_wake(mut self, wake: Arc<Notify>) -> Sweeper {
        self.relay_wake = Some(wake);
        self
    }

    /// One sweep over every organisation with uploads pending for longer than
    /// `sweep_after_s`, up to `sweep_batch` of them each, oldest first. A failure on one
    /// upload is logged and counted in [`SweepReport::errors`]; only failing to list them
    /// ends the sweep with an error.
    pub async fn sweep_once(&self) -> Result<SweepReport, SweepError> {
        let created_before =
            Utc::now().checked_sub_signed(self.after).unwrap_or(chrono::DateTime::UNIX_EPOCH);
        let mut report = SweepReport::default();
        for org in self.records.orgs_with_stale_uploads(created_before, ORGS_PER_SWEEP).await? {
            for pending in self.records.stale_uploads(org, created_before, self.batch).await? {
                self.sweep_one(org, &pending, &mut report).await;
            }
        }
        if report.completed > 0 {
            if let Some(wake) = &self.relay_wake {
                wake.notify_one();
            }
        }
        Ok(report)
    }

    /// Looks at one stale upload and counts what became of it.
    async fn sweep_one(&self, org: OrgId, pending: &PendingUpload, report: &mut SweepReport) {
        let photo_id = pending.photo;
        let outcome = match self.records.photo(org, photo_id).await {
            // Read again: the app may have completed it since it was listed.
            Ok(Some(photo)) => {
                complete_upload(&*self.records, &*self.store, &photo, self.max_photo_bytes).await
            }
            Ok(None) => return,
            Err(e) => Err(e.into()),
        };
        match outcome {
            Ok(completion) if completion.is_new() => {
                tracing::info!(%org, photo = %photo_id, "sweeper completed an upload its app never completed");
                report.completed += 1;
            }
            Ok(_) => {}
            Err(CompletionError::UploadMissing) => report.missing += 1,
            Err(CompletionError::UploadRejected(rejection)) => {
                match self.fail(org, pending, &rejection).await {
                    Ok(()) => report.rejected += 1,
                    Err(error) => {
                        tracing::warn!(%org, photo = %photo_id, %error, "recording a refused upload failed");
                        report.errors += 1;
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%org, photo = %photo_id, %error, transient = error.is_transient(),
                    "sweeper could not check an upload");
                report.errors += 1;
            }
        }
    }

    /// Records a refused upload as a `failed` photo with its reason. By now (well past
    /// the upload URL's lifetime) the app cannot replace the object, so the refusal is
    /// final. `commit_result` is keyed by the verdict: a repeat changes nothing.
    async fn fail(
        &self,
        org: OrgId,
        pending: &PendingUpload,
        rejection: &UploadRejection,
    ) -> Result<(), RecordsError> {
        // The same text as the code the api answers a refused completion with.
        let failure = PhotoFailure { code: PhotoFailureCode::UploadRejected, reason: rejection.to_string() };
        let verdict = Verdict::failed(&failure, UPLOAD_CHECK_VERSION, Utc::now());
        tracing::info!(%org, photo = %pending.photo, reason = %failure.reason, "sweeper refused an upload");
        self.records.commit_result(org, pending.photo, &PhotoResult::Failed { failure, verdict }).await?;
        Ok(())
    }

    /// Sweeps every `sweep_interval_s` until `shutdown` is cancelled; returns at once if
    /// the interval is 0 (sweeper off). A failed sweep is logged and the next one comes
    /// at the usual time: the interval is already long enough not to hammer anything.
    pub async fn run(self, shutdown: CancellationToken) {
        if self.interval.is_zero() {
            tracing::info!("upload sweeper is off (ingest.sweep_interval_s = 0)");
            return;
        }
        loop {
            let sweep = tokio::select! {
                () = shutdown.cancelled() => return,
                sweep = self.sweep_once() => sweep,
            };
            match sweep {
                Ok(report) if report != SweepReport::default() => {
                    tracing::info!(
                        completed = report.completed,
                        missing = report.missing,
                        rejected = report.rejected,
                        errors = report.errors,
                        "upload sweep done"
                    );
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "upload sweep failed"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(self.interval) => {}
            }
        }
    }
}
