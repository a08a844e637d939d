//! The embedded store: objects are files under one directory, `{directory}/{org}/{photo}/…`,
//! each beside a `….content-type` file holding its content type. Writes go to a temporary
//! file under `{directory}/.partial/` first and are renamed into place, so a reader sees the
//! whole old object or the whole new one, never half a file.
//!
//! Its URLs point at the api, which serves them with the token checks below.

use std::path::{Path, PathBuf};
use std::pin::pin;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use punchline_domain::config::LocalStoreConfig;
use tokio::fs::{self, File};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::signed_url::UrlSigner;
use super::{ObjectKey, ObjectMeta, ObjectStream, PresignedRequest, Store, StoreError, UploadGrant};

/// Where writes in progress live, inside the store's directory (same file system, so the
/// final rename is atomic). Not a key's first segment: keys start with a uuid.
const PARTIAL_DIR: &str = ".partial";
/// Age (since its last write) past which a file in [`PARTIAL_DIR`] is a leftover, deleted
/// at [`LocalStore::open`]. A write in progress is never that old: uploads time out after
/// `api.upload_timeout_s` (300 s by default) and the workers' writes take seconds; and the
/// age is the time since the last byte arrived, so even a slow upload stays young.
const STALE_PARTIAL_AGE: Duration = Duration::from_secs(3600);
/// Suffix of the file beside each object holding its content type.
const CONTENT_TYPE_SUFFIX: &str = ".content-type";
/// Size of the chunks [`Store::get`] streams.
const READ_CHUNK: usize = 64 * 1024;

/// Objects in a local directory, with HMAC-signed upload and download URLs the api serves.
#[derive(Clone)]
pub struct LocalStore {
    root: PathBuf,
    signer: UrlSigner,
    /// The api's address as the apps reach it, no trailing slash.
    public_url: String,
}

impl LocalStore {
    /// Opens (creating if needed) the store in `directory`. `signing_key` signs its URLs
    /// (at least 32 bytes); `public_url` is the api's address the URLs start with.
    pub async fn open(
        directory: impl Into<PathBuf>,
        signing_key: &[u8],
        public_url: &str,
    ) -> Result<LocalStore, StoreError> {
        let root = directory.into();
        let signer = UrlSigner::new(signing_key)?;
        fs::create_dir_all(root.join(PARTIAL_DIR)).await.map_err(|err| {
            StoreError::Misconfigured(format!("cannot create the store directory {}: {err}", root.display()))
        })?;
        remove_stale_partials(&root.join(PARTIAL_DIR)).await;
        Ok(LocalStore { root, signer, public_url: public_url.trim_end_matches('/').to_owned() })
    }

    /// [`LocalStore::open`] with the `[store.local]` settings and the api's `public_url`.
    pub async fn from_config(config: &LocalStoreConfig, public_url: &str) -> Result<LocalStore, StoreError> {
        LocalStore::open(&config.directory, config.signing_key.as_bytes(), public_url).await
    }

    /// The directory the objects live in.
    pub fn directory(&self) -> &Path {
        &self.root
    }

    /// Checks an upload request to `{public_url}/v1/uploads/{token}` against what its token
    /// was signed for: the signature (else [`StoreError::BadSignature`]), the expiry
    /// ([`StoreError::Expired`]), the request's `Content-Type`
    /// ([`StoreError::ContentTypeMismatch`]) and its `Content-Length`, if it sent one
    /// ([`StoreError::TooLarge`]). The body is then written with [`LocalStore::write_stream`].
    pub fn verify_upload(
        &self,
        token: &str,
        content_type: Option<&str>,
        content_length: Option<u64>,
    ) -> Result<UploadGrant, StoreError> {
        self.signer.verify_upload(token, content_type, content_length, Utc::now().timestamp())
    }

