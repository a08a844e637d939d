//! Command-line parsing and dispatch.

mod all_in_one;
mod bench;
mod demo;
mod eval;
mod inspect;
mod lifecycle;
mod migrate;
mod photo_report;
mod serve;
mod token;
mod work;

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
    /// Punch a dozen sample photos through the whole system on the embedded default (no
    /// server needed) and print each verdict with its flags: start here.
    Demo(demo::DemoArgs),
    /// Serve the HTTP API, with the outbox relay and the upload sweeper beside it.
    Serve(serve::ServeArgs),
    /// Run a worker: consume photo jobs, process, verify, commit. Run as many as needed.
    Work(work::WorkArgs),
    /// The api, ingest and a worker in one process (the embedded default: no servers).
    AllInOne,
    /// Apply pending database migrations and exit (once per release).
    Migrate,
    /// Print a bearer token for development and tests.
    Token(token::TokenArgs),
    /// Measure every check on labelled data: precision and recall per flag, reuse under
    /// transformations (`--write-docs`: docs/accuracy.md).
    Eval(eval::EvalArgs),
}

/// Runs the parsed command; the exit code says whether every input succeeded.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = load_config(&cli.config)?;
    match cli.command {
        Command::Inspect(args) => inspect::run(&config, args),
        Command::Bench(args) => bench::run(&config, args),
        Command::Demo(args) => demo::run(&config, args),
        Command::Serve(args) => serve::run(&config, args),
        Command::Work(args) => work::run(&config, args),
        Command::AllInOne => all_in_one::run(&config),
        Command::Migrate => migrate::run(&config),
        Command::Token(args) => token::run(&config, args),
        Command::Eval(args) => eval::run(&config, args),
    }
}

/// The configuration: the file if it exists (a missing default file means defaults).
fn load_config(path: &std::path::Path) -> anyhow::Result<Config> {
    let file = path.exists().then_some(path);
    Config::load(file).with_context(|| format!("loading configuration from {}", path.display()))
}
