//! `punchline serve`: the HTTP API, with the outbox relay and the upload sweeper beside
//! it, until SIGTERM or Ctrl-C; then it finishes the requests in flight and exits 0.

use std::process::ExitCode;

use clap::Args;
use punchline_domain::Config;

use super::backends::Backends;
use super::lifecycle::{init_logging, runtime, shutdown_token};
use super::roles::Roles;

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
    runtime()?.block_on(async {
        init_logging();
        warn_about_dev_keys(config);
        let backends = Backends::open(config).await?;
        if args.migrate {
            backends.migrate().await?;
        }
        let listener = bind(config).await?;
        let shutdown = shutdown_token();
        let mut roles = Roles::new();
        roles.api(config, &backends, listener, &shutdown);
        roles.wait(&shutdown).await
    })?;
    eprintln!("punchline: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Binds `api.bind` and says where the api is.
pub async fn bind(config: &Config) -> anyhow::Result<tokio::net::TcpListener> {
    use anyhow::Context;
    let addr = config.api.bind_addr().context("api.bind")?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    eprintln!("punchline: serving the API on http://{}", listener.local_addr().unwrap_or(addr));
    Ok(listener)
}

/// The shipped keys are public: say so whenever they guard a network port.
pub fn warn_about_dev_keys(config: &Config) {
    if config.auth.uses_dev_secret() {
        eprintln!("punchline: warning: auth.jwt_secret is the public development key; set PUNCHLINE_AUTH__JWT_SECRET");
    }
}
