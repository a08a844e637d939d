//! Command-line parsing and dispatch.

mod bench;
mod inspect;
mod photo_report;
mod serve;
mod token;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use punchline_domain::Config;

/// Verifies photo punches for workforce timekeeping.
#[derive(Debug, Parser)]
#[command(name = "punchline", version, about)]
pub struct Cli {
    /// The configuration file; `PUNCHLINE_…` environment variables override it.
    #[arg(long, global = true, env = "PUNCHLINE_CONFIG", default_value = "pipeline.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run photos through the image pipeline and print what it finds: the tool to reach
    /// for when a punch looks wrong.
    Inspect(inspect::InspectArgs),
    /// Measure the image pipeline's throughput (photos/s) and time per stage.
    Bench(bench::BenchArgs),
    /// Serve the HTTP API on the configured records and store.
    Serve(serve::ServeArgs),
    /// Print a bearer token for development and tests.
    Token(token::TokenArgs),
}

/// Runs the parsed command; the exit code says whether every input succeeded.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = load_config(&cli.config)?;
    match cli.command {
        Command::Inspect(args) => inspect::run(&config, args),
        Command::Bench(args) => bench::run(&config, args),
        Command::Serve(args) => serve::run(&config, args),
        Command::Token(args) => token::run(&config, args),
    }
}

/// The configuration: the file if it exists (a missing default file means defaults).
fn load_config(path: &std::path::Path) -> anyhow::Result<Config> {
    let file = path.exists().then_some(path);
    Config::load(file).with_context(|| format!("loading configuration from {}", path.display()))
}

/// A rayon pool of `threads` threads (0: one per core) for CPU work.
fn cpu_pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("punchline-cpu-{i}"))
        .build()
        .context("starting the CPU pool")
}
