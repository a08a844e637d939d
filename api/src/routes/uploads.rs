//! The embedded store's signed URLs, served by the API itself: `PUT /v1/uploads/{token}`
//! streams a photo to disk (never whole in memory) and `GET /v1/files/{token}` streams a
//! stored object back. The token is the credential: HMAC-signed by the store, bound to
//! one object, a content type, a maximum length and an expiry. With S3 the apps use S3's
//! presigned URLs instead and these routes answer `404`.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use punchline_backends::store::{LocalStore, Store};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The signed upload and download routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload_object)).routes(routes!(download_object))
}

fn local_store(state: &AppState) -> Result<&Arc<LocalStore>, ApiError> {
    state.local_store.as_ref().ok_or(ApiError::NotFound("URL"))
}

/// Upload a photo to the URL a new punch was given (embedded store only). Send exactly
/// the headers it came with; the body is the photo's bytes.
#[utoipa::path(
    put, path = "/v1/uploads/{token}", tag = "uploads",
    params(("token" = String, Path, description = "The signed token from the upload URL")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "The photo's bytes (image/jpeg, image/png or image/heic, as signed)"),
    responses(
        (status = 200, description = "Stored"),
        (status = 400, description = "The upload was cut short", body = ErrorBody),
        (status = 403, description = "Tampered or expired URL", body = ErrorBody),
        (status = 404, description = "Not the embedded store", body = ErrorBody),
        (status = 413, description = "Longer than the URL allows", body = ErrorBody),
        (status = 415, description = "Not the content type the URL was signed for", body = ErrorBody),
    )
)]
async fn upload_object(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let store = local_store(&state)?;
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let content_length = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let grant = store.verify_upload(&token, content_type, content_length)?;
    let max_len = grant.max_len.min(state.settings.max_photo_bytes);
    let written =
        store.write_stream(&grant.key, &grant.content_type, body.into_data_stream(), max_len).await?;
    metrics::counter!("punchline_upload_bytes_total").increment(written);
    Ok(StatusCode::OK)
}

/// Download a stored object (a variant) through a URL from a punch's details (embedded
/// store only).
#[utoipa::path(
    get, path = "/v1/files/{token}", tag = "uploads",
    params(("token" = String, Path, description = "The signed token from the download URL")),
    responses(
        (status = 200, description = "The object's bytes", content_type = "image/jpeg", body = Vec<u8>),
        (status = 403, description = "Tampered or expired URL", body = ErrorBody),
        (status = 404, description = "No such object, or not the embedded store", body = ErrorBody),
    )
)]
async fn download_object(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let store = local_store(&state)?;
    let key = store.verify_download(&token)?;
    let meta = store.head(&key).await?.ok_or(ApiError::NotFound("object"))?;
    let stream = store.get(&key).await?;
    let content_type = meta.content_type.unwrap_or_else(|| "application/octet-stream".into());
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(CONTENT_TYPE, value);
    }
    headers.insert(CONTENT_LENGTH, HeaderValue::from(meta.len));
    // The URL is short-lived and private to its holder: no shared caches.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    Ok(response)
}
