//! End-to-end tests of the `punchline` binary. One integration-test binary: each concern
//! is a module.

mod copies;
mod corpus;
mod inspect;
mod production_stack;
mod punching;
mod simultaneous;
mod stack;
mod support;
mod worker_kills;
