//! Reuse detection measured: the corpus's own pairs, and every source photo transformed and
//! matched against the whole corpus by the PDQ hashes the pipeline computes, with the rule
//! the workers apply (distance over the 8 dihedral hashes ≤ `hashing.reuse_max_distance`,
//! blank hashes never matched). Each copy also goes through the verification engine with the
//! corpus as earlier photos, and must raise `reused_photo` exactly when the rule matches.

use std::collections::BTreeMap;

use chrono::{TimeDelta, TimeZone, Utc};
use punchline_domain::{Config, FlagCode, GeoPoint, Geofence, OrgId, Site};
use punchline_imaging::{process, Processed, Settings};
use rayon::prelude::*;

use crate::engine::{self, PunchFacts};
use crate::transform::Source;
use crate::{Corpus, CorpusPhoto, EvalError, Relation, Transform};

/// How many examples of each kind of failure a result keeps.
const EXAMPLES: usize = 8;

/// Ordered pairs (a later photo searched against an earlier one) of one relation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairCounts {
    /// Pairs compared.
    pub pairs: usize,
    /// Pairs within `reuse_max_distance`: right for same-image pairs, wrong for the others.
    pub matched: usize,
    /// `(later, earlier, distance)` of pairs decided wrongly, the first few.
    pub wrong: Vec<(String, String, u32)>,
}

/// One transformation over every source photo.
#[derive(Debug, Clone, PartialEq)]
pub struct TransformResult {
    /// The transformation measured.
    pub transform: Transform,
    /// Copies made and hashed (the transformation applied to the source).
    pub copies: usize,
    /// Copies that matched their source or a photo of the same picture.
    pub found: usize,
    /// `(source, distance to it)` of the copies not found, the first few.
    pub missed: Vec<(String, u32)>,
    /// Copies blank after the transformation, or refused by the pipeline: never matched.
    pub unhashable: usize,
    /// Copy ↔ corpus pairs where the photo is another shot of the source's scene: every
    /// match is false.
    pub false_same_scene: PairCounts,
    /// Copy ↔ corpus pairs where the photo is a different picture: every match is false.
    pub false_different: PairCounts,
    /// Copies whose verdict disagreed with the rule (`reused_photo` raised or not).
    pub engine_disagreements: usize,
    /// Each copy's PDQ distance to its own source.
    pub source_distances: Vec<u32>,
}

impl TransformResult {
    /// The share of copies found (0–1); `None` when no copy was made and hashed.
    pub fn recall(&self) -> Option<f64> {
        (self.copies > 0).then(|| self.found as f64 / self.copies as f64)
    }
}

/// Everything the reuse evaluation measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ReuseResults {
    /// The corpus's ordered pairs by relation.
    pub corpus: BTreeMap<Relation, PairCounts>,
    /// One result per transformation, in the order they were asked for.
    pub transforms: Vec<TransformResult>,
    /// Source photos transformed.
    pub sources: usize,
    /// Corpus photos whose PDQ the workers would match (processed, not blank).
    pub hashable_photos: usize,
    /// PDQ distances of the corpus's ordered pairs, by relation.
    pub corpus_distances: BTreeMap<Relation, Vec<u32>>,
    /// PDQ distances of every copy to every corpus photo, by relation to the copy's source.
    pub copy_distances: BTreeMap<Relation, Vec<u32>>,
}

/// One copy's distances to the hashable corpus.
struct CopyOutcome {
    transform: Transform,
    source: String,
    /// `None`: not applicable; `Some(None)`: made but unhashable.
    distances: Option<Option<Vec<(usize, u32)>>>,
    engine_reused: bool,
}

pub fn evaluate(
    corpus: &Corpus,
    transforms: &[Transform],
    only: Option<&[String]>,
    config: &Config,
) -> Result<ReuseResults, EvalError> {
    let max = config.hashing.reuse_max_distance;
    let hashable: Vec<(&CorpusPhoto, &Processed)> = corpus.hashable(config).collect();
    let (corpus_pairs, corpus_distances) = corpus_pairs(&hashable, max);

    let sources: Vec<&CorpusPhoto> = match only {
        Some(names) => names.iter().map(|n| corpus.get(n)).collect::<Result<_, _>>()?,
        None => hashable.iter().map(|(p, _)| *p).collect(),
    };
    let outcomes: Vec<Vec<CopyOutcome>> = sources
        .par_iter()
        .map(|source| copies_of(source, transforms, &hashable, config))
        .collect::<Result<_, _>>()?;

    let mut results: Vec<TransformResult> = transforms.iter().map(|&t| empty(t)).collect();
    let mut copy_distances: BTreeMap<Relation, Vec<u32>> = BTreeMap::new();
    for outcome in outcomes.iter().flatten() {
        let result = results.iter_mut().find(|r| r.transform == outcome.transform).expect("listed");
        let Some(made) = &outcome.distances else { continue };
        let Some(distances) = made else {
            result.unhashable += 1;
            continue;
        };
        result.copies += 1;
        let source = corpus.get(&outcome.source)?;
        let (mut found, mut best) = (false, u32::MAX);
        let mut any_match = false;
        for &(i, distance) in distances {
            let (photo, _) = hashable[i];
            let relation = Corpus::relation(source, photo);
            copy_distances.entry(relation).or_default().push(distance);
            let matched = distance <= max;
            any_match |= matched;
            match relation {
                Relation::SameImage => {
                    found |= matched;
                    if photo.name == source.name {
                        best = best.min(distance);
                    }
                }
                Relation::SameScene => {
                    count(&mut result.false_same_scene, matched, &source.name, &photo.name, distance)
                }
                Relation::Different => {
                    count(&mut result.false_different, matched, &source.name, &photo.name, distance)
                }
            }
        }
        if best != u32::MAX {
            result.source_distances.push(best);
        }
        if found {
            result.found += 1;
        } else if result.missed.len() < EXAMPLES {
            result.missed.push((source.name.clone(), best));
        }
        if any_match != outcome.engine_reused {
            result.engine_disagreements += 1;
        }
    }
    Ok(ReuseResults {
        corpus: corpus_pairs,
        transforms: results,
        sources: sources.len(),
        hashable_photos: hashable.len(),
        corpus_distances,
        copy_distances,
    })
}

