//! Types every punchline crate shares: the configuration, the facts the image pipeline
//! reads from a photo, and (later) the job message that carries a photo to a worker.
//!
//! This crate holds data and its validation only: no I/O framework, no database.

pub mod config;
pub mod facts;
pub mod job;
pub mod media;
pub mod punch;
pub mod site;
pub mod tenancy;
pub mod verdict;

pub use config::{Config, ConfigError};
pub use facts::{ExifFacts, GeoPoint, ImageFormat, PerceptualHash, PhotoHashes};
pub use job::{JobDecodeError, PhotoJob, JOB_VERSION};
pub use punch::{ClientPunchId, DeviceLocation, PhotoId, PhotoState, Punch, PunchError, PunchId, PunchKind};
pub use site::{Geofence, GeofenceKind, Site, SiteError, SiteId};
pub use tenancy::{OrgId, Role, UnknownName, UserId};
pub use verdict::{
    Flag, FlagCode, PhotoFailure, PhotoFailureCode, Review, ReviewDecision, Severity, Verdict, VerdictState,
};
