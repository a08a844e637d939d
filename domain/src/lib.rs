//! Types every punchline crate shares, so the api, ingest, the workers and the backends
//! speak of the same things:
//!
//! - [`config`]: the one typed configuration (`pipeline.toml` plus `PUNCHLINE_…` overrides);
//! - [`tenancy`], [`site`], [`punch`]: organisations, users and roles, job sites and their
//!   geofences, punches and the state of their photo;
//! - [`facts`]: what the image pipeline reads from a photo (format, EXIF facts, hashes);
//! - [`verdict`]: verification's flags and verdicts, a photo's failure codes, reviews;
//! - [`backoff`]: the one retry delay every loop that waits out an outage uses;
//! - [`job`]: the job message that carries an uploaded photo to a worker;
//! - [`media`]: the HEIF brands a photo is recognised by, shared by upload completion and
//!   the decoders.
//!
//! It holds data, its validation and pure functions (reading the configuration aside):
//! no async runtime, no database, no decoder, so every crate can depend on it.

pub mod backoff;
pub mod config;
pub mod facts;
pub mod job;
pub mod media;
pub mod punch;
pub mod site;
pub mod tenancy;
pub mod verdict;

pub use backoff::Backoff;
pub use config::{Config, ConfigError};
pub use facts::{ExifFacts, GeoPoint, ImageFormat, PerceptualHash, PhotoHashes};
pub use job::{JobDecodeError, PhotoJob, JOB_VERSION};
pub use punch::{ClientPunchId, DeviceLocation, PhotoId, PhotoState, Punch, PunchError, PunchId, PunchKind};
pub use site::{Geofence, GeofenceKind, Site, SiteError, SiteId};
pub use tenancy::{OrgId, Role, UnknownName, UserId};
pub use verdict::{
    Flag, FlagCode, PhotoFailure, PhotoFailureCode, Review, ReviewDecision, Severity, Verdict, VerdictState,
};
