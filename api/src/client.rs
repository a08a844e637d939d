//! A Rust client of the API that does what the apps do: create a site, create a punch,
//! upload its photo to the URL the API hands out, complete it, poll for the verdict.
//!
//! It speaks only HTTP (no shortcut into the server's internals), so `punchline demo`, the
//! end-to-end tests and the load benchmark exercise the same path a phone does. Enabled
//! by the `client` feature.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::schema::punch::{CompletionView, CreatePunch, CreatedPunchView, PunchDetailsView, UploadView};
use crate::schema::site::{CreateSite, SiteView};
use punchline_domain::{PhotoState, PunchId};

/// How often [`ApiClient::wait_for_result`] asks again.
const POLL_EVERY: Duration = Duration::from_millis(200);

/// Why a call did not get the answer it wanted.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The API answered with an error status and its `{code, message}` body.
    #[error("{method} {path}: {status} {code}: {message}")]
    Status {
        /// The request's method.
        method: Method,
        /// The request's path (or which URL it was, for an upload).
        path: String,
        /// The HTTP status.
        status: StatusCode,
        /// The API's stable error code (empty if the body was not the API's).
        code: String,
        /// The API's explanation.
        message: String,
    },
    /// The request did not get an answer (connection refused, reset, timed out).
    #[error("{0}")]
    Transport(#[from] reqwest::Error),
    /// The photo had no result when the wait ended.
    #[error("punch {punch}: no result after {waited:?} (photo state {state:?})")]
    Timeout {
        /// The punch waited for.
        punch: PunchId,
        /// How long it was waited for.
        waited: Duration,
        /// The photo's state when the wait ended.
        state: PhotoState,
    },
}

impl ClientError {
    /// The API's error code, when it answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Status { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// One caller of the API: a base URL and a bearer token.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    token: String,
}

impl ApiClient {
    /// A client of the API at `base_url` (e.g. `http://127.0.0.1:8080`) calling as the
    /// holder of `token`.
    pub fn new(base_url: &str, token: impl Into<String>) -> ApiClient {
        ApiClient {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap_or_else(|_| reqwest::Client::new()),
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.into(),
        }
    }

    /// The same API and connection pool, another caller.
    pub fn as_caller(&self, token: impl Into<String>) -> ApiClient {
        ApiClient { token: token.into(), ..self.clone() }
    }

    /// `POST /v1/sites` (an admin).
    pub async fn create_site(&self, site: &CreateSite) -> Result<SiteView, ClientError> {
        self.call(Method::POST, "/v1/sites", Some(site)).await
    }

    /// `POST /v1/punches` (a worker): the punch and where to upload its photo.
    pub async fn create_punch(&self, punch: &CreatePunch) -> Result<CreatedPunchView, ClientError> {
        self.call(Method::POST, "/v1/punches", Some(punch)).await
    }

    /// Sends the photo to the upload URL with the method and headers the API gave.
    pub async fn upload(&self, upload: &UploadView, photo: Vec<u8>) -> Result<(), ClientError> {
        let method = Method::from_bytes(upload.method.as_bytes()).unwrap_or(Method::PUT);
        let mut request = self.http.request(method.clone(), &upload.url).body(photo);
        for (name, value) in &upload.headers {
            request = request.header(name, value);
        }
        let response = request.send().await?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(status_error(method, "(upload URL)", response).await)
    }

    /// `POST /v1/punches/{id}/photo/complete`.
    pub async fn complete(&self, punch: PunchId) -> Result<CompletionView, ClientError> {
        self.call::<(), _>(Method::POST, &format!("/v1/punches/{punch}/photo/complete"), None).await
    }

    /// `GET /v1/punches/{id}`.
    pub async fn punch(&self, punch: PunchId) -> Result<PunchDetailsView, ClientError> {
        self.call::<(), _>(Method::GET, &format!("/v1/punches/{punch}"), None).await
    }

    /// Polls the punch until its photo is processed or failed, for at most `timeout`.
    pub async fn wait_for_result(
        &self,
        punch: PunchId,
        timeout: Duration,
    ) -> Result<PunchDetailsView, ClientError> {
        let started = tokio::time::Instant::now();
        loop {
            let details = self.punch(punch).await?;
            if matches!(details.photo.state, PhotoState::Processed | PhotoState::Failed) {
                return Ok(details);
            }
            if started.elapsed() >= timeout {
                return Err(ClientError::Timeout { punch, waited: timeout, state: details.photo.state });
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let mut request =
            self.http.request(method.clone(), format!("{}{path}", self.base_url)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        if !response.status().is_success() {
            return Err(status_error(method, path, response).await);
        }
        Ok(response.json().await?)
    }
}

async fn status_error(method: Method, path: &str, response: reqwest::Response) -> ClientError {
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let text = |field: &str| body.get(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    ClientError::Status {
        method,
        path: path.to_owned(),
        status,
        code: text("code"),
        message: text("message"),
    }
}

/// The content type an app declares for a photo file, from its extension (`.heic`,
/// `.heif`, `.hif`, `.png`, anything else JPEG). The server never trusts it: it sniffs
/// the bytes at completion.
pub fn content_type_for(file_name: &str) -> &'static str {
    let extension = file_name.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
    match extension.as_str() {
        "heic" | "heif" | "hif" => "image/heic",
        "png" => "image/png",
        _ => "image/jpeg",
    }
}
