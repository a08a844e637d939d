//! Review: supervisors and admins list the punches waiting for a person and record their
//! decisions, which sit beside the machine's verdict and never change it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use punchline_domain::{PunchId, Review, Role, VerdictState};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, PathId, QueryParams};
use crate::routes::punches::{page_filter, punch_page};
use crate::schema::punch::PunchPage;
use crate::schema::review::{ReviewBody, ReviewView};
use crate::state::AppState;

const REVIEWERS: &[Role] = &[Role::Supervisor, Role::Admin];
const REVIEWERS_ONLY: &str = "only supervisors and admins review punches";

/// The review routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(review_queue)).routes(routes!(review_punch))
}

/// Filters of the review queue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// The verdict state to list (default `needs_review`).
    #[param(value_type = Option<String>, example = "needs_review")]
    pub state: Option<VerdictState>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// The organisation's punches with this verdict state that no one has reviewed yet,
/// newest first (supervisors and admins).
#[utoipa::path(
    get, path = "/v1/review", tag = "review",
    params(QueueQuery),
    responses(
        (status = 200, description = "A page of unreviewed punches", body = PunchPage),
        (status = 400, description = "Unreadable query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a supervisor or admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn review_queue(
    State(state): State<AppState>,
    caller: AuthUser,
    QueryParams(query): QueryParams<QueueQuery>,
) -> Result<Json<PunchPage>, ApiError> {
    caller.require(REVIEWERS, REVIEWERS_ONLY)?;
    let mut filter = page_filter(query.cursor.as_deref(), query.limit)?;
    filter.verdict = Some(query.state.unwrap_or(VerdictState::NeedsReview));
    filter.unreviewed = true;
    Ok(Json(punch_page(&state, &caller, &filter).await?))
}

/// Record a decision on a punch (supervisors and admins): who, when and why are kept,
/// listed in the punch's `reviews`.
#[utoipa::path(
    post, path = "/v1/punches/{id}/review", tag = "review",
    params(("id" = uuid::Uuid, Path, description = "The punch's id")),
    request_body = ReviewBody,
    responses(
        (status = 201, description = "Recorded", body = ReviewView),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a supervisor or admin", body = ErrorBody),
        (status = 404, description = "No such punch in the caller's organisation", body = ErrorBody),
        (status = 422, description = "Invalid decision (a rejection without a reason)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn review_punch(
    State(state): State<AppState>,
    caller: AuthUser,
    PathId(id): PathId<PunchId>,
    JsonBody(body): JsonBody<ReviewBody>,
) -> Result<(StatusCode, Json<ReviewView>), ApiError> {
    caller.require(REVIEWERS, REVIEWERS_ONLY)?;
    let reason = body.checked_reason()?;
    state.records.punch(caller.org, id).await?.ok_or(ApiError::NotFound("punch"))?;
    state.members.ensure(state.records.as_ref(), &caller).await?;
    let review = Review { decision: body.decision, reviewer: caller.user, at: Utc::now(), reason };
    state.records.add_review(caller.org, id, &review).await?;
    Ok((StatusCode::CREATED, Json(review.into())))
}
