//! The router: every route with its limits, in one place.

pub mod completion;
pub mod health;
pub mod punches;
pub mod review;
pub mod sites;
pub mod uploads;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::{middleware, Extension, Router};
use punchline_domain::config::ApiConfig;
use tower::util::option_layer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::openapi::{ApiDoc, OpenApiJson};
use crate::state::AppState;
use crate::{console, http_metrics, limits, openapi, request_context};

/// The whole API and its OpenAPI document.
pub fn build(state: AppState, config: &ApiConfig) -> (Router, utoipa::openapi::OpenApi) {
    let json_limit = usize::try_from(config.body_limit_bytes).unwrap_or(usize::MAX);
    // JSON routes: a token each, small bodies, the short timeout, per-token limits.
    let json_routes = OpenApiRouter::new()
        .merge(punches::router())
        .merge(completion::router())
        .merge(sites::router())
        .merge(review::router())
        .merge(console::signin::api_router())
        .layer(DefaultBodyLimit::max(json_limit))
        .layer(middleware::from_fn_with_state(
            Duration::from_secs(config.request_timeout_s),
            limits::enforce_timeout,
        ))
        .layer(option_layer(limits::per_token_limit(&config.rate_limit)));
    // Photo bytes: streamed to disk with their own length limit, and time for slow networks.
    let upload_routes = uploads::router().layer(middleware::from_fn_with_state(
        Duration::from_secs(config.upload_timeout_s),
        limits::enforce_timeout,
    ));
    let client_routes =
        json_routes.merge(upload_routes).layer(option_layer(limits::per_ip_limit(&config.rate_limit)));
    // Operations: probes and scrapers are not rate limited.
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(client_routes)
        .merge(health::router())
        .merge(openapi::router())
        .split_for_parts();
    let json = OpenApiJson(Arc::new(doc.to_json().unwrap_or_else(|_| "{}".into())));
    // The console's pages: HTML with their own security headers and session auth.
    let router = router
        .merge(console::router().layer(DefaultBodyLimit::max(json_limit)))
        .fallback(|| async { ApiError::NotFound("route") })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(Extension(json))
        .layer(option_layer(limits::cors(config)))
        .layer(middleware::from_fn(http_metrics::record_request))
        .layer(middleware::from_fn(request_context::assign_request_id))
        .with_state(state);
    (router, doc)
}
