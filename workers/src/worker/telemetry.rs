//! The worker's metrics, named in one place so dashboards and code agree.
//!
//! - `punchline_worker_jobs_total{outcome}`: deliveries by how they ended.
//! - `punchline_worker_job_seconds{outcome}`: time from delivery to settlement.
//! - `punchline_worker_queue_latency_seconds`: from the job's first enqueue to this
//!   delivery (retries included: it is what the punch waits).
//! - `punchline_worker_jobs_in_flight`: jobs held now.
//! - `punchline_worker_settle_errors_total{action}`: acks, retries, parks or releases the
//!   queue refused (the job comes back by itself; a rising count means a sick queue).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::report::Outcome;

/// A delivery arrived; `enqueued_at` is when its job was first published.
pub(super) fn job_received(enqueued_at: DateTime<Utc>) {
    // A clock behind the publisher's gives a negative latency: report zero.
    let latency = (Utc::now() - enqueued_at).to_std().unwrap_or(Duration::ZERO);
    metrics::histogram!("punchline_worker_queue_latency_seconds").record(latency.as_secs_f64());
}

/// A job ended with `outcome` after `elapsed`.
pub(super) fn job_finished(outcome: Outcome, elapsed: Duration) {
    let outcome = outcome.as_str();
    metrics::counter!("punchline_worker_jobs_total", "outcome" => outcome).increment(1);
    metrics::histogram!("punchline_worker_job_seconds", "outcome" => outcome).record(elapsed.as_secs_f64());
}

/// The worker now holds `jobs` jobs.
pub(super) fn in_flight(jobs: usize) {
    metrics::gauge!("punchline_worker_jobs_in_flight").set(jobs as f64);
}

/// The queue refused to settle a delivery with `action` (`ack`, `retry`, `park`,
/// `release`).
pub(super) fn settle_error(action: &'static str) {
    metrics::counter!("punchline_worker_settle_errors_total", "action" => action).increment(1);
}
