//! The verification engine: pure rules over a punch, its site and its photo's facts,
//! producing a [`Verdict`] whose flags carry their evidence. No I/O: the caller gathers the
//! input (records, image pipeline) and stores the verdict.
//!
//! One file per concern: `capture_time.rs` (with `utc_offset.rs`: which offset the camera
//! clock was set to), `place.rs` (with `geofence.rs` math), `reuse.rs`,
//! `blank.rs`, `tampering.rs`; `verdict.rs` turns their findings into the verdict.

mod blank;
pub mod capture_time;
pub mod geofence;
mod input;
mod place;
mod reuse;
mod tampering;
pub mod utc_offset;
mod verdict;

#[cfg(test)]
mod test_support;

use chrono::{DateTime, Utc};
use punchline_domain::{Config, PhotoFailure, Verdict};

pub use capture_time::{resolve_capture_time, CaptureTime, CaptureTimeSource};
pub use input::{ProcessedPhoto, ReuseCandidate, VerificationInput};
pub use verdict::{rules_version, RULES_VERSION};

use verdict::Findings;

/// Runs every rule and combines the flags: `needs_review` if any flag is warn or
/// critical (severities from `config.verification.severity`), else `verified`.
pub fn verify(input: &VerificationInput<'_>, config: &Config, decided_at: DateTime<Utc>) -> Verdict {
    let mut findings = Findings::new(&config.verification);
    capture_time::check(input, &config.verification, &mut findings);
    place::check(input, &config.verification, &mut findings);
    reuse::check(input, &config.hashing, &mut findings);
    blank::check(input, config, &mut findings);
    tampering::check(input, config, &mut findings);
    findings.into_verdict(&rules_version(config), decided_at)
}

/// The verdict of a photo the image pipeline could not process (`failed`, with the
/// failure as its evidence).
pub fn verdict_for_failure(failure: &PhotoFailure, config: &Config, decided_at: DateTime<Utc>) -> Verdict {
    Verdict::failed(failure, &rules_version(config), decided_at)
}

#[cfg(test)]
#[path = "tests/engine.rs"]
mod tests;

#[cfg(test)]
#[path = "tests/real_photos.rs"]
mod real_photos;
