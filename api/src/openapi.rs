//! The OpenAPI 3.1 document, generated from the handlers' annotations as the router is
//! assembled (utoipa-axum), so every route in the router is in it and nothing else is;
//! served at `/openapi.json`.

use std::sync::Arc;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::Extension;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The document's fixed parts; the paths come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "punchline",
        description = "Photo punches for workforce timekeeping: create a punch, upload its photo, \
                       complete the upload, read the verdict; supervisors review, admins manage sites.\n\n\
                       Every route under /v1 except the signed upload and download URLs needs \
                       `Authorization: Bearer <JWT>`; every query is scoped to the token's organisation \
                       (another organisation's ids are 404). Errors are `{code, message, request_id}`.\n\n\
                       Supervisors' web console: HTML pages under /console/ signed in with a session \
                       cookie, from a one-time login link (`punchline token --login`) or from \
                       `POST /console/session` with a supervisor's or admin's bearer token."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "punches", description = "Create punches, upload and complete photos, read results"),
        (name = "sites", description = "Job sites and their geofences"),
        (name = "review", description = "Supervisors' decisions"),
        (name = "uploads", description = "The embedded store's signed upload and download URLs"),
        (name = "console", description = "The supervisors' web console (HTML under /console/): starting a session from a bearer token"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme the protected routes name.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
    }
}

/// The document, serialised once.
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub Arc<String>);

/// The `/openapi.json` route (its handler reads the serialised document from an
/// extension added once the document is complete).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)))]
async fn openapi_json(Extension(doc): Extension<OpenApiJson>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], doc.0.as_str().to_owned())
}
