//! Where punchline keeps things, each concern behind one narrow trait with a production
//! and an embedded implementation:
//!
//! - [`records`]: organisations, users, sites, punches, photos, verdicts, reviews, the
//!   outbox and the reuse index — PostgreSQL in production, a SQLite file embedded.
//! - [`reuse`]: the in-memory PDQ reuse index kept beside the records (the database
//!   stays the source of truth).
//!
//! Object storage (`store`) and the job queue (`queue`) join as sibling modules.

#![warn(missing_docs)]

pub mod queue;
pub mod records;
pub mod reuse;
pub mod store;

pub use records::{Records, RecordsError};
