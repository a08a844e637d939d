//! Knobs of the job queue: which backend, where it is, how deliveries are retried.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// The longest retry delay accepted: RabbitMQ message TTLs are 32-bit milliseconds, and a
/// job that waits more than a day between attempts is better parked.
const MAX_RETRY_DELAY_MS: u64 = 24 * 3600 * 1000;
/// The most attempts accepted: beyond this a retry loop is a bug, not resilience.
const MAX_ATTEMPTS: u32 = 100;
/// The longest queue/exchange name prefix accepted (AMQP names are at most 255 bytes, and
/// suffixes such as `.retry.86400000` are appended).
const MAX_PREFIX_LEN: usize = 200;

/// Where jobs wait for a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueBackend {
    /// A durable jobs table in the app's SQLite file: the embedded default, no server.
    Sqlite,
    /// RabbitMQ (Amazon MQ in production) over AMQP 0-9-1.
    Rabbitmq,
}

/// The job queue between ingest and the workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Which queue backend to use: `sqlite` (embedded) or `rabbitmq`.
    pub backend: QueueBackend,
    /// The broker's AMQP URL (`amqp://` or, for Amazon MQ, `amqps://`), with credentials
    /// and the URL-encoded vhost (`%2f` is `/`). Used only by the `rabbitmq` backend.
    pub amqp_url: String,
    /// Prefix of every queue and exchange name (RabbitMQ) and the queue's name in the
    /// jobs table (SQLite), so several deployments or tests can share one broker or file.
    pub name_prefix: String,
    /// Deliveries one consumer may hold unacknowledged at once (RabbitMQ `basic.qos`).
    /// Each delivery is a small message, but a worker holds its photo in memory while
    /// processing it: keep this near the worker's concurrency.
    pub prefetch: u16,
    /// Deliveries of one job before it is parked: the first attempt plus the retries. A
    /// job whose worker died counts an attempt too, so a photo that kills workers is
    /// parked instead of looping forever.
    pub max_attempts: u32,
    /// Milliseconds before the first retry; each later retry waits twice as long as the
    /// one before.
    pub retry_base_ms: u64,
    /// Milliseconds a retry waits at most (the doubling stops here).
    pub retry_max_ms: u64,
    /// Milliseconds a SQLite delivery stays claimed: if its worker neither settles it nor
    /// is alive by then, the job becomes visible to other consumers again. Longer than the
    /// slowest photo takes to process.
    pub visibility_timeout_ms: u64,
    /// Milliseconds an idle SQLite consumer waits between looks for a job (publishes in
    /// the same process wake it at once).
    pub poll_interval_ms: u64,
    /// Milliseconds between reconnection attempts to the broker at most (they start at
    /// 100 ms and double up to this).
    pub reconnect_max_ms: u64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            backend: QueueBackend::Sqlite,
            amqp_url: "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            name_prefix: "punchline".to_owned(),
            prefetch: 4,
            max_attempts: 8,
            retry_base_ms: 5_000,
            retry_max_ms: 300_000,
            visibility_timeout_ms: 300_000,
            poll_interval_ms: 250,
            reconnect_max_ms: 10_000,
        }
    }
}

impl QueueConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let out_of_range = |what: &str| Err(ConfigError::OutOfRange(format!("queue.{what}")));
        if !(self.amqp_url.starts_with("amqp://") || self.amqp_url.starts_with("amqps://")) {
            return out_of_range("amqp_url must start with amqp:// or amqps://");
        }
        let name_chars = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        if self.name_prefix.is_empty()
            || self.name_prefix.len() > MAX_PREFIX_LEN
            || !self.name_prefix.chars().all(name_chars)
        {
            return out_of_range("name_prefix must be 1–200 characters of A–Z a–z 0–9 . - _");
        }
        if self.prefetch == 0 {
            return out_of_range("prefetch must be at least 1");
        }
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            return out_of_range("max_attempts must be 1–100");
        }
        if self.retry_base_ms == 0
            || self.retry_max_ms < self.retry_base_ms
            || self.retry_max_ms > MAX_RETRY_DELAY_MS
        {
            return out_of_range("retry_base_ms must be positive and ≤ retry_max_ms ≤ 86400000");
        }
        if self.visibility_timeout_ms < 100 || self.poll_interval_ms == 0 || self.reconnect_max_ms < 100 {
            return out_of_range(
                "visibility_timeout_ms and reconnect_max_ms must be ≥ 100, poll_interval_ms ≥ 1",
            );
        }
        Ok(())
    }

    /// How long a job waits before its next delivery after failing `attempt` (1 = the
    /// first delivery): the base, doubled per earlier attempt, capped at the maximum.
    pub fn retry_delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(63);
        let delay = self.retry_base_ms.saturating_mul(1u64 << doublings).min(self.retry_max_ms);
        Duration::from_millis(delay)
    }

    /// Every distinct delay [`QueueConfig::retry_delay`] can return for attempts that are
    /// retried (1 to `max_attempts - 1`), shortest first: one RabbitMQ retry queue each.
    pub fn retry_delays(&self) -> Vec<Duration> {
        let mut delays: Vec<Duration> = (1..self.max_attempts).map(|a| self.retry_delay(a)).collect();
        delays.dedup();
        delays
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_base_up_to_the_cap() {
        let config =
            QueueConfig { retry_base_ms: 1000, retry_max_ms: 5000, max_attempts: 6, ..Default::default() };
        let ms: Vec<u128> = (1..=6).map(|a| config.retry_delay(a).as_millis()).collect();
        assert_eq!(ms, [1000, 2000, 4000, 5000, 5000, 5000]);
        let distinct: Vec<u128> = config.retry_delays().iter().map(Duration::as_millis).collect();
        assert_eq!(distinct, [1000, 2000, 4000, 5000]);
        assert_eq!(config.retry_delay(u32::MAX).as_millis(), 5000);
    }

    #[test]
    fn one_attempt_means_no_retry_queue() {
        let config = QueueConfig { max_attempts: 1, ..Default::default() };
        assert!(config.retry_delays().is_empty());
    }

    #[test]
    fn bad_values_are_rejected() {
        let bad = [
            QueueConfig { amqp_url: "http://x".into(), ..Default::default() },
            QueueConfig { name_prefix: "".into(), ..Default::default() },
            QueueConfig { name_prefix: "a b".into(), ..Default::default() },
            QueueConfig { prefetch: 0, ..Default::default() },
            QueueConfig { max_attempts: 0, ..Default::default() },
            QueueConfig { retry_base_ms: 10, retry_max_ms: 5, ..Default::default() },
            QueueConfig { visibility_timeout_ms: 10, ..Default::default() },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
        QueueConfig::default().validate().expect("defaults validate");
    }
}
