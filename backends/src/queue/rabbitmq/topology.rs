//! The queues and exchange of one job queue on RabbitMQ, named from the configured prefix,
//! and their idempotent declaration.
//!
//! ```text
//! publish ─▶ exchange <prefix>.jobs (direct) ─"photo"─▶ <prefix>.jobs (quorum)
//!                 ▲                                          │ consumer: retry = publish a
//!                 │ dead-letter when the TTL expires         │ copy (attempt + 1) to the
//!          <prefix>.retry.<ms> (quorum, x-message-ttl = ms) ◀┘ queue of its delay, then ack
//!                                                            │ park = publish a copy with
//!          <prefix>.parked (quorum) ◀────────────────────────┘ the reason, then ack
//! ```
//!
//! Delayed redelivery is the classic TTL + dead-letter pattern: one retry queue per
//! distinct backoff delay, each with a fixed message TTL (so its head always expires
//! first) dead-lettering back to the jobs exchange. All queues are quorum queues (durable,
//! replicated on a cluster); retry queues dead-letter *at-least-once* so a job cannot be
//! lost between a retry queue and the jobs queue. The jobs queue dead-letters to the
//! parking queue, which catches anything the broker itself gives up on (RabbitMQ 4's
//! default quorum delivery limit).

use std::time::Duration;

use lapin::options::{
    ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};
use punchline_domain::config::QueueConfig;

/// The routing key of job messages on the jobs exchange.
pub(super) const JOB_ROUTING_KEY: &str = "photo";

/// The names of one queue's exchange and queues.
#[derive(Debug, Clone)]
pub(super) struct Topology {
    /// The direct exchange jobs are published to: `<prefix>.jobs`.
    pub(super) exchange: String,
    /// The quorum queue workers consume: `<prefix>.jobs`.
    pub(super) jobs_queue: String,
    /// Where parked jobs wait for an operator: `<prefix>.parked`.
    pub(super) parked_queue: String,
    /// One retry queue per distinct backoff delay, shortest first: `<prefix>.retry.<ms>`.
    pub(super) retry_queues: Vec<(Duration, String)>,
}

impl Topology {
    pub(super) fn new(config: &QueueConfig) -> Topology {
        let prefix = &config.name_prefix;
        let retry_queues = config
            .retry_delays()
            .into_iter()
            .map(|delay| (delay, format!("{prefix}.retry.{}", delay.as_millis())))
            .collect();
        Topology {
            exchange: format!("{prefix}.jobs"),
            jobs_queue: format!("{prefix}.jobs"),
            parked_queue: format!("{prefix}.parked"),
            retry_queues,
        }
    }

    /// The retry queue for `delay`: its own, or the longest shorter one should the
    /// configuration not list it (a retry sooner than asked beats no retry).
    pub(super) fn retry_queue(&self, delay: Duration) -> Option<&str> {
        let shorter_or_equal = self.retry_queues.iter().rev().find(|(d, _)| *d <= delay);
        shorter_or_equal.or(self.retry_queues.first()).map(|(_, name)| name.as_str())
    }

    /// Declares everything (idempotent: a no-op when it exists with the same arguments;
    /// a `PRECONDITION_FAILED` refusal when a queue exists with other arguments).
    pub(super) async fn declare(&self, channel: &Channel) -> Result<(), lapin::Error> {
        let durable = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
        channel
            .exchange_declare(
                &self.exchange,
                ExchangeKind::Direct,
                ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() },
                FieldTable::default(),
            )
            .await?;

        let mut jobs_arguments = quorum();
        insert_str(&mut jobs_arguments, "x-dead-letter-exchange", "");
        insert_str(&mut jobs_arguments, "x-dead-letter-routing-key", &self.parked_queue);
        channel.queue_declare(&self.jobs_queue, durable, jobs_arguments).await?;
        channel
            .queue_bind(
                &self.jobs_queue,
                &self.exchange,
                JOB_ROUTING_KEY,
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;

        channel.queue_declare(&self.parked_queue, durable, quorum()).await?;

        for (delay, name) in &self.retry_queues {
            let mut arguments = quorum();
            let ttl_ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
            arguments.insert(ShortString::from("x-message-ttl"), AMQPValue::LongLongInt(ttl_ms));
            insert_str(&mut arguments, "x-dead-letter-exchange", &self.exchange);
            insert_str(&mut arguments, "x-dead-letter-routing-key", JOB_ROUTING_KEY);
            // At-least-once dead-lettering (quorum queues only) needs reject-publish.
            insert_str(&mut arguments, "x-dead-letter-strategy", "at-least-once");
            insert_str(&mut arguments, "x-overflow", "reject-publish");
            channel.queue_declare(name, durable, arguments).await?;
        }
        Ok(())
    }

    /// Deletes every queue and the exchange, with the jobs in them (tests, teardown).
    pub(super) async fn delete(&self, channel: &Channel) -> Result<(), lapin::Error> {
        let queues = [&self.jobs_queue, &self.parked_queue]
            .into_iter()
            .chain(self.retry_queues.iter().map(|(_, n)| n));
        for queue in queues {
            channel.queue_delete(queue, QueueDeleteOptions::default()).await?;
        }
        channel.exchange_delete(&self.exchange, ExchangeDeleteOptions::default()).await
    }

    /// The names of the retry queues.
    pub(super) fn retry_queue_names(&self) -> impl Iterator<Item = &str> {
        self.retry_queues.iter().map(|(_, name)| name.as_str())
    }
}

/// Arguments of a quorum queue.
fn quorum() -> FieldTable {
    let mut arguments = FieldTable::default();
    insert_str(&mut arguments, "x-queue-type", "quorum");
    arguments
}

fn insert_str(table: &mut FieldTable, key: &str, value: &str) {
    table.insert(ShortString::from(key), AMQPValue::LongString(LongString::from(value)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_prefix_and_the_delays() {
        let config = QueueConfig {
            name_prefix: "t1".into(),
            retry_base_ms: 100,
            retry_max_ms: 300,
            max_attempts: 5,
            ..QueueConfig::default()
        };
        let topology = Topology::new(&config);
        assert_eq!(topology.exchange, "t1.jobs");
        assert_eq!(topology.parked_queue, "t1.parked");
        let names: Vec<&str> = topology.retry_queue_names().collect();
        assert_eq!(names, ["t1.retry.100", "t1.retry.200", "t1.retry.300"]);
        assert_eq!(topology.retry_queue(Duration::from_millis(200)), Some("t1.retry.200"));
        assert_eq!(topology.retry_queue(Duration::from_millis(250)), Some("t1.retry.200"));
        assert_eq!(topology.retry_queue(Duration::from_millis(50)), Some("t1.retry.100"));
    }
}
