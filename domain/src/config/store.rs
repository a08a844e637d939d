//! Where photos and variants are kept: a local directory (the embedded default, with
//! upload and download URLs the api serves and signs itself) or an S3 bucket.
//!
//! Not repeated here, because they are the api's: the largest accepted upload
//! (`limits.max_bytes`), the address upload and download URLs start with (`api.public_url`)
//! and how long those URLs live (`api.upload_url_ttl_s`, `api.download_url_ttl_s`). The
//! caller passes them to the store.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// The shortest signing key accepted for local URLs, in bytes (256 bits, the strength of
/// HMAC-SHA256: a shorter key is the weak link).
pub const MIN_SIGNING_KEY_BYTES: usize = 32;
/// The development signing key `pipeline.toml` ships with. Anyone can read it here, so
/// it must be replaced wherever the local store faces a network.
pub const DEV_SIGNING_KEY: &str = "punchline-dev-signing-key-replace-me-in-any-deployment";

/// Which implementation keeps the objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    /// Files under a local directory; the api serves the upload and download URLs.
    Local,
    /// An S3 bucket (or an S3-compatible server); the apps talk to it directly.
    S3,
}

/// Object storage: the backend and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `local` (embedded default, no server needed) or `s3`.
    pub backend: StoreBackend,
    /// Settings of the local directory backend.
    pub local: LocalStoreConfig,
    /// Settings of the S3 backend.
    pub s3: S3StoreConfig,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            backend: StoreBackend::Local,
            local: LocalStoreConfig::default(),
            s3: S3StoreConfig::default(),
        }
    }
}

/// The local directory backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalStoreConfig {
    /// Directory the objects are written under (created if missing).
    pub directory: PathBuf,
    /// Key of the HMAC-SHA256 signatures on the upload and download URLs the api serves
    /// (`{api.public_url}/v1/uploads/{token}`, `…/v1/files/{token}`), at least 32 bytes.
    /// The default is a public development key: replace it in any deployment.
    pub signing_key: SigningKey,
}

impl Default for LocalStoreConfig {
    fn default() -> Self {
        LocalStoreConfig {
            directory: PathBuf::from("./data/objects"),
            signing_key: SigningKey(DEV_SIGNING_KEY.to_owned()),
        }
    }
}

/// The S3 backend. Credentials are not configured here: they come from the standard AWS
/// chain (environment, profile, the ECS task role).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3StoreConfig {
    /// The bucket holding originals and variants.
    pub bucket: String,
    /// The bucket's AWS region, e.g. `eu-west-1`.
    pub region: String,
    /// An S3-compatible server's address (e.g. `http://127.0.0.1:9000`); unset for AWS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Address the bucket in the path (`{endpoint}/{bucket}/{key}`) rather than the host
    /// name: most S3-compatible servers need this.
    pub path_style: bool,
}

impl Default for S3StoreConfig {
    fn default() -> Self {
        S3StoreConfig {
            bucket: "punchline-photos".to_owned(),
            region: "us-east-1".to_owned(),
            endpoint: None,
            path_style: false,
        }
    }
}

/// A secret that must not reach logs: `Debug` prints its length only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SigningKey(pub String);

impl SigningKey {
    /// The key's bytes, for the HMAC.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(<{} bytes>)", self.0.len())
    }
}

impl StoreConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        match self.backend {
            StoreBackend::Local => self.local.validate(),
            StoreBackend::S3 => self.s3.validate(),
        }
    }
}

impl LocalStoreConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.signing_key.as_bytes().len() < MIN_SIGNING_KEY_BYTES {
            return Err(ConfigError::OutOfRange(format!(
                "store.local.signing_key must be at least {MIN_SIGNING_KEY_BYTES} bytes"
            )));
        }
        if self.directory.as_os_str().is_empty() {
            return Err(ConfigError::OutOfRange("store.local.directory must not be empty".into()));
        }
        Ok(())
    }
}

impl S3StoreConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.bucket.is_empty() || self.region.is_empty() {
            return Err(ConfigError::OutOfRange("store.s3.bucket and store.s3.region must be set".into()));
        }
        if let Some(endpoint) = &self.endpoint {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(ConfigError::OutOfRange("store.s3.endpoint must be an http(s) URL".into()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_key_is_long_enough_and_hidden_from_debug() {
        let config = StoreConfig::default();
        config.validate().expect("defaults validate");
        assert!(!format!("{config:?}").contains(DEV_SIGNING_KEY));
    }

    #[test]
    fn short_keys_and_missing_buckets_are_refused() {
        let mut short = StoreConfig::default();
        short.local.signing_key = SigningKey("too short".into());
        assert!(short.validate().is_err());

        let mut s3 = StoreConfig { backend: StoreBackend::S3, ..StoreConfig::default() };
        s3.s3.bucket.clear();
        assert!(s3.validate().is_err());

        let mut endpoint = StoreConfig { backend: StoreBackend::S3, ..StoreConfig::default() };
        endpoint.s3.endpoint = Some("127.0.0.1:9000".into());
        assert!(endpoint.validate().is_err());
    }
}
