//! The job message: what the queue carries from a completed upload to a worker.
//!
//! On the wire it is a JSON object with a version field `v`, so the format can evolve
//! while old messages are still queued: a reader accepts every version it knows and
//! refuses the others with [`JobDecodeError::UnsupportedVersion`] (the queue parks such a
//! message instead of looping on it).
//!
//! ```json
//! {"v":1,"org":"…","photo":"…","punch":"…","object_key":"…","enqueued_at":"2026-…Z"}
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::punch::{PhotoId, PunchId};
use crate::tenancy::OrgId;

/// The version this build writes.
pub const JOB_VERSION: u32 = 1;

/// Process one photo of one punch: decode, resize, hash, verify, commit.
///
/// The photo id is the idempotency key: a redelivered job for a photo that already has a
/// verdict changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoJob {
    /// The organisation that owns the punch and the photo.
    pub org: OrgId,
    /// The photo to process.
    pub photo: PhotoId,
    /// The punch the photo belongs to.
    pub punch: PunchId,
    /// Where the uploaded bytes are in object storage.
    pub object_key: String,
    /// When the job was first enqueued (UTC); retries keep it, so queue latency is
    /// measured from the upload's completion.
    pub enqueued_at: DateTime<Utc>,
}

/// Why bytes taken from the queue are not a job this build can run.
#[derive(Debug, thiserror::Error)]
pub enum JobDecodeError {
    /// Not JSON, or a field is missing or of the wrong type.
    #[error("malformed job message: {0}")]
    Malformed(#[from] serde_json::Error),
    /// Written by a newer (or unknown) writer.
    #[error("unsupported job message version {0} (this build reads version {JOB_VERSION})")]
    UnsupportedVersion(u64),
}

impl PhotoJob {
    /// A job for `photo`, enqueued now.
    pub fn new(org: OrgId, photo: PhotoId, punch: PunchId, object_key: impl Into<String>) -> PhotoJob {
        PhotoJob { org, photo, punch, object_key: object_key.into(), enqueued_at: Utc::now() }
    }

    /// The message body: versioned JSON.
    pub fn to_json(&self) -> Vec<u8> {
        // Plain ids, a string and a timestamp: serialising them has no failure path.
        serde_json::to_vec(&JobV1::from(self)).expect("a job message always serialises")
    }

    /// Reads a message body written by [`PhotoJob::to_json`] (of this or an older build).
    pub fn from_json(bytes: &[u8]) -> Result<PhotoJob, JobDecodeError> {
        let value: serde_json::Value = serde_json::from_slice(bytes)?;
        PhotoJob::from_value(value)
    }

    fn from_value(value: serde_json::Value) -> Result<PhotoJob, JobDecodeError> {
        // Look at the version first, so a newer message is reported as such rather than
        // as a missing field.
        let version = value.get("v").and_then(serde_json::Value::as_u64);
        match version {
            Some(1) => Ok(serde_json::from_value::<JobV1>(value)?.into()),
            Some(other) => Err(JobDecodeError::UnsupportedVersion(other)),
            None => Err(JobDecodeError::Malformed(serde::de::Error::missing_field("v"))),
        }
    }
}

/// Version 1 of the wire format.
#[derive(Serialize, Deserialize)]
struct JobV1 {
    v: u32,
    org: OrgId,
    photo: PhotoId,
    punch: PunchId,
    object_key: String,
    enqueued_at: DateTime<Utc>,
}

impl From<&PhotoJob> for JobV1 {
    fn from(job: &PhotoJob) -> JobV1 {
        JobV1 {
            v: JOB_VERSION,
            org: job.org,
            photo: job.photo,
            punch: job.punch,
            object_key: job.object_key.clone(),
            enqueued_at: job.enqueued_at,
        }
    }
}

impl From<JobV1> for PhotoJob {
    fn from(job: JobV1) -> PhotoJob {
        PhotoJob {
            org: job.org,
            photo: job.photo,
            punch: job.punch,
            object_key: job.object_key,
            enqueued_at: job.enqueued_at,
        }
    }
}

/// Serialises as the current wire version (so the outbox can store the job as JSON).
impl Serialize for PhotoJob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        JobV1::from(self).serialize(serializer)
    }
}

/// Accepts every wire version this build knows.
impl<'de> Deserialize<'de> for PhotoJob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        PhotoJob::from_value(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> PhotoJob {
        PhotoJob::new(OrgId::new(), PhotoId::new(), PunchId::new(), "org/photo.heic")
    }

    #[test]
    fn round_trips_through_json() {
        let job = job();
        let bytes = job.to_json();
        assert_eq!(PhotoJob::from_json(&bytes).expect("decodes"), job);
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(value["v"], 1);
        assert_eq!(serde_json::from_value::<PhotoJob>(value).expect("serde"), job);
    }

    #[test]
    fn a_newer_version_is_reported_as_such() {
        let err = PhotoJob::from_json(br#"{"v":2,"something":"else"}"#).unwrap_err();
        assert!(matches!(err, JobDecodeError::UnsupportedVersion(2)), "{err}");
    }

    #[test]
    fn garbage_and_unversioned_messages_are_malformed() {
        assert!(matches!(PhotoJob::from_json(b"not json"), Err(JobDecodeError::Malformed(_))));
        let unversioned = br#"{"org":"00000000-0000-0000-0000-000000000000"}"#;
        assert!(matches!(PhotoJob::from_json(unversioned), Err(JobDecodeError::Malformed(_))));
        let missing_field = br#"{"v":1,"org":"00000000-0000-0000-0000-000000000000"}"#;
        assert!(matches!(PhotoJob::from_json(missing_field), Err(JobDecodeError::Malformed(_))));
    }
}
