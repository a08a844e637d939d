//! `punchline inspect [--json] [--variants DIR] FILE...`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use punchline_domain::Config;
use punchline_imaging::{process, ImageError, Processed, Settings};
use rayon::prelude::*;

use punchline_workers::cpu_pool;

use super::photo_report;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// One JSON object per line instead of readable text.
    #[arg(long)]
    json: bool,
    /// Also write each photo's variants to this directory as `<name>_<size>.jpg`.
    #[arg(long, value_name = "DIR")]
    variants: Option<PathBuf>,
    /// Photos to inspect.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// Processes the files on the CPU pool and prints them in the order given. Exits 1 if any
/// photo was refused.
pub fn run(config: &Config, args: InspectArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.variants {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let settings = Settings { limits: &config.limits, variants: &config.variants };
    let pool = cpu_pool::build(&config.pipeline)?;
    let outcomes: Vec<anyhow::Result<Result<Processed, ImageError>>> =
        pool.install(|| args.files.par_iter().map(|f| inspect_file(f, settings)).collect());
    let mut refused = false;
    for (file, outcome) in args.files.iter().zip(outcomes) {
        let outcome = outcome?;
        refused |= outcome.is_err();
        if let (Some(dir), Ok(p)) = (&args.variants, &outcome) {
            write_variants(dir, file, p)?;
        }
        if args.json {
            println!("{}", photo_report::to_json(file, &outcome));
        } else {
            println!("{}", photo_report::to_text(file, &outcome));
        }
    }
    Ok(if refused { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Reads and processes one file. A file over the byte limit is refused from its metadata,
/// without being read.
fn inspect_file(file: &Path, settings: Settings<'_>) -> anyhow::Result<Result<Processed, ImageError>> {
    let len = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?.len();
    if len > settings.limits.max_bytes {
        return Ok(Err(ImageError::TooLarge { bytes: len, limit: settings.limits.max_bytes }));
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    Ok(process(&bytes, settings))
}

fn write_variants(dir: &Path, file: &Path, p: &Processed) -> anyhow::Result<()> {
    let stem = file.file_stem().map_or("photo".into(), |s| s.to_string_lossy().into_owned());
    for v in &p.variants {
        let path = dir.join(format!("{stem}_{}.jpg", v.size));
        std::fs::write(&path, &v.bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
