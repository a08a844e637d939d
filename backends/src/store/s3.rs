//! Objects in an S3 bucket (or an S3-compatible server) through `aws-sdk-s3`. The apps
//! upload and download with presigned URLs, straight to S3; the workers stream originals
//! and put variants.
//!
//! TLS is rustls with the *ring* provider, passed explicitly to the HTTP client: it does
//! not depend on a process-wide default crypto provider being installed.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use aws_sdk_s3::Client;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use bytes::{Bytes, BytesMut};
use chrono::Utc;
use futures::StreamExt;
use punchline_domain::config::S3StoreConfig;

use super::{ObjectKey, ObjectMeta, ObjectStream, PresignedRequest, Store, StoreError};

/// Longest wait for a TCP/TLS connection to S3.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest one attempt of an operation may take up to its response headers; a body is
/// then guarded by the SDK's stalled-stream protection instead.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// Objects in one S3 bucket.
#[derive(Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
}

impl S3Store {
    /// Connects with credentials from the standard AWS chain: environment
    /// (`AWS_ACCESS_KEY_ID`, …), profile files, web identity, the ECS task role, EC2.
    pub async fn connect(config: &S3StoreConfig) -> Result<S3Store, StoreError> {
        S3Store::build(config, None).await
    }

    /// Connects with fixed credentials (a test server, a developer's S3-compatible box).
    pub async fn connect_with_credentials(
        config: &S3StoreConfig,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Result<S3Store, StoreError> {
        let credentials = Credentials::new(access_key_id, secret_access_key, None, None, "punchline-static");
        S3Store::build(config, Some(credentials)).await
    }

    async fn build(config: &S3StoreConfig, credentials: Option<Credentials>) -> Result<S3Store, StoreError> {
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .http_client(http_client)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .build(),
            );
        if let Some(credentials) = credentials {
            loader = loader.credentials_provider(credentials);
        }
        let shared = loader.load().await;
        let mut s3 = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(config.path_style)
            // Checksum headers only where S3 demands them: S3-compatible servers vary in
            // what they accept, and presigned uploads cannot carry a checksum of a body the
            // server has not seen yet.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if let Some(endpoint) = &config.endpoint {
            s3 = s3.endpoint_url(endpoint);
        }
        Ok(S3Store { client: Client::from_conf(s3.build()), bucket: config.bucket.clone() })
    }

    /// The bucket the objects live in.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Creates the bucket if it does not exist yet (tests, development servers). In
    /// production the bucket, its policy and lifecycle rules come from the deployment.
    pub async fn create_bucket(&self) -> Result<(), StoreError> {
        let mut request = self.client.create_bucket().bucket(&self.bucket);
        let region = self.client.config().region().map(|r| r.as_ref().to_owned());
        // us-east-1 is the one region S3 wants no location constraint for.
        if let Some(region) = region.filter(|r| r != "us-east-1") {
            request = request.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_str()))
                    .build(),
            );
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(err) if matches!(err.code(), Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")) => {
                Ok(())
            }
            Err(err) => Err(classify(err, None)),
        }
    }
}

/// Sorts an SDK failure into transient and permanent ones; `key` turns a 404 into
/// [`StoreError::NotFound`] for it.
fn classify<E>(
    err: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    key: Option<&ObjectKey>,
) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = || DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::ConstructionFailure(_) => StoreError::Misconfigured(detail()),
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            match (status, service.err().code(), key) {
                (_, Some("NoSuchBucket"), _) => StoreError::Misconfigured(detail()),
                (404, _, Some(key)) => StoreError::NotFound { key: key.to_string() },
                // No key looked up (a bucket operation, a PUT): the bucket is missing.
                (404, _, None) => StoreError::Misconfigured(format!("bucket missing? {}", detail())),
                (408 | 429 | 500..=599, _, _) => StoreError::Unavailable(detail()),
                // A redirect is a bucket in another region than configured.
                (300..=399, _, _) => StoreError::Misconfigured(detail()),
                _ => StoreError::Rejected(detail()),
            }
        }
        // Timeouts, connection failures, unreadable responses, and anything newer.
        _ => StoreError::Unavailable(detail()),
    }
}

