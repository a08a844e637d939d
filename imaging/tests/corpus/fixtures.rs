//! Loading the photo corpus, its CSVs, and processing every photo once.

use std::collections::HashMap;
use std::sync::OnceLock;

use punchline_domain::Config;
use punchline_imaging::{process, ImageError, Processed, Settings};
use punchline_testkit::photos;
use rayon::prelude::*;

#[derive(Debug, serde::Deserialize)]
pub struct ProvenanceRow {
    pub path: String,
    pub dup_group: Option<String>,
    pub group_kind: Option<String>,
    pub display_wxh: Option<String>,
}

pub fn provenance() -> Vec<ProvenanceRow> {
    photos::table("provenance.csv")
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
                let bytes = photos::read(f);
                (f.clone(), process(&bytes, settings))
            })
            .collect();
        Corpus { outcomes }
    })
}
