//! The worker pool: consume jobs, run the image stages, verify, commit.
//!
//! - [`processing`]: one photo from bytes to a result ready to commit (pipeline on the CPU
//!   pool, reuse candidates from the records, the verification rules).
//! - [`verify`]: the pure verification rules.
//! - [`JobError`]: every failure classified as retry or abort.
//! - [`worker`]: the loop that takes jobs from the queue and runs them ([`Worker`]).
//! - [`cpu_pool`]: the rayon pool the image pipeline runs on.

pub mod cpu_pool;
mod job_error;
pub mod processing;
pub mod verify;
pub mod worker;

pub use job_error::JobError;
pub use processing::{Analysis, Processor};
pub use worker::{Outcome, Worker, WorkerError, WorkerReport};
