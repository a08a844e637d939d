//! The CPU pool the image pipeline runs on, sized by `pipeline.threads`.
//!
//! Decoding, resizing and hashing block a thread for up to seconds per photo, so they run
//! on this rayon pool; the tokio runtime's threads only wait for them.

use punchline_domain::config::PipelineConfig;

/// Why the CPU pool could not be started.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the CPU pool: {0}")]
pub struct CpuPoolError(#[from] rayon::ThreadPoolBuildError);

/// A CPU pool of `pipeline.threads` threads (0: one per core), its threads named
/// `punchline-cpu-N` so they stand out in `top -H` and in profiles.
pub fn build(pipeline: &PipelineConfig) -> Result<rayon::ThreadPool, CpuPoolError> {
    // rayon reads 0 as "one per core" itself, the same meaning the setting documents.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(pipeline.threads)
        .thread_name(|n| format!("punchline-cpu-{n}"))
        .build()?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_has_the_configured_threads_or_one_per_core() {
        let two = build(&PipelineConfig { threads: 2 }).expect("pool");
        assert_eq!(two.current_num_threads(), 2);
        let auto = build(&PipelineConfig { threads: 0 }).expect("pool");
        // The global pool follows the same default (cores, or RAYON_NUM_THREADS).
        assert_eq!(auto.current_num_threads(), rayon::current_num_threads());
    }
}
