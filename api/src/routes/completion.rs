//! `POST /v1/punches/{id}/photo/complete`: the app says its upload finished. After the
//! auth and tenancy checks, `punchline_ingest::complete_upload` checks the object is
//! there, within the size limit and looks like a JPEG, PNG or HEIC (magic bytes only:
//! nothing is decoded here), then records the upload and its job in one transaction (the
//! outbox row the relay publishes, woken here). Calling it again is harmless.

use axum::extract::State;
use axum::Json;
use punchline_domain::{PunchId, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::PathId;
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
    let completion = punchline_ingest::complete_upload(
        state.records.as_ref(),
        state.store.as_ref(),
        &details.photo,
        state.settings.max_photo_bytes,
    )
    .await?;
    if completion.is_new() {
        if let Some(wake) = &state.outbox_wake {
            // The job is committed to the outbox: have the relay publish it now.
            wake.notify_one();
        }
    }
    Ok(Json(CompletionView { photo: completion.photo.into() }))
}
