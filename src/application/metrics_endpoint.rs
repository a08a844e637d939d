//! The worker's own metrics port (`worker.metrics_bind`): `GET /metrics` and `GET /healthz`,
//! and the queue depth published as gauges, so a scraper sees a `punchline work` process
//! the way it sees the api's `/metrics`.
//!
//! The port is an aid, not a role: when it cannot be bound (a second worker on the same
//! host with the default address) the worker logs a warning and runs without it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use punchline_api::http_metrics;
use punchline_backends::queue::JobQueue;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How often the queue depth is read: every worker asks, so not too often.
const DEPTH_EVERY: Duration = Duration::from_secs(15);

/// Binds `addr`, installs the Prometheus recorder (before the worker records anything, or
/// it would be lost) and serves until shutdown, publishing the queue depth beside it.
/// `None` when the address cannot be bound.
pub async fn start(
    addr: SocketAddr,
    queue: Arc<dyn JobQueue>,
    shutdown: &CancellationToken,
) -> Option<JoinHandle<()>> {
    let listener = match TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            tracing::warn!(%addr, error = %e, "cannot bind worker.metrics_bind: running without metrics");
            return None;
        }
    };
    http_metrics::prometheus();
    tokio::spawn(publish_depth(queue, shutdown.clone()));
    let stop = shutdown.clone();
    Some(tokio::spawn(async move {
        if let Err(e) =
            http_metrics::serve_metrics_only(listener, async move { stop.cancelled().await }).await
        {
            tracing::warn!(error = %e, "serving worker metrics stopped");
        }
    }))
}

/// Reads the queue depth every [`DEPTH_EVERY`] until shutdown. A failed read is only logged
/// (the worker's own queue errors say more); the gauges keep their last values.
async fn publish_depth(queue: Arc<dyn JobQueue>, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(DEPTH_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = every.tick() => {}
        }
        match queue.depth().await {
            Ok(depth) => http_metrics::record_queue_depth(&depth),
            Err(e) => tracing::warn!(error = %e, "reading the queue depth for metrics"),
        }
    }
}
