//! What keeps one client from hurting the others: rate limits per client IP and per
//! bearer token (token buckets, `tower_governor`), request timeouts, and CORS from
//! configuration. Body size limits are set where the routes are assembled.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, Response};
use axum::middleware::Next;
use axum::response::IntoResponse;
use governor::clock::DefaultClock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use punchline_domain::config::{ApiConfig, RateLimitConfig};
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::{KeyExtractor, PeerIpKeyExtractor};
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::auth::bearer_token;
use crate::error::ApiError;
use crate::request_context::REQUEST_ID_HEADER;

/// How often idle rate-limit buckets are forgotten, so memory stays bounded by the
/// clients of the last minutes.
const FORGET_IDLE_EVERY: Duration = Duration::from_secs(60);

/// A rate-limit layer keyed by `K`, answering `429` with the API's error body.
pub type RateLimitLayer<K> = GovernorLayer<K, NoOpMiddleware, Body>;

/// Keys requests by their bearer token (hashed: the token itself is not kept), or by the
/// client IP for requests without one (they are refused with `401` anyway).
#[derive(Debug, Clone)]
pub struct BearerTokenKey {
    hasher: RandomState,
}

/// A rate-limit bucket's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallerKey {
    /// A bearer token, by its hash.
    Token(u64),
    /// A client without a token, by IP.
    Ip(IpAddr),
}

impl KeyExtractor for BearerTokenKey {
    type Key = CallerKey;

    fn extract<T>(&self, request: &axum::http::Request<T>) -> Result<CallerKey, GovernorError> {
        if let Some(token) = bearer_token(request.headers()) {
            return Ok(CallerKey::Token(self.hasher.hash_one(token)));
        }
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| CallerKey::Ip(addr.ip()))
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// The per-IP limit, unless turned off (`per_ip_per_s = 0`).
pub fn per_ip_limit(config: &RateLimitConfig) -> Option<RateLimitLayer<PeerIpKeyExtractor>> {
    rate_limit(config.per_ip_per_s, config.per_ip_burst, PeerIpKeyExtractor)
}

/// The per-token limit, unless turned off (`per_token_per_s = 0`).
pub fn per_token_limit(config: &RateLimitConfig) -> Option<RateLimitLayer<BearerTokenKey>> {
    rate_limit(config.per_token_per_s, config.per_token_burst, BearerTokenKey { hasher: RandomState::new() })
}

fn rate_limit<K>(per_second: u32, burst: u32, key: K) -> Option<RateLimitLayer<K>>
where
    K: KeyExtractor + Send + Sync + 'static,
    K::Key: Send + Sync + 'static,
{
    if per_second == 0 {
        return None;
    }
    // tower_governor counts in replenishment periods: one request per 1/n s is n a second.
    let period = Duration::from_nanos(1_000_000_000 / u64::from(per_second));
    let config: GovernorConfig<K, NoOpMiddleware> = GovernorConfigBuilder::default()
        .period(period)
        .burst_size(burst.max(1))
        .key_extractor(key)
        .finish()?;
    forget_idle_buckets(Arc::downgrade(config.limiter()));
    Some(GovernorLayer::new(config).error_handler(rate_limit_response))
}

/// A keyed limiter as `tower_governor` builds it.
type KeyedLimiter<K> = governor::RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, NoOpMiddleware>;

/// Periodically drops the buckets of clients that have been quiet long enough to be full
/// again, until the limiter itself is gone.
fn forget_idle_buckets<K>(limiter: Weak<KeyedLimiter<K>>)
where
    K: Clone + std::hash::Hash + Eq + Send + Sync + 'static,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(FORGET_IDLE_EVERY).await;
            let Some(limiter) = limiter.upgrade() else { return };
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    });
}

fn rate_limit_response(error: GovernorError) -> Response<Body> {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            ApiError::RateLimited(wait_time.max(1)).into_response()
        }
        other => ApiError::Internal(format!("rate limiter: {other}")).into_response(),
    }
}

/// Middleware: answers `408` when the rest of the request takes longer than the limit
/// (the handler's future is dropped, releasing what it held).
pub async fn enforce_timeout(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> axum::response::Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

/// CORS for the configured origins; `None` when there are none (no CORS headers at all).
pub fn cors(config: &ApiConfig) -> Option<CorsLayer> {
    if config.cors_origins.is_empty() {
        return None;
    }
    let origins = if config.cors_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    Some(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE, Method::PUT])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, request_id.clone()])
            .expose_headers([request_id, header::RETRY_AFTER])
            .max_age(Duration::from_secs(600)),
    )
}
