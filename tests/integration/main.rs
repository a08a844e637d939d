//! End-to-end tests of the `punchline` binary. One integration-test binary: each concern
//! is a module.

mod copies;
mod corpus;
mod inspect;
mod production_stack;
mod punching;
mod simultaneous;
mod worker_kills;

/// The binary under test, as cargo built it for this suite.
const PUNCHLINE: &str = env!("CARGO_BIN_EXE_punchline");
