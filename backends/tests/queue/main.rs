//! The job queue's behaviour, asserted identically on RabbitMQ and SQLite: every
//! scenario below runs once per backend, each time on a fresh queue (a uniquely prefixed
//! topology on the real broker, deleted at the end; a new SQLite file).
//!
//! RabbitMQ: `PUNCHLINE_TEST_AMQP_URL` (default `amqp://guest:guest@127.0.0.1:5672/%2f`);
//! the forced-close test also runs `rabbitmqctl`.

mod broker_disruption;
mod expired_claims;
mod harness;
mod scenarios;

// A fresh queue per test, bounded in time so a hang fails instead of blocking the suite.
punchline_testkit::on_both!(
    setup = harness::TestQueue::new,
    limit = harness::SCENARIO_LIMIT,
    rabbitmq = punchline_domain::config::QueueBackend::Rabbitmq,
    sqlite = punchline_domain::config::QueueBackend::Sqlite;
    scenarios::publish_consume_ack_once,
    scenarios::retry_comes_back_after_the_backoff,
    scenarios::exhausted_attempts_are_parked_with_the_reason,
    scenarios::park_is_immediate,
    scenarios::unreadable_messages_are_parked,
    scenarios::an_unsettled_delivery_of_a_vanished_consumer_comes_back,
    scenarios::a_job_that_kills_its_workers_ends_parked,
    scenarios::two_consumers_process_each_job_exactly_once,
    scenarios::a_released_job_comes_back_at_once,
);