    /// Checks a download request to `{public_url}/v1/files/{token}`: the key it may read,
    /// or [`StoreError::BadSignature`] / [`StoreError::Expired`].
    pub fn verify_download(&self, token: &str) -> Result<ObjectKey, StoreError> {
        self.signer.verify_download(token, Utc::now().timestamp())
    }

    /// Streams an upload body to `key` without holding it in memory, refusing it with
    /// [`StoreError::TooLarge`] as soon as it passes `max_len` bytes; the object appears
    /// only once the whole body is on disk, and a refused or interrupted body leaves
    /// nothing behind. Returns the number of bytes written.
    pub async fn write_stream<S, E>(
        &self,
        key: &ObjectKey,
        content_type: &str,
        body: S,
        max_len: u64,
    ) -> Result<u64, StoreError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let (mut partial, mut file) = self.create_partial().await?;
        let mut body = pin!(body);
        let mut written = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|err| StoreError::UploadInterrupted(err.to_string()))?;
            written += chunk.len() as u64;
            if written > max_len {
                return Err(StoreError::TooLarge { limit: max_len });
            }
            file.write_all(&chunk).await?;
        }
        self.commit(&mut partial, file, key, content_type).await?;
        Ok(written)
    }

    fn object_path(&self, key: &ObjectKey) -> PathBuf {
        // Safe to join: a key is `{uuid}/{uuid}/{original|N.jpg}`, nothing else.
        self.root.join(key.as_str())
    }

    fn content_type_path(&self, key: &ObjectKey) -> PathBuf {
        self.root.join(format!("{}{CONTENT_TYPE_SUFFIX}", key.as_str()))
    }

    async fn create_partial(&self) -> Result<(PartialFile, File), StoreError> {
        let path = self.root.join(PARTIAL_DIR).join(uuid::Uuid::new_v4().to_string());
        let file = File::create(&path).await?;
        Ok((PartialFile { path: Some(path) }, file))
    }

    /// Flushes the finished temporary file to disk and renames it (and its content type)
    /// into place.
    async fn commit(
        &self,
        partial: &mut PartialFile,
        mut file: File,
        key: &ObjectKey,
        content_type: &str,
    ) -> Result<(), StoreError> {
        file.flush().await?;
        // On disk before it is visible: a crash must not leave a named, empty object.
        file.sync_data().await?;
        drop(file);
        let target = self.object_path(key);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).await?;
        }
        // The content type first: an object is only visible with its type beside it.
        let (mut type_partial, mut type_file) = self.create_partial().await?;
        type_file.write_all(content_type.as_bytes()).await?;
        type_file.sync_data().await?;
        drop(type_file);
        type_partial.rename_to(&self.content_type_path(key)).await?;
        partial.rename_to(&target).await
    }
}

/// A temporary file removed when dropped unless it was renamed into place, so an error
/// or a cancelled upload (the client went away) leaves nothing behind.
struct PartialFile {
    path: Option<PathBuf>,
}

