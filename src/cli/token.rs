//! `punchline token`: mints a bearer token for development and tests, signed with the
//! configured key (`auth.jwt_secret`); with `--login`, a one-time login link to the
//! supervisors' console instead, stored in the configured records.

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
    /// Print a one-time login link to the supervisors' console (`/console/`) instead of a
    /// token: supervisors and admins only, valid `console.login_ttl_s` (15 minutes), stored
    /// in the records `records.url` names (migrated: `punchline migrate`).
    #[arg(long, conflicts_with = "ttl")]
    login: bool,
}

/// Prints the token on standard output, alone on its line (for `$(punchline token …)`).
pub fn run(config: &Config, args: TokenArgs) -> anyhow::Result<ExitCode> {
    if args.login {
        return login_link(config, &args);
    }
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

/// Prints a console login link on standard output, alone on its line.
fn login_link(config: &Config, args: &TokenArgs) -> anyhow::Result<ExitCode> {
    if !args.role.can_review() {
        bail!("--login: workers cannot open the console; use --role supervisor or --role admin");
    }
    let link = super::lifecycle::runtime()?.block_on(async {
        let records = punchline_backends::records::open(&config.records.url, 1)
            .await
            .context("opening the records (records.url)")?;
        let settings = punchline_api::console::ConsoleSettings::from_config(config);
        punchline_api::console::signin::create_login_link(
            records.as_ref(),
            &settings,
            args.org,
            args.user,
            args.role,
        )
        .await
        .context("storing the login link (has `punchline migrate` run on these records?)")
    })?;
    println!("{}", link.url);
    eprintln!(
        "punchline: the link signs in once, until {} (UTC)",
        link.expires_at.format("%Y-%m-%d %H:%M:%S")
    );
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
