//! `punchline token`: mints a bearer token for development and tests, signed with the
//! configured key (`auth.jwt_secret`).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use punchline_api::TokenKeys;
use punchline_domain::{Config, OrgId, Role, UserId};

/// Arguments of `punchline token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The organisation (a uuid) every request with the token is scoped to.
    #[arg(long)]
    org: OrgId,
    /// The user (a uuid) the token stands for.
    #[arg(long)]
    user: UserId,
    /// `worker`, `supervisor` or `admin`.
    #[arg(long)]
    role: Role,
    /// How long the token is valid: seconds, or a number with s, m, h or d (default:
    /// `auth.token_ttl_s`, 15 minutes).
    #[arg(long)]
    ttl: Option<String>,
}

/// Prints the token on standard output, alone on its line (for `$(punchline token …)`).
pub fn run(config: &Config, args: TokenArgs) -> anyhow::Result<ExitCode> {
    let keys = TokenKeys::new(&config.auth);
    let ttl = match &args.ttl {
        Some(text) => parse_ttl(text)?,
        None => keys.default_ttl(),
    };
    if config.auth.uses_dev_secret() {
        eprintln!(
            "punchline: warning: signed with the public development key (set PUNCHLINE_AUTH__JWT_SECRET)"
        );
    }
    let token = keys.mint(args.org, args.user, args.role, ttl).context("minting the token")?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// `90`, `90s`, `15m`, `2h`, `7d`.
fn parse_ttl(text: &str) -> anyhow::Result<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 =
        number.parse().with_context(|| format!("--ttl {text:?}: expected e.g. 900, 15m, 2h"))?;
    let unit_seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => bail!("--ttl {text:?}: the unit must be s, m, h or d"),
    };
    match number.checked_mul(unit_seconds) {
        Some(0) | None => bail!("--ttl {text:?} must be positive and under centuries"),
        Some(seconds) => Ok(Duration::from_secs(seconds)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_take_units() {
        assert_eq!(parse_ttl("900").ok(), Some(Duration::from_secs(900)));
        assert_eq!(parse_ttl("15m").ok(), Some(Duration::from_secs(900)));
        assert_eq!(parse_ttl("2h").ok(), Some(Duration::from_secs(7200)));
        assert_eq!(parse_ttl("1d").ok(), Some(Duration::from_secs(86_400)));
        assert!(parse_ttl("0").is_err());
        assert!(parse_ttl("15x").is_err());
        assert!(parse_ttl("m").is_err());
    }
}
