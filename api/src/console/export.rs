//! The CSV export for payroll: every punch of a date range (one worker's, or the
//! organisation's, optionally one site's) with its verdict and the latest review.

use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use maud::html;
use punchline_domain::{SiteId, UserId};

use super::error::ConsoleError;
use super::layout::{page, Page, Section};
use super::queue::{parse, people, person, Names};
use super::session::ConsoleUser;
use super::timesheet::{lines, Line, RangeQuery};
use crate::error::ApiError;
use crate::state::AppState;

/// The export's columns, in order.
pub const COLUMNS: &[&str] = &[
    "date",
    "local_time",
    "time_zone",
    "worker_id",
    "worker",
    "site_id",
    "site",
    "kind",
    "device_time",
    "received_at",
    "verdict",
    "flags",
    "review",
    "reviewed_by",
    "reviewed_at",
    "review_reason",
    "pair_hours",
    "punch_id",
];

/// `GET /console/export`: the form.
pub async fn show(State(state): State<AppState>, user: ConsoleUser) -> Result<Page, ConsoleError> {
    let names = Names::load(&state, &user).await?;
    let (from, to) = RangeQuery::default().dates()?;
    let mut sites: Vec<_> = names.sites.values().collect();
    sites.sort_by(|a, b| a.name.cmp(&b.name));
    let mut workers: Vec<_> = names.workers.values().collect();
    workers.sort_by(|a, b| a.name.cmp(&b.name));
    let body = html! {
        h1 { "Export for payroll" }
        p { "One line per punch, with its verdict and its latest review. Rejected punches are listed but pair no hours." }
        form.filters method="get" action="/console/export.csv" {
            label { "From" input type="date" name="from" value=(from) required; }
            label { "To" input type="date" name="to" value=(to) required; }
            label { "Site" select name="site" { option value="" { "All sites" }
                @for s in sites { option value=(s.id) { (s.name) } } } }
            label { "Worker" select name="worker" { option value="" { "All workers" }
                @for w in workers { option value=(w.id) { (person(Some(&w.name), w.id)) } } } }
            button.primary type="submit" { "Download CSV" }
        }
    };
    Ok(page("Export", Some(&user), Section::Export, body))
}

/// `GET /console/export.csv`.
pub async fn org_csv(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(range): Query<RangeQuery>,
) -> Result<Response, ConsoleError> {
    let site: Option<SiteId> = parse(range.site.as_deref(), "site")?;
    let worker: Option<UserId> = parse(range.worker.as_deref(), "worker")?;
    csv_response(&state, &user, worker, site, &range).await
}

/// `GET /console/workers/{id}/timesheet.csv`.
pub async fn worker_csv(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Query(range): Query<RangeQuery>,
) -> Result<Response, ConsoleError> {
    let id: UserId = id.parse().map_err(|_| ConsoleError::not_found("worker"))?;
    state.records.user(user.org, id).await?.ok_or(ConsoleError::not_found("worker"))?;
    csv_response(&state, &user, Some(id), None, &range).await
}

async fn csv_response(
    state: &AppState,
    user: &ConsoleUser,
    worker: Option<UserId>,
    site: Option<SiteId>,
    range: &RangeQuery,
) -> Result<Response, ConsoleError> {
    let dates = range.dates()?;
    let names = Names::load(state, user).await?;
    let lines = lines(state, user, &names, worker, site, dates).await?;
    let reviewer_ids =
        lines.iter().filter_map(|l| l.row.latest_review.as_ref().map(|r| r.reviewer)).collect();
    let reviewers = people(state, user, reviewer_ids).await?;
    let csv = write_csv(&lines, &names, &reviewers).map_err(|e| ConsoleError::Api(ApiError::Internal(e)))?;
    let filename = format!("attachment; filename=\"punchline-{}-{}.csv\"", dates.0, dates.1);
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
        (
            CONTENT_DISPOSITION,
            HeaderValue::from_str(&filename).unwrap_or(HeaderValue::from_static("attachment")),
        ),
    ];
    Ok((headers, csv).into_response())
}

/// The CSV text.
fn write_csv(
    lines: &[Line],
    names: &Names,
    reviewers: &std::collections::HashMap<UserId, String>,
) -> Result<String, String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(COLUMNS).map_err(|e| e.to_string())?;
    for line in lines {
        let p = &line.row.punch;
        let local = p.device_time.with_timezone(&line.zone);
        let review = line.row.latest_review.as_ref();
        let flags: Vec<&str> = line.row.flags.iter().map(|f| f.code.as_str()).collect();
        let record = [
            line.local_date.to_string(),
            local.format("%H:%M:%S").to_string(),
            line.zone.name().to_owned(),
            p.worker.to_string(),
            cell(&names.worker(p.worker)),
            p.site.to_string(),
            cell(names.site(p.site)),
            p.kind.as_str().to_owned(),
            p.device_time.to_rfc3339(),
            p.received_at.to_rfc3339(),
            line.row.verdict.map_or("processing", |v| v.as_str()).to_owned(),
            flags.join(";"),
            review.map_or("", |r| r.decision.as_str()).to_owned(),
            review.map(|r| cell(reviewers.get(&r.reviewer).map_or("", String::as_str))).unwrap_or_default(),
            review.map(|r| r.at.to_rfc3339()).unwrap_or_default(),
            review.map(|r| cell(&r.reason)).unwrap_or_default(),
            line.pair_seconds.map(|s| format!("{:.2}", s as f64 / 3600.0)).unwrap_or_default(),
            p.id.to_string(),
        ];
        out.write_record(&record).map_err(|e| e.to_string())?;
    }
    let bytes = out.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// Free text made safe for spreadsheets: a cell starting with `=`, `+`, `-`, `@` or a
/// control character would run as a formula in Excel or Sheets.
fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("blurred photo"), "blurred photo");
    }
}
