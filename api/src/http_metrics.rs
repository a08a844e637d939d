//! Prometheus metrics of the HTTP layer: requests by route template, method and status,
//! and their latency. Routes are labelled by their template (`/v1/punches/{id}`), never by
//! the raw path, so ids cannot blow up the label set.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request latency histogram buckets, in seconds.
const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process's Prometheus recorder, installed on first use. If another recorder was
/// installed first (a host process), a private one is kept so `/metrics` still answers.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = || {
                PrometheusBuilder::new()
                    .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                    .unwrap_or_else(|_| PrometheusBuilder::new())
            };
            builder().install_recorder().unwrap_or_else(|_| builder().build_recorder().handle())
        })
        .clone()
}

/// Middleware: counts every request and records its latency.
pub async fn record_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
    metrics::counter!("punchline_http_requests_total", &labels).increment(1);
    metrics::histogram!("punchline_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Serves `GET /metrics` (this process's recorder, installed by the call) and `GET /healthz`
/// alone on `listener` until `shutdown` completes: the port of a process without the API,
/// such as `punchline work`.
pub async fn serve_metrics_only(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::http::header::CONTENT_TYPE;
    use axum::routing::get;

    let handle = prometheus();
    let router = axum::Router::new()
        .route(
            "/metrics",
            get(move || async move { ([(CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()) }),
        )
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({ "status": "ok", "checks": {} })) }));
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}

/// Publishes a queue's depth as gauges: `punchline_queue_ready`, `punchline_queue_delayed`,
/// `punchline_queue_parked` (and `punchline_queue_in_flight` where the backend knows it).
pub fn record_queue_depth(depth: &punchline_backends::queue::QueueDepth) {
    metrics::gauge!("punchline_queue_ready").set(depth.ready as f64);
    metrics::gauge!("punchline_queue_delayed").set(depth.delayed as f64);
    metrics::gauge!("punchline_queue_parked").set(depth.parked as f64);
    if let Some(in_flight) = depth.in_flight {
        metrics::gauge!("punchline_queue_in_flight").set(in_flight as f64);
    }
}
