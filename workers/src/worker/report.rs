//! How each job ended on a worker, and the totals a stopping worker reports.

/// How one delivery ended on this worker. Every delivery ends exactly one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The photo's verdict was committed and the delivery acknowledged.
    Processed,
    /// The image was refused (not an image, truncated, too large…): its `failed` verdict
    /// was committed and the delivery acknowledged. The job itself succeeded.
    Failed,
    /// The photo already had a verdict (a redelivery): acknowledged, nothing changed.
    AlreadyDone,
    /// A transient failure: the job will be delivered again after a backoff.
    Retried,
    /// A permanent failure, or the last attempt failed: the job is parked for an operator
    /// and the photo recorded `failed` with the reason (when the records allowed it).
    Parked,
    /// Handed back unprocessed (shutdown): delivered again at once, to any worker.
    Released,
}

impl Outcome {
    /// The metrics label and log word for the outcome.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Processed => "processed",
            Outcome::Failed => "failed",
            Outcome::AlreadyDone => "already_done",
            Outcome::Retried => "retried",
            Outcome::Parked => "parked",
            Outcome::Released => "released",
        }
    }
}

/// What a worker did between its start and its return, one count per [`Outcome`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Verdicts committed and acknowledged.
    pub processed: u64,
    /// Refused images whose `failed` verdict was committed and acknowledged.
    pub failed: u64,
    /// Redeliveries of finished photos, acknowledged without work.
    pub already_done: u64,
    /// Jobs sent back for a later attempt.
    pub retried: u64,
    /// Jobs parked for an operator.
    pub parked: u64,
    /// Jobs handed back unprocessed at shutdown.
    pub released: u64,
}

impl WorkerReport {
    /// Deliveries settled (or left to the queue) by this worker.
    pub fn total(&self) -> u64 {
        self.processed + self.failed + self.already_done + self.retried + self.parked + self.released
    }

    pub(crate) fn count(&mut self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Processed => &mut self.processed,
            Outcome::Failed => &mut self.failed,
            Outcome::AlreadyDone => &mut self.already_done,
            Outcome::Retried => &mut self.retried,
            Outcome::Parked => &mut self.parked,
            Outcome::Released => &mut self.released,
        };
        *counter += 1;
    }
}

impl std::fmt::Display for WorkerReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} processed, {} failed, {} already done, {} retried, {} parked, {} released",
            self.processed, self.failed, self.already_done, self.retried, self.parked, self.released
        )
    }
}
