//! `punchline serve`: the HTTP API on the configured records and store, until SIGTERM or
//! Ctrl-C, then it finishes the requests in flight and exits 0.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use punchline_api::App;
use punchline_backends::store::{LocalStore, S3Store, Store};
use punchline_domain::config::StoreBackend;
use punchline_domain::Config;

/// Arguments of `punchline serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Apply pending database migrations before serving (the embedded default wants this;
    /// production runs `punchline migrate` once per release instead).
    #[arg(long)]
    migrate: bool,
}

/// Runs the API until a shutdown signal.
pub fn run(config: &Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    runtime.block_on(serve(config, args))?;
    Ok(ExitCode::SUCCESS)
}

/// Logs to standard error, filtered by `PUNCHLINE_LOG` (e.g. `debug`,
/// `punchline_api=debug`; default `info`): errors carry their request id.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PUNCHLINE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A host that installed a subscriber already keeps its own.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

async fn serve(config: &Config, args: ServeArgs) -> anyhow::Result<()> {
    init_logging();
    if config.auth.uses_dev_secret() {
        eprintln!("punchline: warning: auth.jwt_secret is the public development key; set PUNCHLINE_AUTH__JWT_SECRET");
    }
    if let Some(dir) =
        config.records.url.strip_prefix("sqlite:").and_then(|p| std::path::Path::new(p).parent())
    {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    let records = punchline_backends::records::open(&config.records.url, config.records.max_connections)
        .await
        .context("opening the records")?;
    if args.migrate {
        records.migrate().await.context("migrating the records")?;
    }
    let (store, local): (Arc<dyn Store>, Option<Arc<LocalStore>>) = match config.store.backend {
        StoreBackend::Local => {
            let local = Arc::new(
                LocalStore::from_config(&config.store.local, &config.api.public_url)
                    .await
                    .context("opening the local store")?,
            );
            (local.clone(), Some(local))
        }
        StoreBackend::S3 => {
            (Arc::new(S3Store::connect(&config.store.s3).await.context("connecting to S3")?), None)
        }
    };
    let addr = config.api.bind_addr().context("api.bind")?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    eprintln!("punchline: serving the API on http://{}", listener.local_addr().unwrap_or(addr));
    App::new(config, records, store, local).serve(listener, shutdown_signal()).await.context("serving")?;
    eprintln!("punchline: stopped");
    Ok(())
}

/// Completes on SIGTERM (ECS stopping the task) or Ctrl-C.
async fn shutdown_signal() {
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
