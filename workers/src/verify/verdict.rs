//! Collecting flags with their configured severity, and stamping the verdict with the
//! version of the rules and thresholds that made it.

use chrono::{DateTime, Utc};
use punchline_domain::config::VerificationConfig;
use punchline_domain::{Config, Flag, FlagCode, Verdict};

/// The version of the rules' logic. Bump it whenever a rule changes what it flags for the
/// same input (a new rule, a changed comparison, a fixed bug); not for refactors, new
/// evidence fields or message wording. Threshold and severity changes need no bump: they
/// change the fingerprint that [`rules_version`] appends.
///
/// 2: the GPS stamp is evidence of the camera's offset only, never the capture time.
pub const RULES_VERSION: &str = "2";

/// `RULES_VERSION` plus a fingerprint of every threshold and severity in force
/// (`1+3f2a…`), so punches decided under other settings can be found and re-scored.
pub fn rules_version(config: &Config) -> String {
    // Serialising the typed config is deterministic: fields in declaration order.
    let settings = serde_json::to_string(&(&config.verification, &config.hashing)).unwrap_or_default();
    format!("{RULES_VERSION}+{:016x}", fnv1a_64(settings.as_bytes()))
}

/// FNV-1a: a tiny hash that is stable across builds and platforms (std's is not).
fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The flags raised so far, each with the severity the configuration gives its code.
pub(super) struct Findings<'a> {
    config: &'a VerificationConfig,
    flags: Vec<Flag>,
}

impl<'a> Findings<'a> {
    pub(super) fn new(config: &'a VerificationConfig) -> Self {
        Findings { config, flags: Vec::new() }
    }

    pub(super) fn raise(&mut self, code: FlagCode, message: String, evidence: serde_json::Value) {
        let severity = self.config.severity.of(code);
        self.flags.push(Flag { code, severity, evidence, message });
    }

    pub(super) fn into_verdict(self, rules_version: &str, decided_at: DateTime<Utc>) -> Verdict {
        Verdict::from_flags(self.flags, rules_version, decided_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use punchline_domain::{Severity, VerdictState};

    #[test]
    fn rules_version_changes_with_any_threshold() {
        let base = Config::default();
        let mut tighter = base.clone();
        tighter.verification.device_time_tolerance_s -= 1;
        let mut other_hashing = base.clone();
        other_hashing.hashing.reuse_max_distance += 1;
        assert!(rules_version(&base).starts_with(&format!("{RULES_VERSION}+")));
        assert_eq!(rules_version(&base), rules_version(&Config::default()));
        assert_ne!(rules_version(&base), rules_version(&tighter));
        assert_ne!(rules_version(&base), rules_version(&other_hashing));
    }

    #[test]
    fn severities_come_from_the_config() {
        let mut config = Config::default();
        config.verification.severity.no_gps = Severity::Info;
        let mut findings = Findings::new(&config.verification);
        findings.raise(FlagCode::NoGps, "no gps".into(), serde_json::json!({}));
        let verdict = findings.into_verdict("1", Utc::now());
        assert_eq!(verdict.flags[0].severity, Severity::Info);
        assert_eq!(verdict.state, VerdictState::Verified);

        let defaults = Config::default();
        let mut findings = Findings::new(&defaults.verification);
        findings.raise(FlagCode::NoGps, "no gps".into(), serde_json::json!({}));
        assert_eq!(findings.into_verdict("1", Utc::now()).state, VerdictState::NeedsReview);
    }
}
