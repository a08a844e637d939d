//! The one typed configuration, loaded from `pipeline.toml` and then overridden by
//! `PUNCHLINE_…` environment variables (`PUNCHLINE_LIMITS__MAX_BYTES=5000000` sets
//! `limits.max_bytes`: sections and fields are joined by a double underscore).
//!
//! Every field is documented where it is declared; `pipeline.toml` at the repository root
//! repeats the defaults with the same comments.

mod api;
mod auth;
mod console;
mod imaging;
mod ingest;
mod queue;
mod store;
mod verification;
mod worker;

use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

pub use api::{ApiConfig, RateLimitConfig, RecordsConfig};
pub use auth::{AuthConfig, DEV_JWT_SECRET, MIN_JWT_SECRET_LEN};
pub use console::ConsoleConfig;
pub use imaging::{HashingConfig, LimitsConfig, PipelineConfig, ReuseSearch, VariantFormat, VariantsConfig};
pub use ingest::IngestConfig;
pub use queue::{QueueBackend, QueueConfig};
pub use store::{
    LocalStoreConfig, S3StoreConfig, SigningKey, StoreBackend, StoreConfig, DEV_SIGNING_KEY,
    MIN_SIGNING_KEY_BYTES,
};
pub use verification::{FlagSeverities, VerificationConfig};
pub use worker::WorkerConfig;

/// Everything punchline can be tuned by. Missing sections and fields take safe defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// What an upload may be before any decoding is attempted.
    pub limits: LimitsConfig,
    /// The resized copies the apps show.
    pub variants: VariantsConfig,
    /// Perceptual hashing: reuse and blank-frame thresholds.
    pub hashing: HashingConfig,
    /// The CPU pool that decodes, resizes and hashes.
    pub pipeline: PipelineConfig,
    /// Tolerances and severities of the verification rules.
    pub verification: VerificationConfig,
    /// The HTTP API: bind address, public URL, body limits, timeouts, CORS, rate limits.
    pub api: ApiConfig,
    /// Bearer tokens: signing key, lifetime, issuer.
    pub auth: AuthConfig,
    /// The supervisors' console: login links and sessions.
    pub console: ConsoleConfig,
    /// Where the records live: a SQLite file (embedded) or PostgreSQL.
    pub records: RecordsConfig,
    /// The job queue between ingest and the workers: backend, names, retries.
    pub queue: QueueConfig,
    /// Ingest: the outbox relay and the sweeper of uploads never completed.
    pub ingest: IngestConfig,
    /// The worker: jobs in flight and graceful shutdown.
    pub worker: WorkerConfig,
    /// Where photos and variants are kept: a local directory (embedded) or S3.
    pub store: StoreConfig,
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file or an environment override could not be read or parsed: bad TOML, a value
    /// of the wrong type, an unknown section or field (figment says which).
    #[error("configuration is invalid: {0}")]
    Invalid(#[from] Box<figment::Error>),
    /// Every value parsed, but one is outside what punchline accepts (a negative distance,
    /// a short signing key, a malformed address); the text says which setting and what it
    /// must be.
    #[error("configuration value out of range: {0}")]
    OutOfRange(String),
}

/// The prefix of every environment override.
pub const ENV_PREFIX: &str = "PUNCHLINE_";

impl Config {
    /// Defaults, then `path` if it exists, then `PUNCHLINE_…` environment overrides.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = path {
            figment = figment.merge(Toml::file_exact(path));
        }
        // Every knob lives in a section (`PUNCHLINE_<SECTION>__<FIELD>`): variables without
        // `__` are the command line's own (`PUNCHLINE_CONFIG`, `PUNCHLINE_LOG`, …), not config.
        let env = Env::prefixed(ENV_PREFIX).filter(|key| key.as_str().contains("__")).split("__");
        Self::extract(figment.merge(env))
    }

    /// Parses a TOML document on top of the defaults (no environment): for tests and tools.
    pub fn from_toml_str(toml: &str) -> Result<Config, ConfigError> {
        Self::extract(Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml)))
    }

    fn extract(figment: Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    /// Rejects values that would make the pipeline misbehave rather than fail loudly later.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.limits.validate()?;
        self.variants.validate()?;
        self.hashing.validate()?;
        self.verification.validate()?;
        self.api.validate()?;
        self.auth.validate()?;
        self.console.validate()?;
        self.records.validate()?;
        self.queue.validate()?;
        self.ingest.validate()?;
        self.worker.validate()?;
        self.store.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_field_defaults_from_the_design() {
        let c = Config::default();
        assert_eq!(c.limits.max_bytes, 10 * 1024 * 1024);
        assert_eq!(c.variants.sizes, vec![300, 800, 1200]);
        assert_eq!(c.variants.quality, 85);
        c.validate().expect("defaults validate");
    }

    #[test]
    fn repository_pipeline_toml_parses_to_the_defaults() {
        let text = include_str!("../../../pipeline.toml");
        let c = Config::from_toml_str(text).expect("pipeline.toml parses");
        assert_eq!(c, Config::default(), "pipeline.toml and the code's defaults disagree");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = Config::from_toml_str("[limits]\nmax_byts = 3\n").unwrap_err();
        assert!(err.to_string().contains("max_byts"), "{err}");
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        assert!(Config::from_toml_str("[variants]\nquality = 0\n").is_err());
        assert!(Config::from_toml_str("[variants]\nsizes = []\n").is_err());
        assert!(Config::from_toml_str("[hashing]\nreuse_max_distance = 300\n").is_err());
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure signature, not ours
    fn environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("p.toml", "[limits]\nmax_bytes = 1000\n")?;
            jail.set_env("PUNCHLINE_LIMITS__MAX_PIXELS", "5000");
            // The command line's own variables are not configuration.
            jail.set_env("PUNCHLINE_CONFIG", "p.toml");
            jail.set_env("PUNCHLINE_LOG", "debug");
            let c = Config::load(Some(Path::new("p.toml"))).expect("loads");
            assert_eq!(c.limits.max_bytes, 1000);
            assert_eq!(c.limits.max_pixels, 5000);
            Ok(())
        });
    }
}