impl PartialFile {
    async fn rename_to(&mut self, target: &Path) -> Result<(), StoreError> {
        if let Some(path) = &self.path {
            fs::rename(path, target).await?;
        }
        self.path = None;
        Ok(())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            // Synchronous: Drop cannot await, and unlinking one file is quick.
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Deletes the files in `partial_dir` not written to for [`STALE_PARTIAL_AGE`]. A write
/// removes its own temporary file when it fails or is dropped, but a process killed
/// mid-write (SIGKILL, OOM, a lost machine) leaves it behind, and nothing else ever would
/// remove it. Other processes may share the directory (an api and a worker on one host),
/// so only files too old to belong to a write in progress go. Best effort: a file that
/// cannot be read or removed stays for the next open, and never stops this one.
async fn remove_stale_partials(partial_dir: &Path) {
    let Ok(mut entries) = fs::read_dir(partial_dir).await else { return };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let Ok(meta) = entry.metadata().await else { continue };
        let age = meta.modified().ok().and_then(|at| at.elapsed().ok());
        if meta.is_file() && age.is_some_and(|age| age > STALE_PARTIAL_AGE) {
            let _ = fs::remove_file(entry.path()).await;
        }
    }
}

/// Not-found as `None`, any other I/O error as an error.
fn absent_if_missing<T>(result: std::io::Result<T>) -> Result<Option<T>, StoreError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Unix seconds and the instant a URL valid for `expires_in` from now expires, rounded up
/// to whole seconds.
fn expiry(expires_in: Duration) -> (i64, DateTime<Utc>) {
    let seconds = i64::try_from(expires_in.as_secs()).unwrap_or(i64::MAX / 2)
        + i64::from(expires_in.subsec_nanos() > 0);
    let at = Utc::now().timestamp().saturating_add(seconds);
    (at, DateTime::from_timestamp(at, 0).unwrap_or(DateTime::<Utc>::MAX_UTC))
}

#[async_trait]
impl Store for LocalStore {
    async fn put(&self, key: &ObjectKey, bytes: Bytes, content_type: &str) -> Result<(), StoreError> {
        let (mut partial, mut file) = self.create_partial().await?;
        file.write_all(&bytes).await?;
        self.commit(&mut partial, file, key, content_type).await
    }

    async fn get(&self, key: &ObjectKey) -> Result<ObjectStream, StoreError> {
        let file = absent_if_missing(File::open(self.object_path(key)).await)?
            .ok_or_else(|| StoreError::NotFound { key: key.to_string() })?;
        let chunks = futures::stream::try_unfold(file, |mut file| async move {
            let mut chunk = BytesMut::with_capacity(READ_CHUNK);
            match file.read_buf(&mut chunk).await? {
                0 => Ok(None),
                _ => Ok(Some((chunk.freeze(), file))),
            }
        });
        Ok(chunks.boxed())
    }

    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectMeta>, StoreError> {
        let Some(metadata) = absent_if_missing(fs::metadata(self.object_path(key)).await)? else {
            return Ok(None);
        };
        let content_type = absent_if_missing(fs::read_to_string(self.content_type_path(key)).await)?;
        Ok(Some(ObjectMeta { len: metadata.len(), content_type }))
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        absent_if_missing(fs::remove_file(self.object_path(key)).await)?;
        absent_if_missing(fs::remove_file(self.content_type_path(key)).await)?;
        Ok(())
    }

    async fn read_prefix(&self, key: &ObjectKey, len: usize) -> Result<Bytes, StoreError> {
        let file = absent_if_missing(File::open(self.object_path(key)).await)?
            .ok_or_else(|| StoreError::NotFound { key: key.to_string() })?;
        let mut prefix = Vec::with_capacity(len.min(READ_CHUNK));
        file.take(len as u64).read_to_end(&mut prefix).await?;
        Ok(prefix.into())
    }

    async fn presign_put(
        &self,
        key: &ObjectKey,
        content_type: &str,
        content_length: u64,
        expires_in: Duration,
    ) -> Result<PresignedRequest, StoreError> {
        let (expires, expires_at) = expiry(expires_in);
        let token = self.signer.sign_upload(key, content_type, content_length, expires);
        Ok(PresignedRequest {
            url: format!("{}/v1/uploads/{token}", self.public_url),
            method: "PUT".to_owned(),
            headers: [
                ("content-type".to_owned(), content_type.to_owned()),
                ("content-length".to_owned(), content_length.to_string()),
            ]
            .into(),
            expires_at,
        })
    }

    async fn presign_get(&self, key: &ObjectKey, expires_in: Duration) -> Result<String, StoreError> {
        let (expires, _) = expiry(expires_in);
        Ok(format!("{}/v1/files/{}", self.public_url, self.signer.sign_download(key, expires)))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        // Writable, not just present: a read-only or full disk must fail readiness.
        let (_partial, mut file) = self.create_partial().await?;
        file.write_all(b"ping").await?;
        Ok(())
    }
}
