//! `punchline serve`: the HTTP API, with the outbox relay and the upload sweeper beside
//! it, until SIGTERM or Ctrl-C; then it finishes the requests in flight and exits 0.

use std::process::ExitCode;

use clap::Args;
use punchline::{Application, Launch};
use punchline_domain::Config;

use super::lifecycle::{init_logging, run_until_signal, runtime};

/// Arguments of `punchline serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Apply pending database migrations before serving (the embedded default wants this;
    /// production runs `punchline migrate` once per release instead).
    #[arg(long)]
    migrate: bool,
}

/// Runs the api until a shutdown signal.
pub fn run(config: &Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let launch = if args.migrate { Launch::api().migrating() } else { Launch::api() };
    runtime()?.block_on(async {
        init_logging();
        warn_about_dev_keys(config);
        let app = Application::build(config.clone(), launch).await?;
        announce(&app);
        run_until_signal(app).await
    })?;
    eprintln!("punchline: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Says where the api is.
pub fn announce(app: &Application) {
    if let Some(addr) = app.address() {
        eprintln!("punchline: serving the API on http://{addr}");
    }
}

/// The shipped keys are public: say so whenever they guard a network port.
pub fn warn_about_dev_keys(config: &Config) {
    if config.auth.uses_dev_secret() {
        eprintln!("punchline: warning: auth.jwt_secret is the public development key; set PUNCHLINE_AUTH__JWT_SECRET");
    }
}
