//! A punch's photo as the console shows it: the variant of the asked size, streamed from
//! the store through this route (never a store URL), so the page needs no other origin
//! (`img-src 'self'`) and the session's organisation decides what can be seen.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use punchline_backends::records::StoredVariant;
use punchline_backends::store::ObjectKey;
use punchline_domain::PunchId;

use super::error::ConsoleError;
use super::session::ConsoleUser;
use crate::state::AppState;

/// `GET /console/punches/{id}/photo/{size}`: the variant of that long edge, else the
/// next larger, else the largest there is. Variants are JPEGs (`variants.format`).
pub async fn variant(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path((id, size)): Path<(String, u32)>,
) -> Result<Response, ConsoleError> {
    let id: PunchId = id.parse().map_err(|_| ConsoleError::not_found("photo"))?;
    let variants = state.records.punch_variants(user.org, id).await?;
    let chosen = pick(&variants, size).ok_or(ConsoleError::not_found("photo"))?;
    let key: ObjectKey = chosen.object_key.parse()?;
    let stream = state.store.get(&key).await?;
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static("image/jpeg")),
        // Variants never change once stored; private: they are one organisation's.
        (CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600")),
    ];
    Ok((headers, Body::from_stream(stream)).into_response())
}

/// The variant to serve for `size` (variants are listed smallest first).
fn pick(variants: &[StoredVariant], size: u32) -> Option<&StoredVariant> {
    variants.iter().find(|v| v.size >= size).or_else(|| variants.last())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(size: u32) -> StoredVariant {
        StoredVariant { size, object_key: String::new(), width: size, height: size, bytes: 1 }
    }

    #[test]
    fn the_asked_size_or_the_next_larger_or_the_largest() {
        let all = [variant(300), variant(800), variant(1200)];
        assert_eq!(pick(&all, 300).map(|v| v.size), Some(300));
        assert_eq!(pick(&all, 500).map(|v| v.size), Some(800));
        assert_eq!(pick(&all, 4000).map(|v| v.size), Some(1200));
        assert!(pick(&[], 300).is_none());
    }
}
