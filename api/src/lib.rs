//! The HTTP API the mobile apps and the supervisors' screens talk to: punches and their
//! photo uploads, results, sites, review, and the operations endpoints.
//!
//! Thin by design: handlers check, call the records and the store, and answer. They only
//! wait (no image is ever decoded here); the workers do the CPU work.
//!
//! ```no_run
//! # async fn run(config: punchline_domain::Config, records: std::sync::Arc<dyn punchline_backends::Records>,
//! #              store: std::sync::Arc<dyn punchline_backends::store::Store>) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let app = punchline_api::App::new(&config, records, store, None);
//! app.serve(listener, std::future::pending()).await
//! # }
//! ```

#![warn(missing_docs)]

pub mod auth;
#[cfg(feature = "client")]
pub mod client;
pub mod console;
pub mod error;
pub mod extract;
pub mod http_metrics;
pub mod limits;
pub mod membership;
pub mod openapi;
pub mod photo_type;
pub mod request_context;
pub mod routes;
pub mod schema;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use punchline_backends::records::Records;
use punchline_backends::store::{LocalStore, Store};
use punchline_domain::config::ApiConfig;
use punchline_domain::Config;

pub use auth::{AuthUser, Claims, TokenKeys};
pub use error::ApiError;
pub use state::{AppState, ReadinessProbe, Settings};

/// The API, assembled from configuration and its backends, ready to serve.
#[derive(Clone)]
pub struct App {
    state: AppState,
    api: ApiConfig,
}

impl App {
    /// The API over these records and store. `local_store` is the same store when it is
    /// the embedded directory, whose signed URLs this API then serves.
    pub fn new(
        config: &Config,
        records: Arc<dyn Records>,
        store: Arc<dyn Store>,
        local_store: Option<Arc<LocalStore>>,
    ) -> App {
        let state = AppState {
            records,
            store,
            local_store,
            tokens: Arc::new(TokenKeys::new(&config.auth)),
            settings: Arc::new(Settings::from_config(config)),
            members: Arc::default(),
            probes: Arc::default(),
            metrics: http_metrics::prometheus(),
            outbox_wake: None,
        };
        App { state, api: config.api.clone() }
    }

    /// Adds a readiness check (e.g. the job queue) to `/readyz`.
    pub fn with_probe(mut self, probe: Arc<dyn ReadinessProbe>) -> App {
        let mut probes: Vec<_> = self.state.probes.iter().cloned().collect();
        probes.push(probe);
        self.state.probes = Arc::new(probes);
        self
    }

    /// Rings `notify` (the outbox relay's `OutboxRelay::notifier()`) after every upload
    /// this API completes, so the relay publishes the job at once rather than at its next
    /// poll. Without it the relay still finds the job within `ingest.relay_interval_ms`.
    pub fn with_outbox_wake(mut self, notify: Arc<tokio::sync::Notify>) -> App {
        self.state.outbox_wake = Some(notify);
        self
    }

    /// The shared state (tests mint tokens with its keys).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The router with every route and layer.
    pub fn router(&self) -> Router {
        routes::build(self.state.clone(), &self.api).0
    }

    /// The OpenAPI document of [`App::router`].
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        routes::build(self.state.clone(), &self.api).1
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let service = self.router().into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).with_graceful_shutdown(shutdown).await
    }
}
