//! The supervisors' console: server-rendered HTML pages under `/console/` where
//! supervisors and admins work the review queue, look at a punch's evidence drawn out
//! (the earlier photo it reuses, the geofence with both positions, the times), approve
//! or reject it, read workers' timesheets and export them for payroll.
//!
//! - Sign-in ([`signin`]): a one-time login link (`punchline token --login`), or a
//!   deployment's own bearer token sent once to `POST /console/session`; either sets a
//!   session cookie ([`session`]).
//! - Every page takes a [`session::ConsoleUser`] and scopes every query to its
//!   organisation: another organisation's ids are "not found", like ids nobody has.
//! - Every form that changes something carries the session's CSRF token. Pages are built
//!   with maud (checked at compile time, escaping by default), styled by one static
//!   stylesheet, and use no JavaScript: the Content-Security-Policy allows none.

pub mod error;
mod evidence;
mod export;
mod format;
mod layout;
mod map;
mod photos;
mod punch;
mod queue;
mod review;
pub mod secrets;
pub mod session;
pub mod settings;
pub mod signin;
mod sites;
mod timesheet;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};

pub use settings::ConsoleSettings;

use crate::state::AppState;

/// What every console response says to the browser: no scripts, nothing framed, no
/// referrer (a login link's token must not leak), no caching of pages.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The console's pages (the session endpoint is in [`signin::api_router`], beside the
/// JSON API's routes in the OpenAPI document).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(home))
        .route("/console/", get(home))
        .route("/console/static/console.css", get(stylesheet))
        .route("/console/login/{token}", get(signin::login_page))
        .route("/console/login", post(signin::login))
        .route("/console/logout", post(signin::logout))
        .route("/console/signed-out", get(signin::signed_out))
        .route("/console/queue", get(queue::show))
        .route("/console/punches/{id}", get(punch::show))
        .route("/console/punches/{id}/review", post(review::submit))
        .route("/console/punches/{id}/photo/{size}", get(photos::variant))
        .route("/console/workers", get(timesheet::workers))
        .route("/console/workers/{id}", get(timesheet::show))
        .route("/console/workers/{id}/timesheet.csv", get(export::worker_csv))
        .route("/console/export", get(export::show))
        .route("/console/export.csv", get(export::org_csv))
        .route("/console/sites", get(sites::list))
        .route("/console/sites/{id}", get(sites::show))
        .layer(middleware::map_response(security_headers))
}

async fn home() -> Redirect {
    Redirect::to("/console/queue")
}

async fn stylesheet() -> Response {
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
        (CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
    ];
    (headers, include_str!("static/console.css")).into_response()
}

/// Adds the browser-facing headers to every console response.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let fixed: [(&str, &str); 5] = [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
    ];
    for (name, value) in fixed {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
