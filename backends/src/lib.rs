//! Where punchline keeps things and passes work on, each concern behind a narrow trait
//! with a production and an embedded implementation:
//!
//! - [`records`]: organisations, users, sites, punches, photos and their variants, facts
//!   and hashes, verdicts, reviews, the outbox, and the console's queries — PostgreSQL in
//!   production, a SQLite file embedded.
//! - [`store`]: the uploaded originals and the variants — S3 (presigned URLs) in
//!   production, a local directory with HMAC-signed URLs served by the api embedded.
//! - [`queue`]: the jobs from ingest to the workers, at least once with manual
//!   acknowledgement — RabbitMQ in production, a jobs table in the SQLite file embedded.
//! - [`reuse`]: the in-memory PDQ index that finds reused photos, kept beside the records
//!   (the database stays the source of truth).

#![warn(missing_docs)]

pub mod queue;
pub mod records;
pub mod reuse;
pub mod store;
mod transient;

/// What a build without one of the production backends says when the configuration asks
/// for it: the embedded-only build (`--no-default-features`, the quick start's) compiles
/// in minutes because it leaves them out.
pub fn missing_feature(backend: &str, feature: &str) -> String {
    format!(
        "this punchline was built without {backend} (the `{feature}` feature): build it with the default features (`cargo build --release`)"
    )
}

pub use records::{Records, RecordsError};
