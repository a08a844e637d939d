//! Signing in and out.
//!
//! A login link (`/console/login/{token}`) opens a page with one button: the token is used
//! only when that form is sent, so a chat or mail client that fetches links to preview
//! them does not use it up. The form carries a CSRF token that must match a cookie the
//! page set (no session exists yet to hold one). Using the link starts a session; the
//! link never works again, and expires after `console.login_ttl_s` unused.
//!
//! A deployment with its own sign-in sends the supervisor's bearer token once to
//! `POST /console/session`, which answers with the session cookie.

use axum::extract::{Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::{DateTime, Utc};
use punchline_backends::records::{Grant, NewLogin, Records};
use punchline_domain::{OrgId, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ConsoleError;
use super::layout;
use super::session::{self, ConsoleUser, SESSION_COOKIE};
use super::{secrets, ConsoleSettings};
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::membership::Members;
use crate::state::AppState;

/// The cookie that pairs the login page with its form (double-submit CSRF).
const LOGIN_COOKIE: &str = "punchline_login";

/// A login link just made.
#[derive(Debug, Clone)]
pub struct LoginLink {
    /// The URL to open in a browser.
    pub url: String,
    /// When it stops working if unused.
    pub expires_at: DateTime<Utc>,
}

/// Makes a one-time login link for `user` of `org` (a supervisor or admin), creating
/// their organisation and user rows if this is their first appearance (as the JSON API
/// does on a first write).
pub async fn create_login_link(
    records: &dyn Records,
    settings: &ConsoleSettings,
    org: OrgId,
    user: UserId,
    role: Role,
) -> Result<LoginLink, ApiError> {
    if !role.can_review() {
        return Err(ApiError::Forbidden("workers cannot open the console"));
    }
    Members::default().ensure(records, &AuthUser { org, user, role }).await?;
    let token = secrets::new_secret()?;
    let now = Utc::now();
    let expires_at =
        now + chrono::TimeDelta::from_std(settings.login_ttl).unwrap_or(chrono::TimeDelta::minutes(15));
    let login =
        NewLogin { token_hash: secrets::digest(&token), org, user, role, created_at: now, expires_at };
    records.create_login(&login).await?;
    Ok(LoginLink { url: format!("{}/console/login/{token}", settings.public_url), expires_at })
}

/// The page a login link opens: one button that uses it.
pub async fn login_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ConsoleError> {
    let csrf = secrets::new_secret()?;
    let max_age = state.settings.console.login_ttl.as_secs();
    let cookie = session::set_cookie(&state, LOGIN_COOKIE, &csrf, "/console/login", max_age);
    Ok(([(SET_COOKIE, cookie)], layout::login_page(&token, &csrf)).into_response())
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    csrf: String,
}

/// Uses the link and starts the session.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, ConsoleError> {
    let paired = session::cookie(&headers, LOGIN_COOKIE).is_some_and(|c| secrets::same(c, &form.csrf));
    if !paired {
        return Err(ConsoleError::Csrf);
    }
    let Some(grant) = state.records.redeem_login(&secrets::digest(&form.token), Utc::now()).await? else {
        return Ok((StatusCode::UNAUTHORIZED, layout::link_used_page()).into_response());
    };
    let (_, set_session) = session::start(&state, grant).await?;
    let clear_login = session::set_cookie(&state, LOGIN_COOKIE, "", "/console/login", 0);
    // Two cookies: appended, since a header array would keep only the last.
    Ok((AppendHeaders([set_session, (SET_COOKIE, clear_login)]), Redirect::to("/console/queue"))
        .into_response())
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Ends the session: its cookie stops working at once, here and in any copy of it.
pub async fn logout(
    State(state): State<AppState>,
    user: ConsoleUser,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    user.check_csrf(&form.csrf)?;
    state.records.end_session(user.session_hash(), Utc::now()).await?;
    let clear = session::set_cookie(&state, SESSION_COOKIE, "", "/console", 0);
    Ok(([(SET_COOKIE, clear)], Redirect::to("/console/signed-out")).into_response())
}

/// Where signing out lands.
pub async fn signed_out() -> Response {
    layout::signed_out_page().into_response()
}

/// The session endpoint, documented with the JSON API.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_session))
}

/// A console session just started.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// When the session ends (`console.session_ttl_s` from now).
    pub expires_at: DateTime<Utc>,
    /// Where the console starts.
    #[schema(example = "/console/queue")]
    pub console_url: String,
}

/// Start a console session for the bearer (supervisors and admins): the answer sets the
/// `punchline_session` cookie (HttpOnly, SameSite=Strict) that the console's pages take.
/// For deployments that sign supervisors in themselves; `punchline token --login` makes
/// one-time login links instead.
#[utoipa::path(
    post, path = "/console/session", tag = "console",
    responses(
        (status = 201, description = "Signed in: the session cookie is set", body = SessionView,
         headers(("set-cookie" = String, description = "punchline_session=…; Path=/console; HttpOnly; SameSite=Strict"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a supervisor or admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn create_session(State(state): State<AppState>, caller: AuthUser) -> Result<Response, ApiError> {
    caller.require(&[Role::Supervisor, Role::Admin], "workers cannot open the console")?;
    state.members.ensure(state.records.as_ref(), &caller).await?;
    let grant = Grant { org: caller.org, user: caller.user, role: caller.role };
    let (started, cookie) = session::start(&state, grant).await.map_err(|e| match e {
        ConsoleError::Api(api) => api,
        other => ApiError::Internal(other.to_string()),
    })?;
    let view = SessionView { expires_at: started.expires_at, console_url: "/console/queue".into() };
    Ok((StatusCode::CREATED, [cookie], Json(view)).into_response())
}
