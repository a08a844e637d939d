//! Knobs of authentication (`[auth]`): the bearer JWTs every API route but health,
//! readiness, metrics and the OpenAPI document requires.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// The development signing key. It is public (it is in the source): every deployment
/// must replace it (`PUNCHLINE_AUTH__JWT_SECRET`), and `punchline serve` warns while it
/// is in use.
pub const DEV_JWT_SECRET: &str = "punchline-development-key-replace-me-before-deploying";

/// Shortest accepted signing key: HS256 keys under 256 bits are guessable.
pub const MIN_JWT_SECRET_LEN: usize = 32;

/// Bearer JWTs (HS256) carrying the organisation, the user and the role.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// The HS256 signing key, at least 32 bytes. The default is for development only:
    /// replace it everywhere else, through `PUNCHLINE_AUTH__JWT_SECRET`, not the file.
    pub jwt_secret: String,
    /// Seconds a minted access token is valid (the apps use 15 minutes).
    pub token_ttl_s: u64,
    /// The `iss` claim minted and required.
    pub issuer: String,
    /// Seconds of clock difference tolerated when checking `exp`.
    pub leeway_s: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            jwt_secret: DEV_JWT_SECRET.into(),
            token_ttl_s: 15 * 60,
            issuer: "punchline".into(),
            leeway_s: 30,
        }
    }
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key must never reach a log.
        f.debug_struct("AuthConfig")
            .field("jwt_secret", &format_args!("<{} bytes>", self.jwt_secret.len()))
            .field("token_ttl_s", &self.token_ttl_s)
            .field("issuer", &self.issuer)
            .field("leeway_s", &self.leeway_s)
            .finish()
    }
}

impl AuthConfig {
    /// Whether the public development key is in use.
    pub fn uses_dev_secret(&self) -> bool {
        self.jwt_secret == DEV_JWT_SECRET
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.jwt_secret.len() < MIN_JWT_SECRET_LEN {
            return Err(ConfigError::OutOfRange(format!(
                "auth.jwt_secret must be at least {MIN_JWT_SECRET_LEN} bytes"
            )));
        }
        if self.token_ttl_s == 0 || self.issuer.is_empty() {
            return Err(ConfigError::OutOfRange("auth.token_ttl_s and auth.issuer must be set".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_key_validates_and_never_prints() {
        let config = AuthConfig::default();
        config.validate().expect("defaults validate");
        assert!(config.uses_dev_secret());
        assert!(!format!("{config:?}").contains(DEV_JWT_SECRET));
        let short = AuthConfig { jwt_secret: "short".into(), ..AuthConfig::default() };
        assert!(short.validate().is_err());
    }
}
