//! What every long-running subcommand shares: logging, the tokio runtime, and the
//! shutdown signal.

use anyhow::Context;
use punchline::Application;

/// Logs to standard error, filtered by `PUNCHLINE_LOG` (e.g. `debug`,
/// `punchline_workers=debug`; default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PUNCHLINE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A host that installed a subscriber already keeps its own.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// A multi-threaded runtime whose threads only wait: CPU work runs on rayon.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")
}

/// Runs `app` until SIGTERM (ECS stopping the task) or Ctrl-C, then lets it stop.
pub async fn run_until_signal(app: Application) -> anyhow::Result<()> {
    let stop = app.shutdown_handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        eprintln!("punchline: stopping (signal received)");
        stop.cancel();
    });
    app.run_until_stopped().await
}

/// Returns on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
