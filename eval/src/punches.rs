//! The labelled punches through the verification engine: for every flag code, how often it
//! was raised when it had to be and when it must not be.

use chrono::{TimeDelta, Utc};
use punchline_domain::{Config, FlagCode, Geofence, OrgId, Site};
use punchline_imaging::{process, Settings};
use rayon::prelude::*;

use crate::engine::{self, PunchFacts};
use crate::scenarios::Scenario;
use crate::transform::Source;
use crate::{Corpus, Counts, EvalError};

/// A flag decided against its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Mistake {
    /// The scenario's id in the scenarios file.
    pub scenario: String,
    /// The flag decided wrongly.
    pub code: FlagCode,
    /// `true`: it had to be raised and was not; `false`: it was raised and must not be.
    pub expected: bool,
    /// The scenario's note, to say what the punch was.
    pub note: String,
}

/// How the verification engine did on the labelled punches.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagResults {
    /// Every flag code, in [`FlagCode::ALL`] order, with its counts.
    pub per_code: Vec<(FlagCode, Counts)>,
    /// Scenarios run.
    pub scenarios: usize,
    /// Every flag decided against its label, in scenario order.
    pub mistakes: Vec<Mistake>,
}

impl FlagResults {
    /// The counts of one flag code (all zero if no scenario labels it).
    pub fn counts(&self, code: FlagCode) -> Counts {
        self.per_code.iter().find(|(c, _)| *c == code).map(|(_, counts)| *counts).unwrap_or_default()
    }
}

pub fn evaluate(corpus: &Corpus, scenarios: &[Scenario], config: &Config) -> Result<FlagResults, EvalError> {
    let raised: Vec<Vec<FlagCode>> =
        scenarios.par_iter().map(|s| flags_of(corpus, s, config)).collect::<Result<_, _>>()?;
    let mut per_code: Vec<(FlagCode, Counts)> =
        FlagCode::ALL.iter().map(|&c| (c, Counts::default())).collect();
    let mut mistakes = Vec::new();
    for (scenario, raised) in scenarios.iter().zip(&raised) {
        for (code, counts) in per_code.iter_mut() {
            let Some(expected) = scenario.label(*code) else { continue };
            let was = raised.contains(code);
            counts.add(expected, was);
            if expected != was {
                mistakes.push(Mistake {
                    scenario: scenario.id.clone(),
                    code: *code,
                    expected,
                    note: scenario.note.clone(),
                });
            }
        }
    }
    Ok(FlagResults { per_code, scenarios: scenarios.len(), mistakes })
}

/// The flags the engine raises for one scenario.
fn flags_of(corpus: &Corpus, scenario: &Scenario, config: &Config) -> Result<Vec<FlagCode>, EvalError> {
    let photo = corpus.get(&scenario.photo)?;
    let transformed = match scenario.transform {
        None => None,
        Some(transform) => {
            let failed = |e| EvalError::Transform { photo: photo.name.clone(), source: e };
            let source = Source::decode(&photo.bytes, &config.limits).map_err(failed)?;
            transform.apply(&source).map_err(failed)?
        }
    };
    let settings = Settings { limits: &config.limits, variants: &config.variants };
    let (bytes, fresh) = match &transformed {
        Some(bytes) => (bytes.as_slice(), Some(process(bytes, settings))),
        None => (photo.bytes.as_slice(), None),
    };
    let outcome = fresh.as_ref().unwrap_or(&photo.outcome);

    let org = OrgId::new();
    let mut candidates = Vec::new();
    for (name, registered) in scenario.earlier.iter().zip(1..) {
        let earlier = corpus.get(name)?;
        // An earlier photo the pipeline refused has no hashes to be found by.
        if let Ok(processed) = &earlier.outcome {
            candidates.push(engine::candidate(org, processed, registered));
        }
    }
    let fence = Geofence::Circle { center: scenario.site_center, radius_m: scenario.radius_m };
    let site = Site::new(org, &scenario.id, &scenario.time_zone, fence)
        .map_err(|e| EvalError::Site { id: scenario.id.clone(), message: e.to_string() })?;
    let device = scenario.device_time.with_timezone(&Utc);
    let punch = PunchFacts {
        site,
        device_time: scenario.device_time,
        device_location: scenario.device_location,
        received_at: device + TimeDelta::seconds(scenario.received_after_s),
        upload_completed_at: device + TimeDelta::seconds(scenario.uploaded_after_s),
    };
    let verdict = engine::verdict(&punch, outcome.as_ref(), bytes.len() as u64, &candidates, config);
    Ok(verdict.flags.iter().map(|f| f.code).collect())
}
