//! The one error type of the API. Every failure becomes an [`ApiError`], and
//! [`ApiError::status_and_code`] is the one table that maps it to an HTTP status and a
//! stable `code`. Clients get `{code, message}`; internal details (database errors,
//! store errors) only go to the log, tagged with the request id the response carries.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use punchline_backends::store::StoreError;
use punchline_backends::RecordsError;
use punchline_ingest::CompletionError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_context;

/// Why a request failed. Messages of the client-facing variants are shown to the
/// client as they are: they must never hold another organisation's ids or counts.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No usable credentials: missing, malformed, expired or wrongly signed token.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Valid credentials whose role may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The thing does not exist in the caller's organisation (or is not theirs to see).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body is not JSON, or not well-formed JSON.
    #[error("{0}")]
    MalformedJson(String),
    /// A request that cannot be read for another reason (an upload cut short).
    #[error("{0}")]
    BadRequest(String),
    /// A query string parameter is missing, unknown or unreadable.
    #[error("{0}")]
    BadQuery(String),
    /// Well-formed JSON that does not describe a valid request (wrong field, bad value).
    #[error("{0}")]
    Invalid(String),
    /// The request contradicts what was recorded before (same client id, other body).
    #[error("{0}")]
    Conflict(String),
    /// The photo's upload has not arrived yet.
    #[error("{0}")]
    UploadMissing(String),
    /// The uploaded object is not acceptable (too large, not a JPEG/PNG/HEIC).
    #[error("{0}")]
    UploadRejected(String),
    /// The body is larger than the route accepts.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The request's content type is not the one the route takes.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The client sent too many requests; it may retry after this many seconds.
    #[error("too many requests: retry after {0} s")]
    RateLimited(u64),
    /// The request took longer than the configured timeout.
    #[error("the request took too long")]
    Timeout,
    /// A dependency (database, store, queue) is down for now: retrying later may work.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    /// A bug or a broken dependency; the detail is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable snake_case code to branch on (`not_found`, `invalid_request`, …).
    pub code: &'static str,
    /// A sentence for people saying what is wrong.
    pub message: String,
    /// The request id (also in the `x-request-id` header), to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiError {
    /// The table: every variant's HTTP status and stable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::BadQuery(_) => (StatusCode::BAD_REQUEST, "bad_query"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::UploadMissing(_) => (StatusCode::CONFLICT, "upload_missing"),
            ApiError::UploadRejected(_) => (StatusCode::UNPROCESSABLE_ENTITY, "upload_rejected"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Timeout => (StatusCode::REQUEST_TIMEOUT, "timeout"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// What the client is told. Server-side failures say only that they happened.
    fn public_message(&self) -> String {
        match self {
            ApiError::Unavailable(_) => "a backing service is unavailable; retry later".into(),
            ApiError::Internal(_) => "internal error".into(),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let request_id = request_context::current_request_id();
        if status.is_server_error() {
            // The detail stays here; the client gets the request id to quote.
            tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), code, error = %self, "request failed");
        }
        let body = ErrorBody { code, message: self.public_message(), request_id };
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::RateLimited(seconds) = self {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<RecordsError> for ApiError {
    fn from(error: RecordsError) -> ApiError {
        match error {
            RecordsError::NotFound { what } => ApiError::NotFound(what),
            // Handlers check what they can before writing; what remains is a race or a bug,
            // and the database's own message may name rows: keep it in the log.
            RecordsError::Conflict(detail) => {
                tracing::warn!(request_id = ?request_context::current_request_id(), %detail, "records conflict");
                ApiError::Conflict("the request conflicts with an existing record".into())
            }
            RecordsError::Invalid(detail) => {
                tracing::warn!(request_id = ?request_context::current_request_id(), %detail, "records refused input");
                ApiError::Invalid("the request refers to something that does not exist".into())
            }
            e if e.is_transient() => ApiError::Unavailable(e.to_string()),
            e => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound { .. } | StoreError::InvalidKey(_) => ApiError::NotFound("object"),
            StoreError::TooLarge { limit } => {
                ApiError::PayloadTooLarge(format!("the body is over the {limit}-byte limit"))
            }
            StoreError::BadSignature => ApiError::Forbidden("the URL's signature is not valid"),
            StoreError::Expired => ApiError::Forbidden("the URL has expired"),
            StoreError::ContentTypeMismatch { expected, .. } => {
                ApiError::UnsupportedMediaType(format!("this URL takes `Content-Type: {expected}` only"))
            }
            StoreError::UploadInterrupted(_) => ApiError::BadRequest("the upload was interrupted".into()),
            e if e.is_transient() => ApiError::Unavailable(e.to_string()),
            e => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<CompletionError> for ApiError {
    fn from(error: CompletionError) -> ApiError {
        match error {
            CompletionError::UploadMissing => ApiError::UploadMissing(
                "the photo has not been uploaded yet: send it to the upload URL first".into(),
            ),
            // Written for the app's user: the limit, or that it is not a photo.
            CompletionError::UploadRejected(rejection) => ApiError::UploadRejected(rejection.to_string()),
            CompletionError::Store(e) => e.into(),
            CompletionError::Records(e) => e.into(),
            CompletionError::JobEncoding(e) => ApiError::Internal(format!("job message: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_hide_their_detail() {
        let error = ApiError::Internal("password=hunter2 at db:5432".into());
        assert_eq!(error.public_message(), "internal error");
        assert_eq!(error.status_and_code().0, StatusCode::INTERNAL_SERVER_ERROR);
        let error = ApiError::Unavailable("connection refused to 10.0.0.7".into());
        assert!(!error.public_message().contains("10.0.0.7"));
    }

    #[test]
    fn records_errors_map_to_statuses() {
        let not_found: ApiError = RecordsError::NotFound { what: "punch" }.into();
        assert_eq!(not_found.status_and_code(), (StatusCode::NOT_FOUND, "not_found"));
        assert_eq!(not_found.to_string(), "punch not found");
        let conflict: ApiError = RecordsError::Conflict("duplicate key (org_id, id)".into()).into();
        assert!(!conflict.public_message().contains("org_id"));
    }

    #[test]
    fn completion_errors_keep_their_codes_and_classification() {
        let missing: ApiError = CompletionError::UploadMissing.into();
        assert_eq!(missing.status_and_code(), (StatusCode::CONFLICT, "upload_missing"));
        let too_large: ApiError =
            CompletionError::UploadRejected(punchline_ingest::UploadRejection::TooLarge {
                bytes: 9,
                limit: 8,
            })
            .into();
        assert_eq!(too_large.status_and_code(), (StatusCode::UNPROCESSABLE_ENTITY, "upload_rejected"));
        assert!(too_large.public_message().contains("over the 8-byte limit"));
        let store_down: ApiError = CompletionError::Store(StoreError::Unavailable("10.0.0.7".into())).into();
        assert_eq!(store_down.status_and_code().1, "unavailable");
        let bad_key: ApiError = CompletionError::Store(StoreError::InvalidKey("x".into())).into();
        assert_eq!(bad_key.status_and_code().1, "not_found");
    }
}
