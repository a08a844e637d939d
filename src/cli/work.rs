//! `punchline work`: a worker process. Consumes photo jobs until SIGTERM or Ctrl-C, then
//! stops taking jobs, lets the ones in flight finish within `worker.shutdown_grace_s`,
//! hands the rest back to the queue and exits 0. Scale out by running more of them.
//! With `worker.metrics_bind` set it also serves `/metrics` and `/healthz` there.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use punchline_domain::Config;

use super::backends::Backends;
use super::lifecycle::{init_logging, runtime, shutdown_token};
use super::metrics_endpoint;
use super::roles::Roles;

/// Arguments of `punchline work`.
#[derive(Debug, Args)]
pub struct WorkArgs {
    /// Apply pending database migrations first (production runs `punchline migrate`
    /// once per release instead).
    #[arg(long)]
    migrate: bool,
}

/// Runs a worker until a shutdown signal.
pub fn run(config: &Config, args: WorkArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        init_logging();
        let backends = Backends::open(config).await?;
        if args.migrate {
            backends.migrate().await?;
        }
        let shutdown = shutdown_token();
        let metrics = match config.worker.metrics_addr()? {
            Some(addr) => metrics_endpoint::start(addr, Arc::clone(&backends.queue), &shutdown).await,
            None => None,
        };
        if metrics.is_some() {
            eprintln!("punchline: worker metrics on http://{}/metrics", config.worker.metrics_bind);
        }
        let mut roles = Roles::new();
        roles.worker(config, &backends, &shutdown)?;
        eprintln!("punchline: worker consuming jobs");
        let worked = roles.wait(&shutdown).await;
        // The metrics port stops with the worker (the same token; cancelled again in case
        // the worker stopped on an error) and finishes its scrape in flight.
        shutdown.cancel();
        if let Some(served) = metrics {
            let _ = served.await;
        }
        worked
    })?;
    eprintln!("punchline: worker stopped");
    Ok(ExitCode::SUCCESS)
}
