//! Browser sessions: the cookie, the signed-in user every page takes ([`ConsoleUser`]),
//! and the CSRF check every form's handler makes.
//!
//! The cookie holds a random secret; the records hold its digest with the user, the
//! organisation, the role, the expiry and the session's CSRF token. The cookie is
//! `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends it) and
//! `Secure` when the console is served over HTTPS.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Utc};
use punchline_backends::records::{ConsoleSession, Grant};
use punchline_domain::{OrgId, Role, UserId};

use super::error::ConsoleError;
use super::secrets;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "punchline_session";

/// The signed-in supervisor or admin a console page is for.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    /// Every query of the page is scoped to it.
    pub org: OrgId,
    /// Who is signed in.
    pub user: UserId,
    /// Supervisor or admin.
    pub role: Role,
    /// The token the page's forms carry.
    pub csrf: String,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
    session_hash: [u8; 32],
}

impl ConsoleUser {
    /// The same caller as the JSON API sees it.
    pub fn caller(&self) -> AuthUser {
        AuthUser { org: self.org, user: self.user, role: self.role }
    }

    /// The digest of the session this user came with (signing out ends it).
    pub fn session_hash(&self) -> &[u8; 32] {
        &self.session_hash
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), ConsoleError> {
        if secrets::same(sent, &self.csrf) {
            Ok(())
        } else {
            Err(ConsoleError::Csrf)
        }
    }
}

/// The value of the cookie `name` in the request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ConsoleUser, ConsoleError> {
        let secret = cookie(&parts.headers, SESSION_COOKIE).ok_or(ConsoleError::SignedOut)?;
        let hash = secrets::digest(secret);
        let session = state.records.session(&hash, Utc::now()).await?.ok_or(ConsoleError::SignedOut)?;
        let grant = session.grant;
        // Sessions are only ever made for reviewers; checked again so a hand-made row
        // cannot open the console to a worker.
        if !grant.role.can_review() {
            return Err(ApiError::Forbidden("workers cannot open the console").into());
        }
        Ok(ConsoleUser {
            org: grant.org,
            user: grant.user,
            role: grant.role,
            csrf: session.csrf_token,
            expires_at: session.expires_at,
            session_hash: hash,
        })
    }
}

/// A `Set-Cookie` value; `max_age_s` 0 deletes the cookie.
pub fn set_cookie(state: &AppState, name: &str, value: &str, path: &str, max_age_s: u64) -> HeaderValue {
    let secure = if state.settings.console.secure_cookies { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path={path}; Max-Age={max_age_s}; HttpOnly; SameSite=Strict{secure}");
    // Names and values are ours (base64url secrets): always valid header text.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Starts a session for `grant` (a reviewer): stored, and the header that sets its
/// cookie.
pub async fn start(
    state: &AppState,
    grant: Grant,
) -> Result<(ConsoleSession, (axum::http::HeaderName, HeaderValue)), ConsoleError> {
    if !grant.role.can_review() {
        return Err(ApiError::Forbidden("workers cannot open the console").into());
    }
    let secret = secrets::new_secret()?;
    let now = Utc::now();
    let ttl = state.settings.console.session_ttl;
    let session = ConsoleSession {
        id_hash: secrets::digest(&secret),
        grant,
        csrf_token: secrets::new_secret()?,
        created_at: now,
        expires_at: now + chrono::TimeDelta::from_std(ttl).unwrap_or(chrono::TimeDelta::hours(8)),
    };
    state.records.create_session(&session).await?;
    let cookie = set_cookie(state, SESSION_COOKIE, &secret, "/console", ttl.as_secs());
    Ok((session, (SET_COOKIE, cookie)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; punchline_session=abc"));
        headers.append(COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "b"), Some("2"));
        assert_eq!(cookie(&headers, "punchline"), None);
    }
}
