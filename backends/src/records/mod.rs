//! The records: everything punchline remembers about organisations, their sites and
//! punches, photos and verdicts, behind narrow traits with two implementations —
//! [`PostgresRecords`] (production) and [`SqliteRecords`] (the embedded default).
//!
//! Tenancy: every method takes the organisation, every table carries `org_id`, and every
//! foreign key includes it, so no query can reach another organisation's rows and no row
//! can point at one. A row of another org is reported exactly like a missing row. The
//! only methods that span organisations (`orgs_with_…`) return org ids alone, for the
//! system's own relay and sweeper to then work org by org.
//!
//! Idempotency: [`PunchRecords::create_punch`] is keyed by the app's client id,
//! [`PhotoRecords::complete_upload`] by the photo's state, and
//! [`PhotoRecords::commit_result`] by the photo's verdict, so every retried or
//! redelivered request finds what the first one did.

pub mod console;
mod error;
mod model;
pub mod pdq_index;
#[cfg(feature = "postgres")]
mod postgres;
mod rows;
mod sql;
mod sqlite;
#[cfg(feature = "test-support")]
pub mod test_db;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use punchline_domain::{
    ExifFacts, OrgId, PhotoHashes, PhotoId, Punch, PunchId, Review, Site, SiteId, UserId, Verdict,
};

pub use console::{ConsoleFilter, ConsoleRecords, ConsoleRow, ConsoleSession, Grant, NewLogin, ReviewFilter};
pub use error::RecordsError;
pub use model::{
    CommitOutcome, CreatedPunch, IndexedHash, NewPhoto, Organisation, OutboxMessage, PendingUpload,
    PhotoRecord, PhotoResult, ProcessedPhoto, PunchCreation, PunchDetails, PunchFilter, PunchSummary,
    ReuseMatch, StoredHashes, StoredVariant, UploadCompletion, UploadedPhoto, User,
};
#[cfg(feature = "postgres")]
pub use postgres::PostgresRecords;
pub use sqlite::SqliteRecords;

/// Organisations and their users.
#[async_trait]
pub trait Directory: Send + Sync {
    /// Creates an organisation. [`RecordsError::Conflict`] if the id is taken.
    async fn create_org(&self, org: &Organisation) -> Result<(), RecordsError>;

    /// The organisation, if it exists.
    async fn org(&self, org: OrgId) -> Result<Option<Organisation>, RecordsError>;

    /// Creates a user of `org` (`user.org` must be `org`).
    async fn create_user(&self, org: OrgId, user: &User) -> Result<(), RecordsError>;

    /// The user, if it exists in `org`.
    async fn user(&self, org: OrgId, user: UserId) -> Result<Option<User>, RecordsError>;
}

/// Job sites and their geofences.
#[async_trait]
pub trait SiteRecords: Send + Sync {
    /// Creates a site of `org` (`site.org` must be `org`).
    async fn create_site(&self, org: OrgId, site: &Site) -> Result<(), RecordsError>;

    /// The site, if it exists in `org`.
    async fn site(&self, org: OrgId, site: SiteId) -> Result<Option<Site>, RecordsError>;

    /// Every site of `org`, active or not, by name.
    async fn sites(&self, org: OrgId) -> Result<Vec<Site>, RecordsError>;

    /// Replaces a site's name, time zone, geofence and active flag.
    /// [`RecordsError::NotFound`] if `org` has no such site.
    async fn update_site(&self, org: OrgId, site: &Site) -> Result<(), RecordsError>;
}

/// Punches, their listings, and supervisors' reviews.
#[async_trait]
pub trait PunchRecords: Send + Sync {
    /// Creates a punch and its photo (state `pending_upload`) in one transaction, or —
    /// when `org` already has a punch with `punch.client_id` — returns that punch and
    /// its photo unchanged, saying whether the request asked for the same punch.
    /// Concurrent calls with one client id make one punch. `punch.id`, `photo.id` and
    /// `received_at` are only used when the punch is new.
    async fn create_punch(
        &self,
        org: OrgId,
        punch: &Punch,
        photo: &NewPhoto,
    ) -> Result<CreatedPunch, RecordsError>;

    /// The punch, if it exists in `org`.
    async fn punch(&self, org: OrgId, punch: PunchId) -> Result<Option<Punch>, RecordsError>;

    /// The punch with its photo, variants, verdict and reviews.
    async fn punch_details(&self, org: OrgId, punch: PunchId) -> Result<Option<PunchDetails>, RecordsError>;

    /// A page of `org`'s punches, newest first.
    async fn list_punches(&self, org: OrgId, filter: &PunchFilter)
        -> Result<Vec<PunchSummary>, RecordsError>;

