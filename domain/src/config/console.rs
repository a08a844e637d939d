//! Knobs of the supervisors' console (`[console]`): the web pages the api serves under
//! `/console/`, and how supervisors sign in to them.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// The supervisors' console: lifetimes of its login links and sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Seconds a one-time login link (`punchline token --login`) stays usable. Short: the
    /// link travels by chat or mail, where others may see it later.
    pub login_ttl_s: u64,
    /// Seconds a signed-in browser session lasts, from sign-in (not extended by use): a
    /// working day, after which the supervisor asks for a new link.
    pub session_ttl_s: u64,
    /// Rows per page of the review queue and other listings.
    pub page_size: u32,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig { login_ttl_s: 15 * 60, session_ttl_s: 8 * 3600, page_size: 25 }
    }
}

impl ConsoleConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.login_ttl_s == 0 || self.session_ttl_s == 0 {
            return Err(ConfigError::OutOfRange(
                "console.login_ttl_s and console.session_ttl_s must be positive".into(),
            ));
        }
        if !(1..=500).contains(&self.page_size) {
            return Err(ConfigError::OutOfRange("console.page_size must be 1 to 500".into()));
        }
        Ok(())
    }
}
