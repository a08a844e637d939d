//! Knobs of the worker (`punchline work`): how many jobs it holds at once and how it stops.
//!
//! The CPU pool that decodes, resizes and hashes is sized by `pipeline.threads`; this
//! section bounds what waits around it.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// The most jobs one worker may hold at once: each holds its photo's bytes and, while it
/// decodes, up to a 200 MP image (~0.9 GB peak).
const MAX_CONCURRENCY: usize = 64;

/// The worker: jobs in flight, fetching, shutdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerConfig {
    /// Jobs one worker process holds at once (fetching, queued for the CPU pool,
    /// committing); 0 = the CPU pool's threads + 1, so one job's I/O overlaps the others'
    /// decoding. Memory grows with it: every held job keeps its photo in memory, and a
    /// 200 MP photo peaks near 0.9 GB while it decodes.
    pub concurrency: usize,
    /// Seconds a stopping worker (SIGTERM, Ctrl-C) lets its jobs in flight finish before it
    /// hands the rest back to the queue and exits. ECS kills a task 30 s after SIGTERM, so
    /// keep it below that.
    pub shutdown_grace_s: u64,
    /// Address and port where `punchline work` serves `GET /metrics` (Prometheus text:
    /// the `punchline_worker_*` series and the queue depth) and `GET /healthz`; empty =
    /// no port. Only `work` reads it: `all-in-one` and `demo` export through the api's
    /// `/metrics`. The default answers this machine only; a container sets
    /// `0.0.0.0:9091` (`PUNCHLINE_WORKER__METRICS_BIND`) for its scraper. A worker that
    /// cannot bind it (a second one on the same host) warns and runs without the port.
    pub metrics_bind: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig { concurrency: 0, shutdown_grace_s: 25, metrics_bind: "127.0.0.1:9091".into() }
    }
}

impl WorkerConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.concurrency > MAX_CONCURRENCY {
            return Err(ConfigError::OutOfRange(format!("worker.concurrency must be 0–{MAX_CONCURRENCY}")));
        }
        if self.shutdown_grace_s > 3600 {
            return Err(ConfigError::OutOfRange("worker.shutdown_grace_s must be at most 3600".into()));
        }
        self.metrics_addr()?;
        Ok(())
    }

    /// The metrics address, parsed; `None` when `metrics_bind` is empty (no port).
    pub fn metrics_addr(&self) -> Result<Option<SocketAddr>, ConfigError> {
        if self.metrics_bind.is_empty() {
            return Ok(None);
        }
        self.metrics_bind.parse().map(Some).map_err(|_| {
            ConfigError::OutOfRange(format!("worker.metrics_bind {:?} is not host:port", self.metrics_bind))
        })
    }

    /// Jobs held at once for a CPU pool of `cpu_threads` threads.
    pub fn concurrency_for(&self, cpu_threads: usize) -> usize {
        if self.concurrency == 0 {
            cpu_threads.max(1) + 1
        } else {
            self.concurrency
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_concurrency_follows_the_cpu_pool() {
        let auto = WorkerConfig::default();
        assert_eq!(auto.concurrency_for(2), 3);
        assert_eq!(auto.concurrency_for(0), 2);
        assert_eq!(WorkerConfig { concurrency: 7, ..auto }.concurrency_for(2), 7);
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        assert!(WorkerConfig { concurrency: 65, ..Default::default() }.validate().is_err());
        assert!(WorkerConfig { shutdown_grace_s: 4000, ..Default::default() }.validate().is_err());
        WorkerConfig::default().validate().expect("defaults validate");
    }

    #[test]
    fn metrics_bind_is_an_address_or_empty() {
        let with = |bind: &str| WorkerConfig { metrics_bind: bind.into(), ..Default::default() };
        assert_eq!(with("").metrics_addr().expect("empty is off"), None);
        assert_eq!(
            with("0.0.0.0:9091").metrics_addr().expect("an address"),
            Some("0.0.0.0:9091".parse().unwrap())
        );
        assert!(with("localhost").validate().is_err());
        assert!(with("9091").validate().is_err());
    }
}
