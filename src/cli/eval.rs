//! `punchline eval [--write-docs] [--transform NAME]... [--source FILE]...`: the labelled
//! evaluation of every check (see the `punchline-eval` crate), printed as Markdown tables.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use punchline_domain::Config;
use punchline_eval::{EvalOptions, Report, Transform};

use punchline_workers::cpu_pool;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The photo corpus (`provenance.csv` and the photos).
    #[arg(long, env = "PUNCHLINE_PHOTOS", default_value = "../shared/photos")]
    photos: PathBuf,
    /// The labelled punches.
    #[arg(long, default_value = "eval/scenarios.csv")]
    scenarios: PathBuf,
    /// Only these transformations (repeatable; default: all), e.g. `crop_10`.
    #[arg(long = "transform", value_name = "NAME")]
    transforms: Vec<String>,
    /// Transform only these corpus photos (repeatable; default: every hashable one). They are
    /// still matched against the whole corpus.
    #[arg(long = "source", value_name = "FILE")]
    sources: Vec<String>,
    /// Write docs/accuracy.md and its SVG histograms (into `--docs`).
    #[arg(long)]
    write_docs: bool,
    /// Where `--write-docs` writes.
    #[arg(long, default_value = "docs")]
    docs: PathBuf,
}

/// Runs the evaluation on the CPU pool and prints the tables. A measurement, not a gate: the
/// floors are asserted by `cargo test -p punchline-eval`.
pub fn run(config: &Config, args: EvalArgs) -> anyhow::Result<ExitCode> {
    let transforms = if args.transforms.is_empty() {
        Transform::ALL.to_vec()
    } else {
        args.transforms.iter().map(|t| Transform::parse(t)).collect::<Result<_, _>>()?
    };
    let options = EvalOptions {
        photos: args.photos.clone(),
        scenarios: args.scenarios.clone(),
        transforms,
        sources: (!args.sources.is_empty()).then(|| args.sources.clone()),
        config: config.clone(),
    };
    let pool = cpu_pool::build(&config.pipeline)?;
    eprintln!("evaluating on {} threads…", pool.current_num_threads());
    let report = pool.install(|| punchline_eval::run(&options)).context("running the evaluation")?;
    println!("{}", report.markdown(None));
    println!("(evaluated in {:.0} s)", report.elapsed_s);
    if args.write_docs {
        write_docs(&args.docs, &report, pool.current_num_threads())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_docs(dir: &Path, report: &Report, threads: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, svg) in report.svgs() {
        let path = dir.join(name);
        std::fs::write(&path, svg).with_context(|| format!("writing {}", path.display()))?;
    }
    let page = report.page(threads);
    let path = dir.join("accuracy.md");
    std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
