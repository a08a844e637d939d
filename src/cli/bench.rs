//! `punchline bench [--threads N] [--repeat R] [--json] FILE...`: the image pipeline's
//! throughput on a fixed set of photos, with the mean time per stage. The photos are read
//! into memory first, so the figure is CPU work only (no disk, no network).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use punchline_domain::config::PipelineConfig;
use punchline_domain::Config;
use punchline_imaging::{process, Settings, StageTimings};
use rayon::prelude::*;
use serde_json::json;

use punchline_workers::cpu_pool;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Worker threads (0: one per core). Overrides `pipeline.threads`.
    #[arg(long)]
    threads: Option<usize>,
    /// How many times to process the whole set (after one warm-up pass).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Photos to process.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(config: &Config, args: BenchArgs) -> anyhow::Result<ExitCode> {
    let photos: Vec<Vec<u8>> = args
        .files
        .iter()
        .map(|f| std::fs::read(f).with_context(|| format!("reading {}", f.display())))
        .collect::<anyhow::Result<_>>()?;
    let threads = args.threads.unwrap_or(config.pipeline.threads);
    let pool = cpu_pool::build(&PipelineConfig { threads })?;
    let settings = Settings { limits: &config.limits, variants: &config.variants };
    let run_once = || -> Vec<Option<StageTimings>> {
        pool.install(|| photos.par_iter().map(|b| process(b, settings).ok().map(|p| p.timings)).collect())
    };
    run_once(); // warm-up: page in the decoders, fault in the allocator's arenas
    let start = Instant::now();
    let mut timings = Vec::new();
    for _ in 0..args.repeat.max(1) {
        timings.extend(run_once());
    }
    let seconds = start.elapsed().as_secs_f64();
    let processed: Vec<StageTimings> = timings.iter().flatten().copied().collect();
    let failed = timings.len() - processed.len();
    let mean = mean_timings(&processed);
    let photos_per_s = timings.len() as f64 / seconds;
    if args.json {
        let report = json!({
            "threads": pool.current_num_threads(), "photos": timings.len(), "failed": failed,
            "seconds": seconds, "photos_per_s": photos_per_s, "mean_ms": mean,
        });
        println!("{report}");
    } else {
        println!(
            "{} photos ({failed} refused) on {} threads in {seconds:.2} s: {photos_per_s:.2} photos/s",
            timings.len(),
            pool.current_num_threads()
        );
        println!(
            "mean per photo: decode {:.1} · resize {:.1} · orient {:.1} · encode {:.1} · hash {:.1} · other {:.1} ms",
            mean.decode,
            mean.resize,
            mean.orient,
            mean.encode,
            mean.hash,
            mean.open + mean.exif
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn mean_timings(all: &[StageTimings]) -> StageTimings {
    let n = all.len().max(1) as f64;
    let sum = |f: fn(&StageTimings) -> f64| all.iter().map(f).sum::<f64>() / n;
    StageTimings {
        open: sum(|t| t.open),
        exif: sum(|t| t.exif),
        decode: sum(|t| t.decode),
        resize: sum(|t| t.resize),
        orient: sum(|t| t.orient),
        encode: sum(|t| t.encode),
        hash: sum(|t| t.hash),
        total: sum(|t| t.total),
    }
}
