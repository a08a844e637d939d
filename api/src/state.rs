//! What every handler shares: the records, the store, the token keys, the limits from
//! configuration, the readiness probes, and the outbox relay's wake.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;
use punchline_backends::records::Records;
use punchline_backends::store::{LocalStore, Store};
use punchline_domain::Config;
use tokio::sync::Notify;

use crate::auth::TokenKeys;
use crate::membership::Members;

/// The limits and lifetimes handlers apply, from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest accepted photo, in bytes (`limits.max_bytes`).
    pub max_photo_bytes: u64,
    /// How long an upload URL stays valid.
    pub upload_url_ttl: Duration,
    /// How long a variant's download URL stays valid.
    pub download_url_ttl: Duration,
    /// How far a punch's device time may lie ahead of the server's clock.
    pub max_future_skew: chrono::TimeDelta,
    /// The supervisors' console: login and session lifetimes, page size, cookie security.
    pub console: crate::console::settings::ConsoleSettings,
}

impl Settings {
    /// The settings of `config`.
    pub fn from_config(config: &Config) -> Settings {
        Settings {
            max_photo_bytes: config.limits.max_bytes,
            upload_url_ttl: Duration::from_secs(config.api.upload_url_ttl_s),
            download_url_ttl: Duration::from_secs(config.api.download_url_ttl_s),
            max_future_skew: i64::try_from(config.api.max_future_skew_s)
                .ok()
                .and_then(chrono::TimeDelta::try_seconds)
                .unwrap_or(chrono::TimeDelta::MAX),
            console: crate::console::settings::ConsoleSettings::from_config(config),
        }
    }
}

/// Something `/readyz` checks besides the records and the store (e.g. the job queue).
#[async_trait]
pub trait ReadinessProbe: Send + Sync {
    /// What is checked, as named in the `/readyz` body.
    fn name(&self) -> &'static str;

    /// `Ok` when it is reachable and usable; the error is logged, never sent.
    async fn check(&self) -> Result<(), String>;
}

/// The state every handler receives (cheap to clone: all shared).
#[derive(Clone)]
pub struct AppState {
    /// Organisations, sites, punches, photos, verdicts, reviews.
    pub records: Arc<dyn Records>,
    /// Where photos and variants are kept.
    pub store: Arc<dyn Store>,
    /// The same store when it is the embedded local directory, whose signed upload and
    /// download URLs this API serves; `None` with S3 (the apps talk to S3 directly).
    pub local_store: Option<Arc<LocalStore>>,
    /// Signs and checks bearer tokens.
    pub tokens: Arc<TokenKeys>,
    /// Limits and lifetimes from configuration.
    pub settings: Arc<Settings>,
    /// Organisations and users known to exist in the records.
    pub members: Arc<Members>,
    /// Further readiness checks (the job queue, when the process has one).
    pub probes: Arc<Vec<Arc<dyn ReadinessProbe>>>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// The outbox relay's wake when it runs in this process: rung after an upload is
    /// completed so its job is published at once instead of at the relay's next poll.
    pub outbox_wake: Option<Arc<Notify>>,
}

/// The token keys, for the [`AuthUser`](crate::auth::AuthUser) extractor.
impl FromRef<AppState> for Arc<TokenKeys> {
    fn from_ref(state: &AppState) -> Arc<TokenKeys> {
        Arc::clone(&state.tokens)
    }
}
