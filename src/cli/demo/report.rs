//! The demo's table: each photo, its verdict, every flag with its evidence, and how long
//! the punch took from creation to result.

use std::fmt::Write as _;

use punchline_api::client::ClientError;
use punchline_domain::PhotoState;

use super::flow::Outcome;

/// The table, ready to print.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<40} {:<38} {:<13} {:>7}", "photo", "what it shows", "verdict", "took");
    let _ = writeln!(out, "{}", "─".repeat(101));
    for o in outcomes {
        let took = format!("{:.1} s", o.took.as_secs_f64());
        let _ = writeln!(out, "{:<40} {:<38} {:<13} {:>7}", o.photo.file, o.photo.shows, verdict(o), took);
        for line in details(o) {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// The verdict column: the verdict's state, `failed`, or why the app's call was refused.
fn verdict(o: &Outcome) -> String {
    match &o.result {
        Ok(d) => match (&d.verdict, d.photo.state) {
            (Some(v), _) => v.state.to_string(),
            (None, PhotoState::Failed) => "failed".into(),
            (None, state) => state.to_string(),
        },
        Err(e) => match e.downcast_ref::<ClientError>() {
            Some(ClientError::Status { status, .. }) => format!("refused {}", status.as_u16()),
            Some(ClientError::Timeout { .. }) => "timed out".into(),
            _ => "error".into(),
        },
    }
}

/// The lines under a row: each flag with its evidence, the failure, or the refusal.
fn details(o: &Outcome) -> Vec<String> {
    let d = match &o.result {
        Ok(d) => d,
        Err(e) => return vec![format!("✗ {e:#}")],
    };
    let mut lines = Vec::new();
    if let Some(f) = &d.photo.failure {
        lines.push(format!("✗ {}: {}", f.code, f.reason));
    }
    for flag in d.verdict.iter().flat_map(|v| &v.flags) {
        let evidence = serde_json::to_string(&flag.evidence).unwrap_or_default();
        lines.push(format!("⚑ {} [{}] {}  {evidence}", flag.code, flag.severity, flag.message));
    }
    if lines.is_empty() {
        lines.push("✓ no flags".into());
    }
    lines
}

/// One JSON object per punch, for scripts and tests: `photo`, `verdict`, `flags` (codes),
/// `failure` (code), `refused` (`{status, code}` of a refused call), `took_ms`.
pub fn json_lines(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let (flags, failure, refused) = match &o.result {
            Ok(d) => {
                let flags: Vec<String> =
                    d.verdict.iter().flat_map(|v| &v.flags).map(|f| f.code.to_string()).collect();
                (flags, d.photo.failure.as_ref().map(|f| f.code), None)
            }
            Err(e) => {
                let refused = match e.downcast_ref::<ClientError>() {
                    Some(ClientError::Status { status, code, .. }) => {
                        serde_json::json!({ "status": status.as_u16(), "code": code })
                    }
                    _ => serde_json::json!({ "error": format!("{e:#}") }),
                };
                (Vec::new(), None, Some(refused))
            }
        };
        let line = serde_json::json!({
            "photo": o.photo.file,
            "shows": o.photo.shows,
            "verdict": verdict(o),
            "flags": flags,
            "failure": failure,
            "refused": refused,
            "took_ms": o.took.as_millis() as u64,
        });
        let _ = writeln!(out, "{line}");
    }
    out
}
