//! Completing an upload: the object is there, within the size limit and starts like a
//! JPEG, PNG or HEIC, so the photo moves to `uploaded` and its job goes to the outbox in
//! the same transaction. The app's completion call (the api) and the sweeper both come
//! through [`complete_upload`], so an upload is validated the same way whoever notices it.

use punchline_backends::records::{PhotoRecord, Records, RecordsError, UploadCompletion, UploadedPhoto};
use punchline_backends::store::{ObjectKey, Store, StoreError};
use punchline_domain::{PhotoJob, PhotoState};

use crate::sniff::{sniff, SNIFF_LEN};

/// Why an uploaded object is refused. The display text is written for the app's user
/// (the api shows it as it is) and is recorded as the reason of a photo the sweeper fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadRejection {
    /// The object is larger than `limits.max_bytes`.
    #[error("the upload is {bytes} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// The object's size.
        bytes: u64,
        /// The configured limit.
        limit: u64,
    },
    /// The object's first bytes are not those of a JPEG, PNG or HEIC.
    #[error("the upload is not a JPEG, PNG or HEIC image")]
    NotAnImage,
}

/// Why an upload could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum CompletionError {
    /// No object at the photo's key: the app has not uploaded it (yet).
    #[error("the photo has not been uploaded yet")]
    UploadMissing,
    /// The object is there but is not an acceptable photo. Permanent for this object.
    #[error(transparent)]
    UploadRejected(#[from] UploadRejection),
    /// The object store failed (or the recorded key is not a key of the store's layout).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The records failed.
    #[error(transparent)]
    Records(#[from] RecordsError),
    /// The job message could not be turned into the outbox's JSON (a bug).
    #[error("job message: {0}")]
    JobEncoding(#[source] serde_json::Error),
}

impl CompletionError {
    /// Whether calling again later may succeed without anyone changing the object: the
    /// store's or the records' own classification.
    pub fn is_transient(&self) -> bool {
        match self {
            CompletionError::Store(e) => e.is_transient(),
            CompletionError::Records(e) => e.is_transient(),
            CompletionError::UploadMissing
            | CompletionError::UploadRejected(_)
            | CompletionError::JobEncoding(_) => false,
        }
    }
}

/// What [`complete_upload`] settled on.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The photo as recorded after the call (by this call or an earlier or racing one).
    pub photo: PhotoRecord,
    /// The outbox row this call wrote; `None` when the upload had been completed before,
    /// so there is nothing new for the relay.
    pub outbox_id: Option<i64>,
}

impl Completion {
    /// Whether this call completed the upload (and so queued a job the relay should
    /// publish).
    pub fn is_new(&self) -> bool {
        self.outbox_id.is_some()
    }
}

/// Completes `photo`'s upload: HEADs its object ([`CompletionError::UploadMissing`] if
/// absent), refuses it if it is over `max_photo_bytes` or does not start like a JPEG, PNG
/// or HEIC ([`CompletionError::UploadRejected`]), then records the upload and its job in
/// one transaction. Only the first bytes are read: nothing is decoded here.
///
/// Idempotent: a photo past `pending_upload` (in `photo`, or by the time the records see
/// it) is returned as recorded, with no job written.
pub async fn complete_upload(
    records: &dyn Records,
    store: &dyn Store,
    photo: &PhotoRecord,
    max_photo_bytes: u64,
) -> Result<Completion, CompletionError> {
    if photo.state != PhotoState::PendingUpload {
        // Completed before: its job was queued then. Checking the object again could only
        // disagree with what was already decided.
        return Ok(Completion { photo: photo.clone(), outbox_id: None });
    }
    let key: ObjectKey = photo.object_key.parse()?;
    let meta = store.head(&key).await?.ok_or(CompletionError::UploadMissing)?;
    if meta.len > max_photo_bytes {
        return Err(UploadRejection::TooLarge { bytes: meta.len, limit: max_photo_bytes }.into());
    }
    let prefix = store.read_prefix(&key, SNIFF_LEN).await?;
    let format = sniff(&prefix).ok_or(UploadRejection::NotAnImage)?;

    let job = PhotoJob::new(photo.org, photo.id, photo.punch, key.as_str());
    let job = serde_json::to_value(&job).map_err(CompletionError::JobEncoding)?;
    let uploaded = UploadedPhoto { bytes: meta.len, format };
    let outbox_id = match records.complete_upload(photo.org, photo.id, &uploaded, &job).await? {
        UploadCompletion::Completed { outbox_id } => {
            metrics::counter!("punchline_uploads_completed_total", "format" => format.as_str()).increment(1);
            Some(outbox_id)
        }
        // Another caller (the app retrying, the sweeper) got there first: its job stands.
        UploadCompletion::AlreadyCompleted { .. } => None,
    };
    // Read back: the state and upload facts as recorded (by this call or a racing one).
    let photo = records
        .photo(photo.org, photo.id)
        .await?
        .ok_or(CompletionError::Records(RecordsError::NotFound { what: "photo" }))?;
    Ok(Completion { photo, outbox_id })
}
