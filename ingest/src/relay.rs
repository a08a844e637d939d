//! The outbox relay: publishes the jobs that upload completions wrote to the outbox, and
//! marks each row sent only once the queue has taken responsibility for it.
//!
//! Delivery is at least once. A crash (or a failed `mark_outbox_sent`) between the
//! publish and the mark publishes that row again on the next pass; that is fine because
//! jobs are idempotent (the worker's commit is keyed by the photo, and a photo with a
//! verdict is left alone). What must never happen is the reverse, a row marked sent whose
//! job the queue does not hold: so the mark always comes after `publish` returned.

use std::sync::Arc;
use std::time::Duration;

use punchline_backends::queue::{JobQueue, QueueError};
use punchline_backends::records::{OutboxMessage, Records, RecordsError};
use punchline_domain::config::IngestConfig;
use punchline_domain::{OrgId, PhotoJob};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use punchline_domain::Backoff;

/// Organisations looked at per pass. Far above any real number with unsent jobs at one
/// moment; if ever reached, the rest are served by the passes that follow at once.
const ORGS_PER_PASS: u32 = 10_000;

/// Why a relay pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The records could not be read or the rows not marked.
    #[error("outbox records: {0}")]
    Records(#[from] RecordsError),
    /// The queue did not take a job.
    #[error("job queue: {0}")]
    Queue(#[from] QueueError),
}

impl RelayError {
    /// Whether the next attempt may succeed on its own (the database or broker is back).
    pub fn is_transient(&self) -> bool {
        match self {
            RelayError::Records(e) => e.is_transient(),
            RelayError::Queue(e) => e.is_transient(),
        }
    }
}

/// Publishes outbox rows to the job queue, org by org, oldest first.
pub struct OutboxRelay {
    records: Arc<dyn Records>,
    queue: Arc<dyn JobQueue>,
    /// Rows read (and published) per organisation and database round trip.
    batch: u32,
    /// How long an idle relay waits before looking again without being woken.
    interval: Duration,
    /// Woken by completions in this process, so their jobs go out at once.
    wake: Arc<Notify>,
}

impl OutboxRelay {
    /// A relay from `records`' outbox to `queue`, with `config`'s batch and interval.
    pub fn new(config: &IngestConfig, records: Arc<dyn Records>, queue: Arc<dyn JobQueue>) -> OutboxRelay {
        OutboxRelay {
            records,
            queue,
            batch: config.relay_batch.max(1),
            interval: Duration::from_millis(config.relay_interval_ms.max(1)),
            wake: Arc::new(Notify::new()),
        }
    }

    /// What completions call `notify_one()` on to have the relay look now rather than
    /// after its interval (give it to `App::with_outbox_wake` and the sweeper). A wake
    /// while a pass runs is remembered, so the job written meanwhile is not left waiting.
    pub fn notifier(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// One pass: for every organisation with unsent rows, publishes up to one batch and
    /// marks what was published sent. Returns how many jobs were published. Stops at the
    /// first failure, after marking the rows already published.
    pub async fn relay_once(&self) -> Result<usize, RelayError> {
        let mut published = 0;
        for org in self.records.orgs_with_unsent_outbox(ORGS_PER_PASS).await? {
            published += self.relay_org(org).await?;
        }
        Ok(published)
    }

    /// One batch of `org`'s rows.
    async fn relay_org(&self, org: OrgId) -> Result<usize, RelayError> {
        let rows = self.records.unsent_outbox(org, self.batch).await?;
        let mut sent = Vec::with_capacity(rows.len());
        let mut failure = None;
        for row in &rows {
            let Some(job) = decode(row) else { continue };
            match self.queue.publish(&job).await {
                Ok(()) => sent.push(row.id),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        // Mark what the queue holds even when a later publish failed, so the next pass
        // does not publish those again.
        if !sent.is_empty() {
            self.records.mark_outbox_sent(org, &sent).await?;
        }
        match failure {
            Some(e) => Err(e.into()),
            None => Ok(sent.len()),
        }
    }

    /// Relays until `shutdown` is cancelled: again at once after a pass that published
    /// something (there may be more), otherwise after a wake or the interval. A failing
    /// pass (database or broker down) is logged and retried with a backoff from 100 ms
    /// doubling to 10 s; the relay never gives up on its own.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut backoff = Backoff::default();
        loop {
            // Cancelling mid-pass is safe: at worst a published row is not marked and is
            // published again by the next relay (jobs are idempotent).
            let pass = tokio::select! {
                () = shutdown.cancelled() => return,
                pass = self.relay_once() => pass,
            };
            let pause = match pass {
                Ok(published) => {
                    backoff.reset();
                    if published > 0 {
                        tracing::debug!(published, "outbox relayed");
                        continue;
                    }
                    None
                }
                Err(error) => {
                    let delay = backoff.next_delay();
                    if error.is_transient() {
                        tracing::warn!(%error, retry_in_ms = delay.as_millis(), "outbox relay pass failed");
                    } else {
                        // Waiting will not fix it (a refused broker login, a schema
                        // mismatch), but someone may: keep trying, loudly.
                        tracing::error!(%error, retry_in_ms = delay.as_millis(), "outbox relay pass failed");
                    }
                    Some(delay)
                }
            };
            let woken_or_timed_out = async {
                match pause {
                    // After a failure, only time helps: a wake must not hammer the broker.
                    Some(delay) => tokio::time::sleep(delay).await,
                    None => {
                        let _ = tokio::time::timeout(self.interval, self.wake.notified()).await;
                    }
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = woken_or_timed_out => {}
            }
        }
    }
}

/// The row's job, or `None` (logged) if this build cannot read it. Such a row is left
/// unsent rather than dropped: during a rolling upgrade it is a newer build's job, which a
/// newer relay will publish.
fn decode(row: &OutboxMessage) -> Option<PhotoJob> {
    match serde_json::from_value::<PhotoJob>(row.payload.clone()) {
        Ok(job) => Some(job),
        Err(error) => {
            tracing::error!(outbox_id = row.id, org = %row.org, photo = %row.photo, %error,
                "outbox row is not a job this build can read; left unsent");
            None
        }
    }
}
