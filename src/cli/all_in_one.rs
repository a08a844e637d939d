//! `punchline all-in-one`: the api, ingest and a worker in one process, migrating first.
//! With the defaults (a SQLite file, a local directory, the SQLite queue) it needs no
//! server at all: the embedded default.

use std::process::ExitCode;

use punchline::{Application, Launch};
use punchline_domain::Config;

use super::lifecycle::{init_logging, run_until_signal, runtime};
use super::serve::{announce, warn_about_dev_keys};

/// Runs every role until a shutdown signal.
pub fn run(config: &Config) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        init_logging();
        warn_about_dev_keys(config);
        let app = Application::build(config.clone(), Launch::all_in_one()).await?;
        announce(&app);
        run_until_signal(app).await
    })?;
    eprintln!("punchline: stopped");
    Ok(ExitCode::SUCCESS)
}
