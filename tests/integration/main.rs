//! End-to-end tests of the `punchline` binary. One integration-test binary: each concern
//! is a module.

mod inspect;
mod support;
