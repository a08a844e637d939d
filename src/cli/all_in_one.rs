//! `punchline all-in-one`: the api, ingest and a worker in one process, migrating first.
//! With the defaults (a SQLite file, a local directory, the SQLite queue) it needs no
//! server at all: the embedded default.

use std::process::ExitCode;

use punchline_domain::Config;

use super::backends::Backends;
use super::lifecycle::{init_logging, runtime, shutdown_token};
use super::roles::Roles;
use super::serve::{bind, warn_about_dev_keys};

/// Runs every role until a shutdown signal.
pub fn run(config: &Config) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        init_logging();
        warn_about_dev_keys(config);
        let backends = Backends::open(config).await?;
        backends.migrate().await?;
        let listener = bind(config).await?;
        let shutdown = shutdown_token();
        let mut roles = Roles::new();
        roles.api(config, &backends, listener, &shutdown);
        roles.worker(config, &backends, &shutdown)?;
        roles.wait(&shutdown).await
    })?;
    eprintln!("punchline: stopped");
    Ok(ExitCode::SUCCESS)
}
