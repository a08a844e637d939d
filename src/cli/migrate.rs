//! `punchline migrate`: applies the pending database migrations and exits. Production
//! runs it once per release (an ECS one-off task) before the new api and workers start;
//! migrations are additive, so the old release keeps working meanwhile.

use std::process::ExitCode;

use punchline::application;
use punchline_domain::Config;

use super::lifecycle::runtime;

/// Migrates the configured records (and the SQLite jobs table when that is the queue).
pub fn run(config: &Config) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(application::migrate(config))?;
    eprintln!("punchline: the database is up to date");
    Ok(ExitCode::SUCCESS)
}
