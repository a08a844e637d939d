//! What the end-to-end tests share: where the photos are, how to run the binary.

use std::path::PathBuf;
use std::process::{Command, Output};

/// `$PUNCHLINE_PHOTOS`, else `shared/photos` beside the repository.
pub fn photos_dir() -> PathBuf {
    let dir = std::env::var_os("PUNCHLINE_PHOTOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/photos"));
    assert!(
        dir.join("manifest.csv").exists(),
        "photo corpus not found at {} (set PUNCHLINE_PHOTOS)",
        dir.display()
    );
    dir
}

/// Runs `punchline ARGS…` from the repository root (so it reads the repo's pipeline.toml).
pub fn punchline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_punchline"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("PUNCHLINE_CONFIG")
        .output()
        .expect("punchline runs")
}
