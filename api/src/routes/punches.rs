//! `/v1/punches`: workers create punches (and get an upload URL for the photo) and read
//! their own; supervisors and admins read the organisation's.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use punchline_backends::records::{NewPhoto, PunchCreation, PunchDetails, PunchFilter};
use punchline_backends::store::ObjectKey;
use punchline_domain::{PhotoId, PhotoState, Punch, PunchId, Role, SiteId, UserId, VerdictState};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, PathId, QueryParams};
use crate::photo_type::accepted_type;
use crate::schema::punch::{
    CreatePunch, CreatedPunchView, PunchDetailsView, PunchPage, VariantView, VerdictView,
};
use crate::state::AppState;

/// Page size when the client does not ask for one.
const DEFAULT_PAGE: u32 = 50;

/// The punch routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_punch, list_punches)).routes(routes!(get_punch))
}

/// Create a punch (workers), or find the one an earlier request with this `client_id`
/// made. The answer carries the photo's upload request while the photo is not uploaded.
#[utoipa::path(
    post, path = "/v1/punches", tag = "punches",
    request_body = CreatePunch,
    responses(
        (status = 201, description = "Created", body = CreatedPunchView),
        (status = 200, description = "Made before by a request with the same client_id and body", body = CreatedPunchView),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a worker", body = ErrorBody),
        (status = 404, description = "No such site in the caller's organisation", body = ErrorBody),
        (status = 409, description = "The client_id was used for a different punch", body = ErrorBody),
        (status = 422, description = "Invalid punch (coordinates, device time in the future, photo type or size)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn create_punch(
    State(state): State<AppState>,
    caller: AuthUser,
    JsonBody(body): JsonBody<CreatePunch>,
) -> Result<(StatusCode, Json<CreatedPunchView>), ApiError> {
    caller.require(&[Role::Worker], "only workers punch")?;
    let received_at = Utc::now();
    let punch = checked_punch(&state, &caller, &body, received_at)?;
    let site = state.records.site(caller.org, punch.site).await?.ok_or(ApiError::NotFound("site"))?;
    if !site.active {
        return Err(ApiError::Invalid("site_id: the site is inactive and takes no punches".into()));
    }
    state.members.ensure(state.records.as_ref(), &caller).await?;
    let photo_id = PhotoId::new();
    let photo = NewPhoto { id: photo_id, object_key: ObjectKey::original(caller.org, photo_id).to_string() };
    let created = state.records.create_punch(caller.org, &punch, &photo).await?;
    let status = match created.creation {
        PunchCreation::Created => StatusCode::CREATED,
        PunchCreation::Existing { same_body: true } => StatusCode::OK,
        PunchCreation::Existing { same_body: false } => {
            return Err(ApiError::Conflict(format!(
                "client_id {:?} was already used for a different punch",
                body.client_id
            )));
        }
    };
    // A retry gets a fresh URL: the first answer may never have reached the phone.
    let upload = match created.photo.state {
        PhotoState::PendingUpload => {
            let key: ObjectKey = created.photo.object_key.parse()?;
            let content_type = body.photo.content_type.to_ascii_lowercase();
            let request = state
                .store
                .presign_put(&key, &content_type, body.photo.content_length, state.settings.upload_url_ttl)
                .await?;
            Some(request.into())
        }
        _ => None,
    };
    let view = CreatedPunchView { punch: created.punch.into(), photo: created.photo.into(), upload };
    Ok((status, Json(view)))
}

/// The punch the body describes, after every check that needs no database.
fn checked_punch(
    state: &AppState,
    caller: &AuthUser,
    body: &CreatePunch,
    received_at: DateTime<Utc>,
) -> Result<Punch, ApiError> {
    let client_id = body.client_id()?;
    let max_skew = state.settings.max_future_skew;
    let ahead = body.device_time.with_timezone(&Utc) - received_at;
    if ahead > max_skew {
        return Err(ApiError::Invalid(format!(
            "device_time is {} s ahead of the server's clock; at most {} s is accepted",
            ahead.num_seconds(),
            max_skew.num_seconds()
        )));
    }
    if accepted_type(&body.photo.content_type).is_none() {
        return Err(ApiError::Invalid(format!(
            "photo.content_type {:?} is not one of image/jpeg, image/png, image/heic",
            body.photo.content_type
        )));
    }
    let max_bytes = state.settings.max_photo_bytes;
    if body.photo.content_length == 0 || body.photo.content_length > max_bytes {
        return Err(ApiError::Invalid(format!(
            "photo.content_length must be 1 to {max_bytes} bytes, got {}",
            body.photo.content_length
        )));
    }
    let punch = Punch {
        id: PunchId::new(),
        org: caller.org,
        client_id,
        kind: body.kind,
        worker: caller.user,
        site: body.site_id,
        device_time: body.device_time,
        device_location: body.device_location.map(Into::into),
        received_at,
    };
    punch.validate().map_err(|e| ApiError::Invalid(e.to_string()))?;
    Ok(punch)
}

/// The punch, its photo, verdict, variants (with short-lived URLs) and reviews. Workers
/// see their own punches only, and their flags without evidence (which may name other
/// workers' photos).
#[utoipa::path(
    get, path = "/v1/punches/{id}", tag = "punches",
    params(("id" = uuid::Uuid, Path, description = "The punch's id")),
    responses(
        (status = 200, description = "The punch", body = PunchDetailsView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such punch visible to the caller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn get_punch(
    State(state): State<AppState>,
    caller: AuthUser,
    PathId(id): PathId<PunchId>,
) -> Result<Json<PunchDetailsView>, ApiError> {
    let details = visible_punch(&state, &caller, id).await?;
    let mut variants = Vec::with_capacity(details.variants.len());
    for variant in details.variants {
        let key: ObjectKey = variant.object_key.parse()?;
        let url = state.store.presign_get(&key, state.settings.download_url_ttl).await?;
        let expires_at = Utc::now() + state.settings.download_url_ttl;
        variants.push(VariantView {
            size: variant.size,
            width: variant.width,
            height: variant.height,
            url,
            expires_at,
        });
    }
    let mut verdict: Option<VerdictView> = details.verdict.map(Into::into);
    if !caller.sees_whole_org() {
        // Evidence can name other workers' photos and punches (a reused photo's match):
        // that is for supervisors' eyes. Workers keep the codes and messages.
        verdict.iter_mut().flat_map(|v| v.flags.iter_mut()).for_each(|f| f.evidence = serde_json::json!({}));
    }
    Ok(Json(PunchDetailsView {
        punch: details.punch.into(),
        photo: details.photo.into(),
        verdict,
        variants,
        reviews: details.reviews.into_iter().map(Into::into).collect(),
    }))
}

/// The punch's details if the caller may see it: their own, or any of their
/// organisation's for supervisors and admins. Anything else is not found.
pub(crate) async fn visible_punch(
    state: &AppState,
    caller: &AuthUser,
    id: PunchId,
) -> Result<PunchDetails, ApiError> {
    let details = state.records.punch_details(caller.org, id).await?.ok_or(ApiError::NotFound("punch"))?;
    if !caller.sees_whole_org() && details.punch.worker != caller.user {
        return Err(ApiError::NotFound("punch"));
    }
    Ok(details)
}

/// Filters of the punch listing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only punches at this site.
    #[param(value_type = Option<uuid::Uuid>)]
    pub site_id: Option<SiteId>,
    /// Only this worker's punches (workers may only name themselves).
    #[param(value_type = Option<uuid::Uuid>)]
    pub worker_id: Option<UserId>,
    /// Only punches whose verdict is `verified`, `needs_review` or `failed`.
    #[param(value_type = Option<String>)]
    pub state: Option<VerdictState>,
    /// Received at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<Utc>>,
    /// Received before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<Utc>>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// A page of punches, newest first. Workers see their own; supervisors and admins the
/// organisation's.
#[utoipa::path(
    get, path = "/v1/punches", tag = "punches",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of punches", body = PunchPage),
        (status = 400, description = "Unreadable query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A worker asked for another worker's punches", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list_punches(
    State(state): State<AppState>,
    caller: AuthUser,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<PunchPage>, ApiError> {
    let mut filter = page_filter(query.cursor.as_deref(), query.limit)?;
    filter.site = query.site_id;
    filter.verdict = query.state;
    filter.received_from = query.from;
    filter.received_to = query.to;
    filter.worker = query.worker_id;
    if !caller.sees_whole_org() {
        if query.worker_id.is_some_and(|w| w != caller.user) {
            return Err(ApiError::Forbidden("workers list only their own punches"));
        }
        filter.worker = Some(caller.user);
    }
    Ok(Json(punch_page(&state, &caller, &filter).await?))
}

/// The first-page filter with the cursor and page size of a listing request.
pub(crate) fn page_filter(cursor: Option<&str>, limit: Option<u32>) -> Result<PunchFilter, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=PunchFilter::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadQuery(format!("limit must be 1 to {}", PunchFilter::MAX_LIMIT)));
    }
    let mut filter = PunchFilter::all(limit);
    filter.before = cursor
        .map(|c| {
            c.parse::<PunchId>().map_err(|_| ApiError::BadQuery("cursor is not one this API gave out".into()))
        })
        .transpose()?;
    Ok(filter)
}

/// One page of the filter's punches, with the cursor of the next.
pub(crate) async fn punch_page(
    state: &AppState,
    caller: &AuthUser,
    filter: &PunchFilter,
) -> Result<PunchPage, ApiError> {
    let rows = state.records.list_punches(caller.org, filter).await?;
    // A full page may have a successor; a short one is the last.
    let next_cursor =
        (rows.len() == filter.limit as usize).then(|| rows.last().map(|r| r.punch.id.to_string())).flatten();
    Ok(PunchPage { items: rows.into_iter().map(Into::into).collect(), next_cursor })
}
