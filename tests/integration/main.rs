//! End-to-end tests of the `punchline` binary. One integration-test binary: each concern
//! is a module.

mod corpus;
mod inspect;
mod production_stack;
mod punching;
mod stack;
mod support;
mod worker_kills;
