//! Knobs of the HTTP API (`[api]`, `[api.rate_limit]`) and of the records it serves from
//! (`[records]`).

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// The HTTP API: where it listens, the URLs it hands out, and the limits it enforces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Address and port to listen on. The default only answers this machine; a container
    /// sets `0.0.0.0:8080` (`PUNCHLINE_API__BIND`).
    pub bind: String,
    /// The base URL clients reach the API at (scheme, host, port, no trailing slash). The
    /// embedded store's signed upload and download URLs start with it.
    pub public_url: String,
    /// Largest JSON request body in bytes (a 1000-point polygon site is ~50 KB). Photo
    /// uploads are bounded by `limits.max_bytes` instead.
    pub body_limit_bytes: u64,
    /// Seconds a JSON request may take before it is answered `408`.
    pub request_timeout_s: u64,
    /// Seconds a photo upload to the embedded store may take: 10 MB over a poor mobile
    /// network needs minutes, not the JSON timeout.
    pub upload_timeout_s: u64,
    /// Seconds an upload URL handed out with a new punch stays valid.
    pub upload_url_ttl_s: u64,
    /// Seconds a variant's download URL in a punch's details stays valid.
    pub download_url_ttl_s: u64,
    /// Seconds a punch's device time may lie ahead of the server's clock before it is
    /// refused (phones' clocks drift; a time far in the future is a tampered clock).
    pub max_future_skew_s: u64,
    /// Origins browsers may call the API from (`https://app.example.com`), or `["*"]` for
    /// any. Empty: no CORS headers at all (the mobile apps do not need them).
    pub cors_origins: Vec<String>,
    /// Request rate limits, per client IP and per bearer token.
    pub rate_limit: RateLimitConfig,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            bind: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            body_limit_bytes: 256 * 1024,
            request_timeout_s: 30,
            upload_timeout_s: 300,
            upload_url_ttl_s: 900,
            download_url_ttl_s: 300,
            max_future_skew_s: 300,
            cors_origins: Vec::new(),
            rate_limit: RateLimitConfig::default(),
        }
    }
}

impl ApiConfig {
    /// The bind address, parsed.
    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.bind
            .parse()
            .map_err(|_| ConfigError::OutOfRange(format!("api.bind {:?} is not host:port", self.bind)))
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        self.bind_addr()?;
        let url = &self.public_url;
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.ends_with('/') {
            return Err(ConfigError::OutOfRange(format!(
                "api.public_url {url:?} must start with http:// or https:// and not end with /"
            )));
        }
        let durations =
            [self.request_timeout_s, self.upload_timeout_s, self.upload_url_ttl_s, self.download_url_ttl_s];
        if self.body_limit_bytes == 0 || durations.contains(&0) {
            return Err(ConfigError::OutOfRange(
                "api limits, timeouts and URL lifetimes must be positive".into(),
            ));
        }
        if self
            .cors_origins
            .iter()
            .any(|o| o != "*" && !(o.starts_with("http://") || o.starts_with("https://")))
        {
            return Err(ConfigError::OutOfRange("api.cors_origins holds \"*\" or http(s) origins".into()));
        }
        self.rate_limit.validate()
    }
}

/// Token-bucket rate limits: a client may burst up to `…_burst` requests, refilled at
/// `…_per_s` a second. Over the limit: `429` with `Retry-After`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests a second each client IP is refilled with; 0 turns the per-IP limit off
    /// (e.g. behind a load balancer that limits already).
    pub per_ip_per_s: u32,
    /// Requests each client IP may make at once.
    pub per_ip_burst: u32,
    /// Requests a second each bearer token is refilled with; 0 turns the per-token limit off.
    pub per_token_per_s: u32,
    /// Requests each bearer token may make at once.
    pub per_token_burst: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig { per_ip_per_s: 50, per_ip_burst: 200, per_token_per_s: 10, per_token_burst: 50 }
    }
}

impl RateLimitConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        let ip_on = self.per_ip_per_s > 0;
        let token_on = self.per_token_per_s > 0;
        if (ip_on && self.per_ip_burst == 0) || (token_on && self.per_token_burst == 0) {
            return Err(ConfigError::OutOfRange("api.rate_limit bursts must be positive".into()));
        }
        Ok(())
    }
}

/// Where the records live (`[records]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordsConfig {
    /// `sqlite:PATH` (the embedded default: a file, created if missing) or
    /// `postgres://user:password@host:port/database`. Keep passwords out of the file:
    /// set `PUNCHLINE_RECORDS__URL` instead.
    pub url: String,
    /// Most database connections one process opens.
    pub max_connections: u32,
}

impl Default for RecordsConfig {
    fn default() -> Self {
        RecordsConfig { url: "sqlite:./data/punchline.db".into(), max_connections: 16 }
    }
}

impl RecordsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.max_connections == 0 {
            return Err(ConfigError::OutOfRange("records.max_connections must be positive".into()));
        }
        Ok(())
    }
}
