//! The values the records take and give back, beyond the domain's own entities: tenants,
//! the photo row and its life, the result a worker commits, the outbox, listings, and
//! reuse matches.

use chrono::{DateTime, Utc};
use punchline_domain::{
    ExifFacts, ImageFormat, OrgId, PhotoFailure, PhotoHashes, PhotoId, PhotoState, Punch, PunchId, Review,
    Role, SiteId, UserId, Verdict, VerdictState,
};
use serde::{Deserialize, Serialize};

/// An organisation: the tenant every other row belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    /// The organisation's id (every other row carries it as `org_id`).
    pub id: OrgId,
    /// What the screens call it.
    pub name: String,
}

/// A person who signs in, within one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The organisation the user belongs to.
    pub org: OrgId,
    /// What the screens call them.
    pub name: String,
    /// What the user may do.
    pub role: Role,
}

/// The photo a punch is created with: its id and where its bytes will be uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPhoto {
    /// The photo's id.
    pub id: PhotoId,
    /// The object-storage key the upload URL points at.
    pub object_key: String,
}

/// A punch's photo as recorded: where it is in its life and what is known of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRecord {
    /// The photo's id.
    pub id: PhotoId,
    /// The organisation it belongs to.
    pub org: OrgId,
    /// The punch it was taken for (one photo per punch).
    pub punch: PunchId,
    /// The object-storage key of the original upload.
    pub object_key: String,
    /// Where it is in its life.
    pub state: PhotoState,
    /// The uploaded size, once the upload completed.
    pub bytes: Option<u64>,
    /// The type sniffed from the uploaded bytes, once the upload completed.
    pub format: Option<ImageFormat>,
    /// SHA-256 of the uploaded bytes, once processed.
    pub sha256: Option<[u8; 32]>,
    /// Displayed (oriented) width, once processed.
    pub width: Option<u32>,
    /// Displayed (oriented) height, once processed.
    pub height: Option<u32>,
    /// Why it could not be processed, when its state is `failed`.
    pub failure: Option<PhotoFailure>,
    /// When the punch (and so the photo record) was created.
    pub created_at: DateTime<Utc>,
    /// When the upload was completed.
    pub uploaded_at: Option<DateTime<Utc>>,
    /// When the result (or the failure) was committed.
    pub processed_at: Option<DateTime<Utc>>,
}

/// Whether `create_punch` made the punch or found it made by an earlier request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PunchCreation {
    /// A new punch (the API answers 201).
    Created,
    /// A punch with this client id already existed. `same_body` says whether the request
    /// asked for the same punch (kind, worker, site, device time and offset, device
    /// location): the API answers 200 when it did and 409 when it did not.
    Existing {
        /// Whether the request asked for the same punch as the stored one.
        same_body: bool,
    },
}

/// The punch `create_punch` settled on, with its photo.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedPunch {
    /// The stored punch: the existing one when the client id was taken.
    pub punch: Punch,
    /// Its photo.
    pub photo: PhotoRecord,
    /// Whether this call created it.
    pub creation: PunchCreation,
}

/// What ingest checked about an uploaded object before handing it to the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadedPhoto {
    /// The object's size in bytes.
    pub bytes: u64,
    /// The type sniffed from its first bytes.
    pub format: ImageFormat,
}

/// What `complete_upload` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadCompletion {
    /// The photo moved to `uploaded` and this outbox row was written with it.
    Completed {
        /// The outbox row written with the state change.
        outbox_id: i64,
    },
    /// The upload had already been completed (a retried call, or the sweeper and the app
    /// both completing it); nothing was written. `state` is the photo's state now.
    AlreadyCompleted {
        /// The photo's state now.
        state: PhotoState,
    },
}

/// An outbox row: a job message waiting to be published to the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// Increasing in write order.
    pub id: i64,
    /// The organisation the job belongs to.
    pub org: OrgId,
    /// The photo the job processes.
    pub photo: PhotoId,
    /// The job message, as ingest serialised it.
    pub payload: serde_json::Value,
    /// When the row was written (with the photo's state change).
    pub created_at: DateTime<Utc>,
}

/// A photo still waiting for its upload, for the sweeper to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    /// The photo waiting for its bytes.
    pub photo: PhotoId,
    /// Its punch.
    pub punch: PunchId,
    /// Where its bytes should be.
    pub object_key: String,
    /// When the punch was created.
    pub created_at: DateTime<Utc>,
}

/// A stored variant of a photo (a resized JPEG the apps show).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVariant {
    /// The configured long-edge size it answers (e.g. 300, 800, 1200).
    pub size: u32,
    /// Where the variant's bytes are stored.
    pub object_key: String,
    /// Its real width (no upscaling: may be under `size`).
    pub width: u32,
    /// Its real height.
    pub height: u32,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Everything a worker learned about a photo it processed.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedPhoto {
    /// Displayed (oriented) size.
    pub width: u32,
    /// Displayed (oriented) height.
    pub height: u32,
    /// What its EXIF says.
    pub facts: ExifFacts,
    /// Its SHA-256, PDQ and dihedral PDQs.
    pub hashes: PhotoHashes,
    /// Whether the PDQ hash goes into the reuse index. False for blank photos (quality
    /// below the threshold): a black frame would "match" every other black frame.
    pub index_for_reuse: bool,
    /// The variants already stored in object storage.
    pub variants: Vec<StoredVariant>,
    /// The verification engine's verdict.
    pub verdict: Verdict,
}

