//! The job queue's behaviour, asserted identically on RabbitMQ and SQLite: every
//! scenario below runs once per backend, each time on a fresh queue (a uniquely prefixed
//! topology on the real broker, deleted at the end; a new SQLite file).
//!
//! RabbitMQ: `PUNCHLINE_TEST_AMQP_URL` (default `amqp://guest:guest@127.0.0.1:5672/%2f`);
//! the forced-close test also runs `rabbitmqctl`.

#[path = "queue/broker_disruption.rs"]
mod broker_disruption;
#[path = "queue/expired_claims.rs"]
mod expired_claims;
#[path = "queue/harness.rs"]
mod harness;
#[path = "queue/scenarios.rs"]
mod scenarios;

/// Declares, for each scenario, a test per backend that runs it on a fresh queue, bounded
/// in time so a hang fails instead of blocking the suite.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod rabbitmq {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let t = crate::harness::TestQueue::new(punchline_domain::config::QueueBackend::Rabbitmq).await;
                    crate::harness::within(crate::harness::SCENARIO_LIMIT, stringify!($scenario), crate::scenarios::$scenario(t)).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let t = crate::harness::TestQueue::new(punchline_domain::config::QueueBackend::Sqlite).await;
                    crate::harness::within(crate::harness::SCENARIO_LIMIT, stringify!($scenario), crate::scenarios::$scenario(t)).await;
                }
            )*
        }
    };
}

on_both_backends!(
    publish_consume_ack_once,
    retry_comes_back_after_the_backoff,
    exhausted_attempts_are_parked_with_the_reason,
    park_is_immediate,
    unreadable_messages_are_parked,
    an_unsettled_delivery_of_a_vanished_consumer_comes_back,
    a_job_that_kills_its_workers_ends_parked,
    two_consumers_process_each_job_exactly_once,
    a_released_job_comes_back_at_once,
);