fn empty(transform: Transform) -> TransformResult {
    TransformResult {
        transform,
        copies: 0,
        found: 0,
        missed: Vec::new(),
        unhashable: 0,
        false_same_scene: PairCounts::default(),
        false_different: PairCounts::default(),
        engine_disagreements: 0,
        source_distances: Vec::new(),
    }
}

/// A pair that must not match: counted, and kept as an example if it did.
fn count(counts: &mut PairCounts, matched: bool, later: &str, earlier: &str, distance: u32) {
    counts.pairs += 1;
    if matched {
        counts.matched += 1;
        if counts.wrong.len() < EXAMPLES {
            counts.wrong.push((later.to_owned(), earlier.to_owned(), distance));
        }
    }
}

/// Every ordered pair of distinct hashable photos: the later one's dihedral hashes against
/// the earlier one's PDQ, as a worker searches.
fn corpus_pairs(
    hashable: &[(&CorpusPhoto, &Processed)],
    max: u32,
) -> (BTreeMap<Relation, PairCounts>, BTreeMap<Relation, Vec<u32>>) {
    let mut counts: BTreeMap<Relation, PairCounts> = BTreeMap::new();
    let mut distances: BTreeMap<Relation, Vec<u32>> = BTreeMap::new();
    for (later, later_hashes) in hashable {
        for (earlier, earlier_hashes) in hashable {
            if later.name == earlier.name {
                continue;
            }
            let relation = Corpus::relation(later, earlier);
            let distance = later_hashes.hashes.min_distance(&earlier_hashes.hashes.pdq);
            distances.entry(relation).or_default().push(distance);
            let entry = counts.entry(relation).or_default();
            entry.pairs += 1;
            let matched = distance <= max;
            entry.matched += usize::from(matched);
            let wrong = matched != (relation == Relation::SameImage);
            if wrong && entry.wrong.len() < EXAMPLES {
                entry.wrong.push((later.name.clone(), earlier.name.clone(), distance));
            }
        }
    }
    (counts, distances)
}

/// The copies of one source, hashed and compared with the hashable corpus.
fn copies_of(
    source: &CorpusPhoto,
    transforms: &[Transform],
    hashable: &[(&CorpusPhoto, &Processed)],
    config: &Config,
) -> Result<Vec<CopyOutcome>, EvalError> {
    let settings = Settings { limits: &config.limits, variants: &config.variants };
    let decoded = Source::decode(&source.bytes, &config.limits)
        .map_err(|e| EvalError::Transform { photo: source.name.clone(), source: e })?;
    let org = OrgId::new();
    let candidates: Vec<_> =
        hashable.iter().zip(1..).map(|((_, p), n)| engine::candidate(org, p, n)).collect();
    transforms
        .iter()
        .map(|&transform| {
            let bytes = transform
                .apply(&decoded)
                .map_err(|e| EvalError::Transform { photo: source.name.clone(), source: e })?;
            let Some(bytes) = bytes else {
                return Ok(CopyOutcome {
                    transform,
                    source: source.name.clone(),
                    distances: None,
                    engine_reused: false,
                });
            };
            let processed = process(&bytes, settings);
            let usable = processed
                .as_ref()
                .ok()
                .filter(|p| p.hashes.pdq.quality >= config.hashing.blank_below_quality);
            let distances = usable.map(|copy| {
                hashable
                    .iter()
                    .enumerate()
                    .map(|(i, (_, p))| (i, copy.hashes.min_distance(&p.hashes.pdq)))
                    .collect()
            });
            let verdict =
                engine::verdict(&anywhere(org), processed.as_ref(), bytes.len() as u64, &candidates, config);
            let engine_reused = verdict.has(FlagCode::ReusedPhoto) || verdict.has(FlagCode::ExactDuplicate);
            Ok(CopyOutcome {
                transform,
                source: source.name.clone(),
                distances: Some(distances),
                engine_reused,
            })
        })
        .collect()
}

/// A punch whose time and place do not matter here: only the reuse flags are read.
fn anywhere(org: OrgId) -> PunchFacts {
    let fence = Geofence::Circle { center: GeoPoint { lat: 0.0, lon: 0.0 }, radius_m: 100.0 };
    let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().expect("a valid time");
    PunchFacts {
        site: Site::new(org, "eval", "UTC", fence).expect("a valid site"),
        device_time: now.fixed_offset(),
        device_location: None,
        received_at: now,
        upload_completed_at: now + TimeDelta::seconds(1),
    }
}