    /// Records a supervisor's decision beside the punch's verdict (never over it).
    /// [`RecordsError::NotFound`] if `org` has no such punch; [`RecordsError::Invalid`]
    /// if the reviewer is not a user of `org`.
    async fn add_review(&self, org: OrgId, punch: PunchId, review: &Review) -> Result<(), RecordsError>;

    /// The punch's reviews, oldest first.
    async fn reviews(&self, org: OrgId, punch: PunchId) -> Result<Vec<Review>, RecordsError>;
}

/// Photos through their life: upload, processing, the committed result.
#[async_trait]
pub trait PhotoRecords: Send + Sync {
    /// The photo, if it exists in `org`.
    async fn photo(&self, org: OrgId, photo: PhotoId) -> Result<Option<PhotoRecord>, RecordsError>;

    /// Moves a `pending_upload` photo to `uploaded` with what ingest checked, and writes
    /// `job` to the outbox in the same transaction, so a job is queued exactly when the
    /// upload is recorded. Any other state: nothing is written
    /// ([`UploadCompletion::AlreadyCompleted`]).
    async fn complete_upload(
        &self,
        org: OrgId,
        photo: PhotoId,
        uploaded: &UploadedPhoto,
        job: &serde_json::Value,
    ) -> Result<UploadCompletion, RecordsError>;

    /// Marks an `uploaded` photo `processing` (a worker took its job). Returns whether it
    /// moved; a photo in any other state is left alone.
    async fn mark_processing(&self, org: OrgId, photo: PhotoId) -> Result<bool, RecordsError>;

    /// Registers a decoded photo for reuse search, before it searches for earlier copies:
    /// its EXIF facts, its hashes (and its PDQ in the reuse index when `indexed`; not for
    /// blank photos) and its SHA-256, committed at once. Returns its registration number
    /// (`photo_hashes.seq`), which orders the photos of `org`: a reuse search for a photo
    /// sees exactly the photos registered before it (see [`ReuseIndex`]).
    ///
    /// The registrations of one organisation are serialised (an advisory lock per org on
    /// PostgreSQL, held to the commit; SQLite has one writer), so numbers are committed
    /// in their order, and of two copies registered at the same moment the second always
    /// finds the first. A photo registered already keeps its number (a redelivered job
    /// searches the same photos again and decides the same).
    async fn register_photo(
        &self,
        org: OrgId,
        photo: PhotoId,
        facts: &ExifFacts,
        hashes: &PhotoHashes,
        indexed: bool,
    ) -> Result<i64, RecordsError>;

    /// Writes a job's outcome in one transaction keyed by the photo: the registration if
    /// [`PhotoRecords::register_photo`] did not make it yet, variants, the verdict, and the
    /// photo's state. If the photo already has a verdict nothing changes
    /// ([`CommitOutcome::AlreadyCommitted`]): a redelivered job is harmless.
    async fn commit_result(
        &self,
        org: OrgId,
        photo: PhotoId,
        result: &PhotoResult,
    ) -> Result<CommitOutcome, RecordsError>;

    /// The photo's verdict, once it has one.
    async fn verdict(&self, org: OrgId, photo: PhotoId) -> Result<Option<Verdict>, RecordsError>;

    /// The photo's EXIF facts, once processed.
    async fn photo_facts(&self, org: OrgId, photo: PhotoId) -> Result<Option<ExifFacts>, RecordsError>;

    /// The photo's hashes, once processed.
    async fn photo_hashes(&self, org: OrgId, photo: PhotoId) -> Result<Option<StoredHashes>, RecordsError>;
}

