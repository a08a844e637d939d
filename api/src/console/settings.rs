//! The console's settings, read once from the configuration. A leaf module: the api's
//! state holds them, and the console's pages read them from the state, so this must not
//! depend on either.

use std::time::Duration;

use punchline_domain::Config;

/// The console's settings, from `[console]` and the API's public URL.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// How long a login link stays usable.
    pub login_ttl: Duration,
    /// How long a session lasts from sign-in.
    pub session_ttl: Duration,
    /// Rows per page of the listings.
    pub page_size: u32,
    /// Whether cookies are marked `Secure` (the console is served over HTTPS).
    pub secure_cookies: bool,
    /// Where browsers reach the api (login links start with it).
    pub public_url: String,
}

impl ConsoleSettings {
    /// The settings of `config`.
    pub fn from_config(config: &Config) -> ConsoleSettings {
        ConsoleSettings {
            login_ttl: Duration::from_secs(config.console.login_ttl_s),
            session_ttl: Duration::from_secs(config.console.session_ttl_s),
            page_size: config.console.page_size,
            secure_cookies: config.api.public_url.starts_with("https://"),
            public_url: config.api.public_url.trim_end_matches('/').to_owned(),
        }
    }
}
