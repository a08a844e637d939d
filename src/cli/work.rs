//! `punchline work`: a worker process. Consumes photo jobs until SIGTERM or Ctrl-C, then
//! stops taking jobs, lets the ones in flight finish within `worker.shutdown_grace_s`,
//! hands the rest back to the queue and exits 0. Scale out by running more of them.
//! With `worker.metrics_bind` set it also serves `/metrics` and `/healthz` there.

use std::process::ExitCode;

use clap::Args;
use punchline::{Application, Launch};
use punchline_domain::Config;

use super::lifecycle::{init_logging, run_until_signal, runtime};

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
    let launch = if args.migrate { Launch::worker().migrating() } else { Launch::worker() };
    runtime()?.block_on(async {
        init_logging();
        let app = Application::build(config.clone(), launch).await?;
        eprintln!("punchline: worker consuming jobs");
        run_until_signal(app).await
    })?;
    eprintln!("punchline: worker stopped");
    Ok(ExitCode::SUCCESS)
}
