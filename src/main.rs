//! `punchline`: one binary, one subcommand per role, so a single container image serves
//! every role. Each subcommand is a thin layer over the workspace's libraries.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("punchline: {e:#}");
            ExitCode::from(2)
        }
    }
}
