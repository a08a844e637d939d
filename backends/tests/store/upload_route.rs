//! The smallest HTTP server that serves the local store's URLs the way the api will:
//! `PUT /v1/uploads/{token}` checks the token against the request's headers and streams
//! the body to disk; `GET /v1/files/{token}` streams the object back. It lets the presigned
//! URL tests drive both stores with the same plain HTTP client.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use punchline_backends::store::{LocalStore, Store, StoreError};

/// Serves `store`'s URLs on `listener` until the test's runtime ends.
pub fn serve(store: Arc<LocalStore>, listener: tokio::net::TcpListener) {
    let routes = Router::new()
        .route("/v1/uploads/{token}", put(upload))
        .route("/v1/files/{token}", get(download))
        .with_state(store);
    tokio::spawn(async move { axum::serve(listener, routes).await });
}

/// The status the api answers a store error with.
fn status_of(err: &StoreError) -> StatusCode {
    match err {
        StoreError::BadSignature | StoreError::Expired => StatusCode::FORBIDDEN,
        StoreError::ContentTypeMismatch { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        StoreError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
        StoreError::UploadInterrupted(_) | StoreError::InvalidKey(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn upload(
    State(store): State<Arc<LocalStore>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    let content_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let grant = match store.verify_upload(&token, content_type, content_length) {
        Ok(grant) => grant,
        Err(err) => return status_of(&err),
    };
    match store.write_stream(&grant.key, &grant.content_type, body.into_data_stream(), grant.max_len).await {
        Ok(_) => StatusCode::OK,
        Err(err) => status_of(&err),
    }
}

async fn download(State(store): State<Arc<LocalStore>>, Path(token): Path<String>) -> Response {
    let key = match store.verify_download(&token) {
        Ok(key) => key,
        Err(err) => return status_of(&err).into_response(),
    };
    let content_type = match store.head(&key).await {
        Ok(Some(meta)) => meta.content_type.unwrap_or_else(|| "application/octet-stream".to_owned()),
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(err) => return status_of(&err).into_response(),
    };
    match store.get(&key).await {
        Ok(stream) => ([(header::CONTENT_TYPE, content_type)], Body::from_stream(stream)).into_response(),
        Err(err) => status_of(&err).into_response(),
    }
}
