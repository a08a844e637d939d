//! Knobs of ingest: the outbox relay that publishes completed uploads' jobs, and the
//! sweeper that finds uploads whose completion call never came.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// Ingest: from a completed upload to a queued job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Milliseconds the outbox relay waits between looks for unsent jobs when it found
    /// none (a completion in the same process wakes it at once). Bounds how long a job
    /// written by another process waits before it is published.
    pub relay_interval_ms: u64,
    /// Outbox rows the relay publishes per database round trip.
    pub relay_batch: u32,
    /// Seconds an upload URL may have been handed out without a completion call before the
    /// sweeper looks for the object (HEAD) and, if it is there, completes it itself. Longer
    /// than an upload on a poor network takes (`api.upload_timeout_s`).
    pub sweep_after_s: u64,
    /// Seconds between sweeps; 0 turns the sweeper off.
    pub sweep_interval_s: u64,
    /// Pending uploads looked at per sweep and organisation.
    pub sweep_batch: u32,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            relay_interval_ms: 1_000,
            relay_batch: 100,
            sweep_after_s: 900,
            sweep_interval_s: 300,
            sweep_batch: 100,
        }
    }
}

impl IngestConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let out_of_range = |what: &str| Err(ConfigError::OutOfRange(format!("ingest.{what}")));
        if self.relay_interval_ms == 0 {
            return out_of_range("relay_interval_ms must be at least 1");
        }
        if !(1..=10_000).contains(&self.relay_batch) || !(1..=10_000).contains(&self.sweep_batch) {
            return out_of_range("relay_batch and sweep_batch must be 1–10000");
        }
        if self.sweep_after_s == 0 {
            return out_of_range("sweep_after_s must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_rejected() {
        let bad = [
            IngestConfig { relay_interval_ms: 0, ..Default::default() },
            IngestConfig { relay_batch: 0, ..Default::default() },
            IngestConfig { sweep_batch: 20_000, ..Default::default() },
            IngestConfig { sweep_after_s: 0, ..Default::default() },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
        IngestConfig::default().validate().expect("defaults validate");
    }
}
