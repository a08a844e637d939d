//! `/v1/sites`: admins create, change and deactivate job sites; everyone in the
//! organisation reads them (the worker app picks the site it punches at).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use punchline_domain::{Role, SiteId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, PathId};
use crate::schema::site::{CreateSite, SiteView, UpdateSite};
use crate::state::AppState;

const ADMINS_ONLY: &str = "only admins manage sites";

/// The site routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_site, list_sites)).routes(routes!(
        get_site,
        update_site,
        deactivate_site
    ))
}

/// Create a site (admins).
#[utoipa::path(
    post, path = "/v1/sites", tag = "sites",
    request_body = CreateSite,
    responses(
        (status = 201, description = "Created", body = SiteView),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "Invalid site (empty name, unknown time zone, bad coordinates)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn create_site(
    State(state): State<AppState>,
    caller: AuthUser,
    JsonBody(body): JsonBody<CreateSite>,
) -> Result<(StatusCode, Json<SiteView>), ApiError> {
    caller.require(&[Role::Admin], ADMINS_ONLY)?;
    let site = body.into_site(caller.org)?;
    state.members.ensure(state.records.as_ref(), &caller).await?;
    state.records.create_site(caller.org, &site).await?;
    Ok((StatusCode::CREATED, Json(site.into())))
}

/// The organisation's sites, active or not, by name.
#[utoipa::path(
    get, path = "/v1/sites", tag = "sites",
    responses(
        (status = 200, description = "The sites", body = [SiteView]),
        (status = 401, description = "No valid token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list_sites(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Vec<SiteView>>, ApiError> {
    let sites = state.records.sites(caller.org).await?;
    Ok(Json(sites.into_iter().map(SiteView::from).collect()))
}

/// One site.
#[utoipa::path(
    get, path = "/v1/sites/{id}", tag = "sites",
    params(("id" = uuid::Uuid, Path, description = "The site's id")),
    responses(
        (status = 200, description = "The site", body = SiteView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such site in the caller's organisation", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn get_site(
    State(state): State<AppState>,
    caller: AuthUser,
    PathId(id): PathId<SiteId>,
) -> Result<Json<SiteView>, ApiError> {
    let site = state.records.site(caller.org, id).await?.ok_or(ApiError::NotFound("site"))?;
    Ok(Json(site.into()))
}

/// Change a site's name, time zone, geofence or active flag (admins).
#[utoipa::path(
    patch, path = "/v1/sites/{id}", tag = "sites",
    params(("id" = uuid::Uuid, Path, description = "The site's id")),
    request_body = UpdateSite,
    responses(
        (status = 200, description = "The changed site", body = SiteView),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such site in the caller's organisation", body = ErrorBody),
        (status = 422, description = "Invalid change", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn update_site(
    State(state): State<AppState>,
    caller: AuthUser,
    PathId(id): PathId<SiteId>,
    JsonBody(body): JsonBody<UpdateSite>,
) -> Result<Json<SiteView>, ApiError> {
    caller.require(&[Role::Admin], ADMINS_ONLY)?;
    let site = state.records.site(caller.org, id).await?.ok_or(ApiError::NotFound("site"))?;
    let site = body.apply(site)?;
    state.records.update_site(caller.org, &site).await?;
    Ok(Json(site.into()))
}

/// Deactivate a site (admins). Sites are never erased: their punches keep referring to
/// them, so `DELETE` marks the site inactive (it takes no new punches) and `PATCH` with
/// `{"active": true}` brings it back. Deactivating twice is fine.
#[utoipa::path(
    delete, path = "/v1/sites/{id}", tag = "sites",
    params(("id" = uuid::Uuid, Path, description = "The site's id")),
    responses(
        (status = 204, description = "Deactivated"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such site in the caller's organisation", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn deactivate_site(
    State(state): State<AppState>,
    caller: AuthUser,
    PathId(id): PathId<SiteId>,
) -> Result<StatusCode, ApiError> {
    caller.require(&[Role::Admin], ADMINS_ONLY)?;
    let mut site = state.records.site(caller.org, id).await?.ok_or(ApiError::NotFound("site"))?;
    if site.active {
        site.active = false;
        state.records.update_site(caller.org, &site).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
