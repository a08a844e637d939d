//! punchline, put together: the library behind the `punchline` binary.
//!
//! The workspace's crates each hold one layer (the domain types, the image pipeline, the
//! backends, ingest, the api, the workers); [`Application::build`] wires them into a
//! running process from a [`punchline_domain::Config`]. The binary's subcommands and the
//! tests that run the whole system in-process share it.

pub mod application;

pub use application::{Application, Launch};
