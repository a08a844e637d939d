//! The shared photo corpus and its labels: `provenance.csv` puts some photos in groups, of
//! one picture (`same_image`: re-encoded, re-oriented, HDR on/off of one capture) or of one
//! scene (`same_scene`: shots seconds apart, which are not reuse). Every photo is processed
//! once by the image pipeline, exactly as a worker would.

use std::path::{Path, PathBuf};

use punchline_domain::Config;
use punchline_imaging::{process, ImageError, Processed, Settings};
use rayon::prelude::*;

use crate::EvalError;

/// What a `dup_group` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// `same_image`: one capture re-encoded, re-oriented or saved with HDR on and off;
    /// reuse detection must match every pair of the group.
    SameImage,
    /// `same_scene`: distinct shots of one scene seconds apart; not reuse, so they must
    /// never match.
    SameScene,
}

/// How two photos of the corpus relate, by its labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// One picture: reuse must match them.
    SameImage,
    /// Shots of one scene: reuse must not match them.
    SameScene,
    /// Nothing to do with each other: must never match.
    Different,
}

impl Relation {
    /// The words the report and the histogram legends use.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::SameImage => "same image",
            Relation::SameScene => "same scene",
            Relation::Different => "different",
        }
    }
}

/// One photo of the corpus, its label and what the image pipeline made of it.
pub struct CorpusPhoto {
    /// The file name, e.g. `coolpix_gps_0010.jpg`.
    pub name: String,
    /// `(dup_group, kind)` from `provenance.csv`.
    pub group: Option<(String, GroupKind)>,
    /// The file's bytes, as read (transformations start from them).
    pub bytes: Vec<u8>,
    /// What the image pipeline made of it.
    pub outcome: Result<Processed, ImageError>,
}

/// Every photo `provenance.csv` lists, each processed once.
pub struct Corpus {
    /// The directory holding `provenance.csv` and the photos.
    pub dir: PathBuf,
    /// The photos in `provenance.csv` order.
    pub photos: Vec<CorpusPhoto>,
}

#[derive(serde::Deserialize)]
struct ProvenanceRow {
    path: String,
    dup_group: Option<String>,
    group_kind: Option<String>,
}

impl Corpus {
    /// Reads `provenance.csv` in `dir` and processes every photo it lists (on rayon).
    pub fn load(dir: &Path, config: &Config) -> Result<Corpus, EvalError> {
        let listing = dir.join("provenance.csv");
        let csv_error = |source| EvalError::Csv { path: listing.clone(), source };
        let mut reader = csv::Reader::from_path(&listing).map_err(csv_error)?;
        let rows: Vec<ProvenanceRow> = reader.deserialize().collect::<Result<_, _>>().map_err(csv_error)?;
        let settings = Settings { limits: &config.limits, variants: &config.variants };
        let photos = rows
            .into_par_iter()
            .map(|row| {
                let path = dir.join(&row.path);
                let bytes = std::fs::read(&path).map_err(|source| EvalError::Read { path, source })?;
                let kind = match row.group_kind.as_deref() {
                    Some("same_image") => Some(GroupKind::SameImage),
                    Some("same_scene") => Some(GroupKind::SameScene),
                    _ => None,
                };
                let group = row.dup_group.zip(kind);
                let outcome = process(&bytes, settings);
                Ok(CorpusPhoto { name: row.path, group, bytes, outcome })
            })
            .collect::<Result<Vec<_>, EvalError>>()?;
        Ok(Corpus { dir: dir.to_owned(), photos })
    }

    /// The photo with this file name; [`EvalError::UnknownPhoto`] when the corpus has none.
    pub fn get(&self, name: &str) -> Result<&CorpusPhoto, EvalError> {
        self.photos.iter().find(|p| p.name == name).ok_or_else(|| EvalError::UnknownPhoto(name.to_owned()))
    }

    /// What the labels say about `a` and `b` (a photo is the same image as itself).
    pub fn relation(a: &CorpusPhoto, b: &CorpusPhoto) -> Relation {
        if a.name == b.name {
            return Relation::SameImage;
        }
        match (&a.group, &b.group) {
            (Some((ga, kind)), Some((gb, _))) if ga == gb => match kind {
                GroupKind::SameImage => Relation::SameImage,
                GroupKind::SameScene => Relation::SameScene,
            },
            _ => Relation::Different,
        }
    }

    /// The photos whose PDQ the workers would use to match: processed, and not blank.
    pub fn hashable<'a>(
        &'a self,
        config: &'a Config,
    ) -> impl Iterator<Item = (&'a CorpusPhoto, &'a Processed)> {
        self.photos.iter().filter_map(move |p| match &p.outcome {
            Ok(processed) if processed.hashes.pdq.quality >= config.hashing.blank_below_quality => {
                Some((p, processed))
            }
            _ => None,
        })
    }
}
