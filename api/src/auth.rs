//! Bearer JWTs (HS256) carrying the organisation, the user and the role, and the
//! [`AuthUser`] extractor every protected handler takes.
//!
//! Depends on nothing of the app but its errors: the extractor finds the [`TokenKeys`] in
//! any state they can be taken from (`FromRef`), so the state, which holds them, depends
//! on this module and never the other way round.
//!
//! Missing, malformed, expired or wrongly signed token: `401`. A valid token whose role
//! may not use the route: `403` (see [`AuthUser::require`]). The token's organisation
//! scopes every query the handler makes: another org's rows are simply not found.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::Utc;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use punchline_domain::config::AuthConfig;
use punchline_domain::{OrgId, Role, UserId};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// What a token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The organisation every request of the bearer is scoped to.
    pub org: OrgId,
    /// The bearer.
    pub user: UserId,
    /// What the bearer may do.
    pub role: Role,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issue time, seconds since the Unix epoch.
    pub iat: i64,
    /// The issuer (`auth.issuer`).
    pub iss: String,
}

/// Why a token could not be minted.
#[derive(Debug, thiserror::Error)]
#[error("could not sign the token: {0}")]
pub struct MintError(#[from] jsonwebtoken::errors::Error);

/// Signs and checks tokens with the configured key.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    default_ttl: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("TokenKeys").field("issuer", &self.issuer).finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Keys from the `[auth]` configuration (already validated: key ≥ 32 bytes).
    pub fn new(config: &AuthConfig) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = config.leeway_s;
        validation.set_issuer(&[&config.issuer]);
        validation.set_required_spec_claims(&["exp", "iss"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(config.jwt_secret.as_bytes()),
            decoding: DecodingKey::from_secret(config.jwt_secret.as_bytes()),
            validation,
            issuer: config.issuer.clone(),
            default_ttl: Duration::from_secs(config.token_ttl_s),
        }
    }

    /// The configured lifetime of a minted token.
    pub fn default_ttl(&self) -> Duration {
        self.default_ttl
    }

    /// A token for `user` of `org` with `role`, valid for `ttl` from now.
    pub fn mint(&self, org: OrgId, user: UserId, role: Role, ttl: Duration) -> Result<String, MintError> {
        let now = Utc::now().timestamp();
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims =
            Claims { org, user, role, exp: now.saturating_add(ttl), iat: now, iss: self.issuer.clone() };
        self.mint_claims(&claims)
    }

    /// A token with exactly these claims (tests mint expired ones with it).
    pub fn mint_claims(&self, claims: &Claims) -> Result<String, MintError> {
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)?)
    }

    /// The claims of a token this server signed and that has not expired.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => Ok(data.claims),
            Err(error) => Err(ApiError::Unauthenticated(match error.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::InvalidSignature => "the token's signature is not valid",
                ErrorKind::InvalidIssuer => "the token was not issued by this server",
                _ => "the token is malformed",
            })),
        }
    }
}

/// The authenticated caller: a handler that takes it answers `401` without a valid token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    /// The caller's organisation: every query the handler makes is scoped to it.
    pub org: OrgId,
    /// The caller.
    pub user: UserId,
    /// What the caller may do.
    pub role: Role,
}

impl AuthUser {
    /// `403` unless the caller holds one of `roles`.
    pub fn require(&self, roles: &[Role], refusal: &'static str) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(refusal))
        }
    }

    /// Whether the caller sees every punch of the organisation (not only their own).
    pub fn sees_whole_org(&self) -> bool {
        self.role.can_review()
    }
}

/// The bearer token of a request, if its `Authorization` header carries one.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    Arc<TokenKeys>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<AuthUser, ApiError> {
        if parts.headers.get(AUTHORIZATION).is_none() {
            return Err(ApiError::Unauthenticated("a bearer token is required"));
        }
        let token = bearer_token(&parts.headers)
            .ok_or(ApiError::Unauthenticated("the Authorization header must be `Bearer <token>`"))?;
        let claims = Arc::<TokenKeys>::from_ref(state).verify(token)?;
        Ok(AuthUser { org: claims.org, user: claims.user, role: claims.role })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&AuthConfig { jwt_secret: secret.into(), ..AuthConfig::default() })
    }

    #[test]
    fn minted_tokens_verify_with_the_same_key_only() {
        let (org, user) = (OrgId::new(), UserId::new());
        let token =
            keys(&"a".repeat(32)).mint(org, user, Role::Worker, Duration::from_secs(60)).expect("mints");
        let claims = keys(&"a".repeat(32)).verify(&token).expect("verifies");
        assert_eq!((claims.org, claims.user, claims.role), (org, user, Role::Worker));
        let refused = keys(&"b".repeat(32)).verify(&token).unwrap_err();
        assert_eq!(refused.to_string(), "the token's signature is not valid");
    }

    #[test]
    fn expired_and_garbage_tokens_are_refused() {
        let keys = keys(&"k".repeat(40));
        let now = Utc::now().timestamp();
        let claims = Claims {
            org: OrgId::new(),
            user: UserId::new(),
            role: Role::Admin,
            exp: now - 3600,
            iat: now - 7200,
            iss: "punchline".into(),
        };
        let expired = keys.mint_claims(&claims).expect("mints");
        assert_eq!(keys.verify(&expired).unwrap_err().to_string(), "the token has expired");
        assert_eq!(keys.verify("not.a.jwt").unwrap_err().to_string(), "the token is malformed");
    }

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(AUTHORIZATION, "Bearer abc.def".parse().expect("header"));
        assert_eq!(bearer_token(&headers), Some("abc.def"));
        headers.insert(AUTHORIZATION, "Basic abc".parse().expect("header"));
        assert_eq!(bearer_token(&headers), None);
    }
}
