//! The file lock between the test suites that share the local RabbitMQ, behind the
//! `test-support` feature: the kit's ([`punchline_testkit::broker::BrokerLock`]), named
//! here too so the suites that reach it through the backends keep working.

pub use punchline_testkit::broker::BrokerLock;
