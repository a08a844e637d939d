//! `POST /v1/punches/{id}/photo/complete`: the app says its upload finished. The API
//! checks the object is there, within the size limit and looks like a JPEG, PNG or HEIC
//! (magic bytes only: it never decodes), then records the upload and its job in one
//! transaction (the outbox row the relay publishes). Calling it again is harmless.

use axum::extract::State;
use axum::Json;
use punchline_backends::records::UploadedPhoto;
use punchline_backends::store::ObjectKey;
use punchline_domain::{PhotoJob, PhotoState, PunchId, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::PathId;
use crate::photo_type::{sniff, SNIFF_LEN};
use crate::routes::punches::visible_punch;
use crate::schema::punch::CompletionView;
use crate::state::AppState;

/// The completion route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(complete_upload))
}

/// Hand the uploaded photo to processing (the punch's worker). Idempotent: once the
/// upload is recorded, later calls answer with the photo's current state.
#[utoipa::path(
    post, path = "/v1/punches/{id}/photo/complete", tag = "punches",
    params(("id" = uuid::Uuid, Path, description = "The punch's id")),
    responses(
        (status = 200, description = "The upload is recorded and queued (or was before)", body = CompletionView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a worker", body = ErrorBody),
        (status = 404, description = "No such punch of the caller", body = ErrorBody),
        (status = 409, description = "Nothing has been uploaded yet", body = ErrorBody),
        (status = 422, description = "The upload is too large or not a JPEG, PNG or HEIC", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn complete_upload(
    State(state): State<AppState>,
    caller: AuthUser,
    PathId(id): PathId<PunchId>,
) -> Result<Json<CompletionView>, ApiError> {
    caller.require(&[Role::Worker], "only the punch's worker completes its upload")?;
    let details = visible_punch(&state, &caller, id).await?;
    let photo = details.photo;
    if photo.state != PhotoState::PendingUpload {
        return Ok(Json(CompletionView { photo: photo.into() }));
    }
    let key: ObjectKey = photo.object_key.parse()?;
    let meta = state.store.head(&key).await?.ok_or_else(|| {
        ApiError::UploadMissing("the photo has not been uploaded yet: send it to the upload URL first".into())
    })?;
    let max_bytes = state.settings.max_photo_bytes;
    if meta.len > max_bytes {
        return Err(ApiError::UploadRejected(format!(
            "the upload is {} bytes, over the {max_bytes}-byte limit",
            meta.len
        )));
    }
    let prefix = state.store.read_prefix(&key, SNIFF_LEN).await?;
    let format = sniff(&prefix)
        .ok_or_else(|| ApiError::UploadRejected("the upload is not a JPEG, PNG or HEIC image".into()))?;
    let job = PhotoJob::new(caller.org, photo.id, details.punch.id, key.as_str());
    let job = serde_json::from_slice(&job.to_json())
        .map_err(|e| ApiError::Internal(format!("job message: {e}")))?;
    let uploaded = UploadedPhoto { bytes: meta.len, format };
    state.records.complete_upload(caller.org, photo.id, &uploaded, &job).await?;
    metrics::counter!("punchline_uploads_completed_total", "format" => format.as_str()).increment(1);
    // Read back: the state and upload facts as recorded (by this call or a racing one).
    let photo = state.records.photo(caller.org, photo.id).await?.ok_or(ApiError::NotFound("punch"))?;
    Ok(Json(CompletionView { photo: photo.into() }))
}
