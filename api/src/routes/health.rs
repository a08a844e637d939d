//! Operations endpoints, open without a token: `/healthz` (the process answers),
//! `/readyz` (its dependencies answer too) and `/metrics` (Prometheus).

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// How long one readiness check may take before it counts as failing: a probe must
/// answer within the load balancer's timeout even when a dependency hangs.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The operations routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz)).routes(routes!(metrics))
}

/// The answer of `/healthz` and `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    /// `ok`, or `unavailable` when a check failed.
    pub status: &'static str,
    /// Each dependency checked and whether it answered (`ok` or `failing`).
    pub checks: BTreeMap<&'static str, &'static str>,
}

/// The process is up (liveness).
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Up", body = HealthView)))]
async fn healthz() -> Json<HealthView> {
    Json(HealthView { status: "ok", checks: BTreeMap::new() })
}

/// The records, the store and the queue (when present) answer (readiness).
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = HealthView),
        (status = 503, description = "A dependency is failing", body = HealthView),
    )
)]
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<HealthView>) {
    let mut checks = BTreeMap::new();
    checks.insert(
        "records",
        outcome("records", async { state.records.ping().await.map_err(|e| e.to_string()) }).await,
    );
    checks.insert(
        "store",
        outcome("store", async { state.store.ping().await.map_err(|e| e.to_string()) }).await,
    );
    for probe in state.probes.iter() {
        checks.insert(probe.name(), outcome(probe.name(), probe.check()).await);
    }
    let ready = checks.values().all(|c| *c == "ok");
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(HealthView { status: if ready { "ok" } else { "unavailable" }, checks }))
}

/// `ok` or `failing`; why it failed goes to the log only.
async fn outcome(name: &'static str, check: impl Future<Output = Result<(), String>>) -> &'static str {
    match tokio::time::timeout(CHECK_TIMEOUT, check).await {
        Ok(Ok(())) => "ok",
        Ok(Err(error)) => {
            tracing::warn!(check = name, %error, "readiness check failed");
            "failing"
        }
        Err(_) => {
            tracing::warn!(check = name, "readiness check timed out");
            "failing"
        }
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Metrics", content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