/// An SDK body as a stream of chunks.
fn stream_of(body: ByteStream) -> ObjectStream {
    futures::stream::try_unfold(body, |mut body| async move {
        match body.try_next().await {
            Ok(Some(chunk)) => Ok(Some((chunk, body))),
            Ok(None) => Ok(None),
            Err(err) => {
                Err(StoreError::Unavailable(format!("reading the object: {}", DisplayErrorContext(&err))))
            }
        }
    })
    .boxed()
}

fn presigning(expires_in: Duration) -> Result<PresigningConfig, StoreError> {
    PresigningConfig::expires_in(expires_in)
        .map_err(|err| StoreError::Misconfigured(format!("URL expiry {expires_in:?}: {err}")))
}

#[async_trait]
impl Store for S3Store {
    async fn put(&self, key: &ObjectKey, bytes: Bytes, content_type: &str) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|err| classify(err, None))?;
        Ok(())
    }

    async fn get(&self, key: &ObjectKey) -> Result<ObjectStream, StoreError> {
        let output = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|err| classify(err, Some(key)))?;
        Ok(stream_of(output.body))
    }

    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectMeta>, StoreError> {
        match self.client.head_object().bucket(&self.bucket).key(key.as_str()).send().await {
            Ok(output) => Ok(Some(ObjectMeta {
                len: output.content_length().and_then(|len| u64::try_from(len).ok()).unwrap_or(0),
                content_type: output.content_type().map(str::to_owned),
            })),
            Err(err) => match classify(err, Some(key)) {
                StoreError::NotFound { .. } => Ok(None),
                other => Err(other),
            },
        }
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        // S3 answers 204 whether or not the object existed: deleting twice is fine.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|err| classify(err, Some(key)))?;
        Ok(())
    }

    async fn read_prefix(&self, key: &ObjectKey, len: usize) -> Result<Bytes, StoreError> {
        if len == 0 {
            return match self.head(key).await? {
                Some(_) => Ok(Bytes::new()),
                None => Err(StoreError::NotFound { key: key.to_string() }),
            };
        }
        let request = self.client.get_object().bucket(&self.bucket).key(key.as_str());
        let output = match request.range(format!("bytes=0-{}", len - 1)).send().await {
            Ok(output) => output,
            // 416: the object is empty, so no byte range of it exists.
            Err(SdkError::ServiceError(service)) if service.raw().status().as_u16() == 416 => {
                return Ok(Bytes::new());
            }
            Err(err) => return Err(classify(err, Some(key))),
        };
        // A server that ignores Range sends everything: stop reading at `len`.
        let mut chunks = stream_of(output.body);
        let mut prefix = BytesMut::with_capacity(len.min(64 * 1024));
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            let wanted = (len - prefix.len()).min(chunk.len());
            prefix.extend_from_slice(&chunk[..wanted]);
            if prefix.len() == len {
                break;
            }
        }
        Ok(prefix.freeze())
    }

    async fn presign_put(
        &self,
        key: &ObjectKey,
        content_type: &str,
        content_length: u64,
        expires_in: Duration,
    ) -> Result<PresignedRequest, StoreError> {
        let content_length = i64::try_from(content_length)
            .map_err(|_| StoreError::TooLarge { limit: i64::MAX.unsigned_abs() })?;
        let presigning = presigning(expires_in)?;
        // Within presigning's 7-day limit, so the addition cannot overflow.
        let expires_at = Utc::now() + expires_in;
        // Content type and length are signed headers: S3 refuses any other type or size.
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .content_length(content_length)
            .presigned(presigning)
            .await
            .map_err(|err| classify(err, None))?;
        Ok(PresignedRequest {
            url: request.uri().to_owned(),
            method: request.method().to_owned(),
            headers: request
                .headers()
                .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
                .collect(),
            expires_at,
        })
    }

    async fn presign_get(&self, key: &ObjectKey, expires_in: Duration) -> Result<String, StoreError> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .presigned(presigning(expires_in)?)
            .await
            .map_err(|err| classify(err, None))?;
        Ok(request.uri().to_owned())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.client.head_bucket().bucket(&self.bucket).send().await.map_err(|err| classify(err, None))?;
        Ok(())
    }
}