/// The outcome of one processing job, committed in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum PhotoResult {
    /// The photo was processed: facts, hashes, variants and the verdict (boxed: it is
    /// several hundred bytes, the failure a few dozen).
    Processed(Box<ProcessedPhoto>),
    /// The photo could not be processed: the failure and the `failed` verdict.
    Failed {
        /// Why it could not be processed (recorded on the photo).
        failure: PhotoFailure,
        /// The `failed` verdict.
        verdict: Verdict,
    },
}

/// What `commit_result` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    /// The result was written.
    Committed,
    /// The photo already had a verdict (a redelivered job): nothing changed.
    AlreadyCommitted,
}

/// The PDQ hashes stored for a photo, with whether they are in the reuse index.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHashes {
    /// The hashes.
    pub hashes: PhotoHashes,
    /// Whether the PDQ is in the reuse index (false for blank photos).
    pub indexed: bool,
}

/// A punch with everything a screen shows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct PunchDetails {
    /// The punch.
    pub punch: Punch,
    /// Its photo.
    pub photo: PhotoRecord,
    /// Its variants, largest first.
    pub variants: Vec<StoredVariant>,
    /// The machine's verdict, once the photo was processed (or failed).
    pub verdict: Option<Verdict>,
    /// Supervisors' decisions, oldest first; they never change the verdict.
    pub reviews: Vec<Review>,
}

/// Which punches to list. Results are newest first (by punch id, which is time ordered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PunchFilter {
    /// Only punches at this site.
    pub site: Option<SiteId>,
    /// Only punches of this worker.
    pub worker: Option<UserId>,
    /// Only punches whose verdict is in this state.
    pub verdict: Option<VerdictState>,
    /// Only punches no supervisor has reviewed yet (the review queue).
    pub unreviewed: bool,
    /// Server receive time, inclusive.
    pub received_from: Option<DateTime<Utc>>,
    /// Server receive time, exclusive.
    pub received_to: Option<DateTime<Utc>>,
    /// The cursor: only punches older than this one (the last id of the previous page).
    pub before: Option<PunchId>,
    /// Page size; capped at [`PunchFilter::MAX_LIMIT`].
    pub limit: u32,
}

impl PunchFilter {
    /// The largest page served.
    pub const MAX_LIMIT: u32 = 500;

    /// The first page of every punch, `limit` long.
    pub fn all(limit: u32) -> PunchFilter {
        PunchFilter {
            site: None,
            worker: None,
            verdict: None,
            unreviewed: false,
            received_from: None,
            received_to: None,
            before: None,
            limit,
        }
    }

    pub(crate) fn page_size(&self) -> i64 {
        i64::from(self.limit.clamp(1, Self::MAX_LIMIT))
    }
}

/// One line of a punch listing.
#[derive(Debug, Clone, PartialEq)]
pub struct PunchSummary {
    /// The punch.
    pub punch: Punch,
    /// Its photo.
    pub photo: PhotoId,
    /// Its photo's state.
    pub photo_state: PhotoState,
    /// The verdict's state, once there is one.
    pub verdict: Option<VerdictState>,
}

/// An earlier photo of the same organisation that matches a query, with what the
/// verification engine keeps as evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct ReuseMatch {
    /// The matching photo.
    pub photo: PhotoId,
    /// Its registration number ([`PhotoRecords::register_photo`](crate::records::PhotoRecords::register_photo)):
    /// of several matches, the lowest was seen first (the original).
    pub registered: i64,
    /// Its punch.
    pub punch: PunchId,
    /// The worker who punched it.
    pub worker: UserId,
    /// When its punch was received.
    pub received_at: DateTime<Utc>,
    /// The smallest PDQ Hamming distance between any of the query hashes and its PDQ
    /// (0 for an exact SHA-256 duplicate).
    pub distance: u32,
    /// Its PDQ quality.
    pub quality: u8,
    /// Its EXIF facts (for the "EXIF copied" rule).
    pub facts: Option<ExifFacts>,
}

/// An indexed PDQ hash as the in-memory reuse index loads it: in `seq` order, the number
/// the database gave the row when it was stored (see migration 0004).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedHash {
    /// The row's sequence number: increasing in insertion order within an organisation
    /// (on PostgreSQL not necessarily in commit order).
    pub seq: i64,
    /// The photo the hash is of.
    pub photo: PhotoId,
    /// Its PDQ hash.
    pub pdq: [u8; 32],
}
