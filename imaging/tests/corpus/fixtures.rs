//! Loading the photo corpus, its CSVs, and processing every photo once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use punchline_domain::Config;
use punchline_imaging::{process, ImageError, Processed, Settings};
use rayon::prelude::*;

/// `$PUNCHLINE_PHOTOS`, else `shared/photos` beside the repository.
pub fn photos_dir() -> PathBuf {
    let dir = std::env::var_os("PUNCHLINE_PHOTOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/photos"));
    assert!(
        dir.join("manifest.csv").exists(),
        "photo corpus not found at {} (set PUNCHLINE_PHOTOS)",
        dir.display()
    );
    dir
}

#[derive(Debug, serde::Deserialize)]
pub struct ProvenanceRow {
    pub path: String,
    pub dup_group: Option<String>,
    pub group_kind: Option<String>,
    pub display_wxh: Option<String>,
}

pub fn provenance() -> Vec<ProvenanceRow> {
    let mut reader = csv::Reader::from_path(photos_dir().join("provenance.csv")).expect("provenance.csv");
    reader.deserialize().map(|r| r.expect("provenance row")).collect()
}

pub fn default_config() -> Config {
    Config::default()
}

pub struct Corpus {
    pub outcomes: HashMap<String, Result<Processed, ImageError>>,
}

impl Corpus {
    pub fn ok(&self, file: &str) -> &Processed {
        match self.outcomes.get(file) {
            Some(Ok(p)) => p,
            Some(Err(e)) => panic!("{file} failed: {e}"),
            None => panic!("{file} is not in the corpus"),
        }
    }

    pub fn err(&self, file: &str) -> &ImageError {
        match self.outcomes.get(file) {
            Some(Err(e)) => e,
            Some(Ok(_)) => panic!("{file} processed but should have failed"),
            None => panic!("{file} is not in the corpus"),
        }
    }
}

/// Every photo of the corpus, processed once with the default configuration.
pub fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let config = default_config();
        let settings = Settings { limits: &config.limits, variants: &config.variants };
        let files: Vec<String> = provenance().into_iter().map(|r| r.path).collect();
        let outcomes = files
            .par_iter()
            .map(|f| {
                let bytes = std::fs::read(photos_dir().join(f)).expect("read photo");
                (f.clone(), process(&bytes, settings))
            })
            .collect();
        Corpus { outcomes }
    })
}
