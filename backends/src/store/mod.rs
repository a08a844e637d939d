//! Object storage: the photos the apps upload and the variants the workers write, behind
//! one [`Store`] trait with two implementations:
//!
//! - [`LocalStore`]: files under a directory, the embedded default. Its upload and download
//!   URLs point at the api (`{public_url}/v1/uploads/{token}`, `…/v1/files/{token}`) with
//!   an HMAC-signed token the api checks with [`LocalStore::verify_upload`] and
//!   [`LocalStore::verify_download`].
//! - [`S3Store`]: an S3 bucket (or S3-compatible server) through `aws-sdk-s3`, whose
//!   presigned URLs the apps use directly.
//!
//! Objects are named by [`ObjectKey`]s built from typed ids, never by client text.

mod keys;
mod local;
#[cfg(feature = "s3")]
mod s3;
mod signed_url;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

#[cfg(feature = "test-support")]
pub mod test_server;

pub use keys::ObjectKey;
pub use local::LocalStore;
#[cfg(feature = "s3")]
pub use s3::S3Store;
pub use signed_url::UploadGrant;

/// An object's bytes as they arrive, chunk by chunk.
pub type ObjectStream = BoxStream<'static, Result<Bytes, StoreError>>;

/// Where photos and variants are kept. Object safe: the services hold an `Arc<dyn Store>`.
#[async_trait]
pub trait Store: Send + Sync {
    /// Writes a whole object (variants are small), replacing any object of that key. A
    /// reader never sees half of it.
    async fn put(&self, key: &ObjectKey, bytes: Bytes, content_type: &str) -> Result<(), StoreError>;

    /// Streams an object's bytes; [`StoreError::NotFound`] if there is none.
    async fn get(&self, key: &ObjectKey) -> Result<ObjectStream, StoreError>;

    /// An object's length and content type, or `None` if there is none.
    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectMeta>, StoreError>;

    /// Removes an object. Removing one that is not there succeeds (retries are safe).
    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError>;

    /// At most the first `len` bytes of an object (fewer if it is shorter), to sniff its
    /// type without reading all of it.
    async fn read_prefix(&self, key: &ObjectKey, len: usize) -> Result<Bytes, StoreError>;

    /// A URL the app uploads one object to with a plain HTTP request: bound to this key,
    /// this content type and `content_length` bytes (the caller checks that against
    /// `limits.max_bytes` first), valid for `expires_in`. S3 requires exactly
    /// `content_length` bytes; the local store refuses more than that.
    async fn presign_put(
        &self,
        key: &ObjectKey,
        content_type: &str,
        content_length: u64,
        expires_in: Duration,
    ) -> Result<PresignedRequest, StoreError>;

    /// A URL anyone holding it can download one object from until `expires_in` passes.
    async fn presign_get(&self, key: &ObjectKey, expires_in: Duration) -> Result<String, StoreError>;

    /// Whether the store is reachable and usable, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;

    /// A whole object in memory, refusing with [`StoreError::TooLarge`] as soon as it
    /// exceeds `max_len` bytes (workers pass `limits.max_bytes`), so a huge object is never
    /// buffered.
    async fn get_bytes(&self, key: &ObjectKey, max_len: u64) -> Result<Bytes, StoreError> {
        let mut stream = self.get(key).await?;
        let mut collected = BytesMut::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            if collected.len() as u64 + chunk.len() as u64 > max_len {
                return Err(StoreError::TooLarge { limit: max_len });
            }
            collected.extend_from_slice(&chunk);
        }
        Ok(collected.freeze())
    }
}

/// What [`Store::head`] tells about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Length in bytes.
    pub len: u64,
    /// The content type it was written with, if the store kept one.
    pub content_type: Option<String>,
}

/// An HTTP request the app makes itself: send `method` to `url` with exactly these headers
/// (they are part of the signature) and the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresignedRequest {
    /// Where to send the request.
    pub url: String,
    /// The HTTP method, `PUT` for uploads.
    pub method: String,
    /// Headers to send as they are, lower-case names (e.g. `content-type`).
    pub headers: BTreeMap<String, String>,
    /// When the URL stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// Why a store operation failed. [`StoreError::is_transient`] tells a retry apart from a
/// permanent failure; each variant's doc says the HTTP status the api answers with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No object of that key (404; to a worker, a permanent failure of the job).
    #[error("no object {key}")]
    NotFound {
        /// The key looked up.
        key: String,
    },
    /// The object or upload body is longer than allowed (413).
    #[error("more than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// An upload or download token that is malformed, tampered with or for another
    /// purpose (403).
    #[error("invalid signature")]
    BadSignature,
    /// A valid token past its expiry (403).
    #[error("the URL has expired")]
    Expired,
    /// An upload whose `Content-Type` differs from the one the URL was signed for (415).
    #[error("content type {got:?} where {expected:?} was signed")]
    ContentTypeMismatch {
        /// The content type the URL is bound to.
        expected: String,
        /// The one the request carried, if any.
        got: Option<String>,
    },
    /// The upload's body stream failed before it ended (the client went away) (400).
    #[error("the upload was interrupted: {0}")]
    UploadInterrupted(String),
    /// Text that is not a key of the layout (400 where it came from a request).
    #[error("not an object key: {0:?}")]
    InvalidKey(String),
    /// The store is set up wrongly (missing bucket, bad endpoint, unusable directory):
    /// retrying will not help (500).
    #[error("object store misconfigured: {0}")]
    Misconfigured(String),
    /// The store refused the request for a reason retrying will not change (500).
    #[error("object store refused the request: {0}")]
    Rejected(String),
    /// The store could not be reached or failed on its side; retrying may succeed (503).
    #[error("object store unavailable: {0}")]
    Unavailable(String),
    /// A local file operation failed (disk full, permissions); may pass on retry (500).
    #[error("object store file error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// Whether trying the same operation again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Io(_))
    }
}