/// The transactional outbox and the sweeper's view of unfinished uploads, for the
/// system's own background tasks.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Organisations that have unsent outbox rows (ids only), up to `limit`.
    async fn orgs_with_unsent_outbox(&self, limit: u32) -> Result<Vec<OrgId>, RecordsError>;

    /// `org`'s unsent outbox rows, oldest first, up to `limit`.
    async fn unsent_outbox(&self, org: OrgId, limit: u32) -> Result<Vec<OutboxMessage>, RecordsError>;

    /// Marks outbox rows sent (after the broker confirmed them). Returns how many were
    /// newly marked; rows already sent or of another org are left alone.
    async fn mark_outbox_sent(&self, org: OrgId, ids: &[i64]) -> Result<u64, RecordsError>;

    /// Organisations with photos still `pending_upload` that were created before
    /// `created_before` (ids only), up to `limit`.
    async fn orgs_with_stale_uploads(
        &self,
        created_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OrgId>, RecordsError>;

    /// `org`'s photos still `pending_upload` that were created before `created_before`,
    /// oldest first, up to `limit`.
    async fn stale_uploads(
        &self,
        org: OrgId,
        created_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PendingUpload>, RecordsError>;
}

/// Finding earlier photos of the same organisation that a new photo may reuse.
///
/// "Earlier" is the order of registration ([`PhotoRecords::register_photo`]): every search
/// takes the photo it searches for as `before`, never returns it, and when it is
/// registered returns only photos registered before it. So of two simultaneous copies
/// exactly one (the first registered) is the original, whatever the timing, and a
/// redelivered job finds what the first delivery found. A `before` that is not registered
/// (a query from outside the pipeline) sees every other photo.
#[async_trait]
pub trait ReuseIndex: Send + Sync {
    /// Photos of `org` registered before `before` whose bytes have this SHA-256 (indexed
    /// lookup), first received first.
    async fn find_exact_duplicates(
        &self,
        org: OrgId,
        sha256: &[u8; 32],
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError>;

    /// Indexed photos of `org` registered before `before` whose PDQ is within `radius`
    /// bits of any of `query` (pass the 8 dihedral hashes of the new photo); closest first
    /// (then by photo id), up to
    /// `limit`. Exact (no false negatives) by multi-index hashing, see [`pdq_index`].
    /// [`RecordsError::Invalid`] if `radius` exceeds [`pdq_index::MAX_RADIUS`].
    async fn find_similar(
        &self,
        org: OrgId,
        query: &[[u8; 32]],
        radius: u32,
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError>;

    /// Photos of `org` registered before `before` whose EXIF names the same capture (same
    /// DateTimeOriginal, make and model), with their PDQ distance to `query`: a small distance is
    /// the same picture, a large one is EXIF copied onto another picture. Empty when
    /// `facts` has no DateTimeOriginal.
    async fn find_exif_twins(
        &self,
        org: OrgId,
        facts: &ExifFacts,
        query: &[[u8; 32]],
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError>;
}

/// What an index kept outside the database (the in-memory reuse index,
/// [`crate::reuse`]) reads from it: the indexed hashes in the order they were stored, and
/// the evidence of the photos it found.
#[async_trait]
pub trait ReuseSource: Send + Sync {
    /// Up to `limit` of `org`'s indexed hashes (never blank ones) with `seq > after`, in
    /// `seq` order: pages of a full load (`after` = the last page's highest), or the rows
    /// stored since.
    async fn indexed_hashes_after(
        &self,
        org: OrgId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<IndexedHash>, RecordsError>;

    /// `photo`'s registration number ([`PhotoRecords::register_photo`]), if it is
    /// registered: an index kept elsewhere searches below it.
    async fn registration(&self, org: OrgId, photo: PhotoId) -> Result<Option<i64>, RecordsError>;

    /// The evidence of `org`'s photos given with their distances (as found elsewhere):
    /// the same [`ReuseMatch`]es [`ReuseIndex::find_similar`] returns, closest first, then
    /// by photo id. Photos that `org` does not have (or no longer has) are left out.
    async fn reuse_matches(
        &self,
        org: OrgId,
        found: &[(PhotoId, u32)],
    ) -> Result<Vec<ReuseMatch>, RecordsError>;
}

/// All of the records, as one object the api, ingest and workers share.
#[async_trait]
pub trait Records:
    Directory + SiteRecords + PunchRecords + PhotoRecords + Outbox + ReuseIndex + ReuseSource + ConsoleRecords
{
    /// Applies the schema migrations that are not applied yet.
    async fn migrate(&self) -> Result<(), RecordsError>;

    /// Checks the database answers (for readiness probes).
    async fn ping(&self) -> Result<(), RecordsError>;
}

/// The file of a `sqlite:PATH` (or `sqlite://PATH`) records URL; `None` for any other
/// URL. The embedded queue keeps its jobs in the same file.
pub fn sqlite_file(url: &str) -> Option<&std::path::Path> {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).map(std::path::Path::new)
}

/// Opens the records a URL names: `postgres://…` / `postgresql://…` for PostgreSQL,
/// `sqlite:PATH` (created if missing) for the embedded file. Does not migrate.
pub async fn open(url: &str, max_connections: u32) -> Result<Arc<dyn Records>, RecordsError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return Ok(Arc::new(PostgresRecords::connect(url, max_connections).await?));
        #[cfg(not(feature = "postgres"))]
        return Err(RecordsError::Invalid(crate::missing_feature("PostgreSQL", "postgres")));
    } else if let Some(path) = sqlite_file(url) {
        Ok(Arc::new(SqliteRecords::open(path, max_connections).await?))
    } else {
        // The URL may carry a password: never echo it.
        Err(RecordsError::Invalid("records URL must start with postgres://, postgresql:// or sqlite:".into()))
    }
}
