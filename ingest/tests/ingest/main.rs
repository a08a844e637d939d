//! Ingest against real servers: upload completion, the outbox relay and the sweeper, each
//! scenario once on PostgreSQL + RabbitMQ and once on SQLite records + the SQLite queue,
//! with objects in a local store in a temporary directory.
//!
//! PostgreSQL: `PUNCHLINE_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). RabbitMQ: `PUNCHLINE_TEST_AMQP_URL`
//! (default `amqp://guest:guest@127.0.0.1:5672/%2f`).

mod completion;
mod harness;
mod relay;
mod sweeper;

punchline_testkit::on_both!(setup = harness::TestEnv::new, limit = harness::SCENARIO_LIMIT;
    completion::a_completed_upload_reaches_a_consumer_once,
    completion::completing_twice_makes_one_job,
    completion::refused_uploads_write_nothing,
    relay::a_wake_publishes_at_once,
    relay::the_relay_outlives_a_queue_outage,
    relay::organisations_stay_separate_and_batches_drain,
    sweeper::the_sweeper_completes_leaves_and_refuses,
);
