//! What punchline's test suites share, written once: the suites of every crate (imaging and
//! backends included) dev-depend on this kit, so it depends on no crate of the workspace.
//!
//! One concept a module:
//! - [`photos`]: the shared photo corpus (`PUNCHLINE_PHOTOS`) and its tables.
//! - [`database`]: an empty database of a test's own, PostgreSQL or SQLite.
//! - [`proxy`]: a TCP proxy a test cuts and restores, for real connection loss.
//! - [`wait`]: waiting for a condition, or for a future, with a bound.
//! - [`broker`]: the RabbitMQ every suite shares: its address, the lock between suites,
//!   the forced close of every connection.
//! - [`stack`]: `punchline` processes started as a deployment starts them.
//! - [`Backend`] and [`on_both!`]: a scenario run once on each backend, as a test each.

pub mod broker;
pub mod database;
pub mod photos;
pub mod proxy;
pub mod stack;
pub mod wait;

mod both;

pub use both::Backend;

use std::path::{Path, PathBuf};

/// The workspace root: the root package's directory, where `pipeline.toml` is and beside
/// which the shared corpus lies. Found from the kit's own place (`<root>/testkit`), so it
/// is the same whichever crate's test asks.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the kit lies in the workspace").to_path_buf()
}
