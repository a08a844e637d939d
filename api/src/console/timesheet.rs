//! Workers' timesheets: a worker's punches by day (in the site's time zone), paired in
//! and out with the hours between, each with its verdict and review. The CSV export
//! ([`super::export`]) reads the same lines.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};
use punchline_backends::records::{ConsoleFilter, ConsoleRow};
use punchline_domain::{PunchKind, ReviewDecision, Role, SiteId, UserId};
use serde::Deserialize;

use super::error::ConsoleError;
use super::format::{clock, day_start_utc, form_date, hours};
use super::layout::{decision_label, page, serious_badges, verdict_label, Page, Section};
use super::queue::{person, query_string, Names};
use super::session::ConsoleUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Most punches one timesheet or export reads (a year of a crew's punches).
const MAX_LINES: usize = 50_000;

/// Days shown when the form names none.
const DEFAULT_DAYS: i64 = 14;

/// A date range from a form.
#[derive(Debug, Default, Deserialize)]
pub struct RangeQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub site: Option<String>,
    pub worker: Option<String>,
}

impl RangeQuery {
    /// The inclusive dates: the form's, or the last two weeks.
    pub fn dates(&self) -> Result<(NaiveDate, NaiveDate), ConsoleError> {
        let read = |t: Option<&str>| form_date(t).map_err(|e| ConsoleError::Api(ApiError::BadQuery(e)));
        // Today wherever it is latest (UTC+14), so no site's punches of today are left out.
        let to = read(self.to.as_deref())?.unwrap_or_else(|| (Utc::now() + Duration::hours(14)).date_naive());
        let from = read(self.from.as_deref())?.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
        if from > to {
            return Err(ConsoleError::Api(ApiError::BadQuery("the range ends before it starts".into())));
        }
        Ok((from, to))
    }
}

/// One punch of a timesheet, at its local time in its site's zone.
pub struct Line {
    pub row: ConsoleRow,
    pub zone: Tz,
    pub local_date: NaiveDate,
    /// For an `out` that closes a pair: the seconds since its `in`.
    pub pair_seconds: Option<i64>,
}

impl Line {
    fn at(&self) -> DateTime<Utc> {
        self.row.punch.device_time.to_utc()
    }

    /// Rejected punches count for nothing.
    fn counts(&self) -> bool {
        self.row.latest_review.as_ref().map(|r| r.decision) != Some(ReviewDecision::Rejected)
    }
}

/// The punches of the range (local dates `from..=to` of their device time in their site's
/// zone), oldest first, paired in → out.
pub async fn lines(
    state: &AppState,
    user: &ConsoleUser,
    names: &Names,
    worker: Option<UserId>,
    site: Option<SiteId>,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Vec<Line>, ConsoleError> {
    let mut filter = ConsoleFilter::all(ConsoleFilter::MAX_LIMIT);
    filter.worker = worker;
    filter.site = site;
    // Punch times a day either side cover every zone's local dates.
    filter.device_from = Some(day_start_utc(from) - Duration::days(1));
    filter.device_to = to.succ_opt().map(|d| day_start_utc(d) + Duration::days(1));
    let mut rows = Vec::new();
    loop {
        let page = state.records.console_punches(user.org, &filter).await?;
        let full = page.len() == filter.limit as usize;
        filter.before = page.last().map(|r| r.punch.id);
        rows.extend(page);
        if !full || rows.len() >= MAX_LINES {
            break;
        }
    }
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|row| {
            let zone = names.zone(row.punch.site);
            let local_date = row.punch.device_time.with_timezone(&zone).date_naive();
            Line { row, zone, local_date, pair_seconds: None }
        })
        .filter(|l| (from..=to).contains(&l.local_date))
        .collect();
    lines.sort_by_key(|l| (l.row.punch.worker, l.at()));
    pair(&mut lines);
    lines.sort_by_key(|l| l.at());
    Ok(lines)
}

/// Pairs each worker's `in` with their next `out` (lines sorted by worker, then time).
fn pair(lines: &mut [Line]) {
    let mut open: Option<(UserId, DateTime<Utc>)> = None;
    for line in lines.iter_mut().filter(|l| l.counts()) {
        let worker = line.row.punch.worker;
        match line.row.punch.kind {
            PunchKind::In => open = Some((worker, line.at())),
            PunchKind::Out => {
                if let Some((w, start)) = open.take().filter(|(w, _)| *w == worker) {
                    let _ = w;
                    line.pair_seconds = Some((line.at() - start).num_seconds());
                }
            }
        }
    }
}

/// `GET /console/workers`: who punches, each with a link to their timesheet.
pub async fn workers(State(state): State<AppState>, user: ConsoleUser) -> Result<Page, ConsoleError> {
    let workers = state.records.users_with_role(user.org, Role::Worker).await?;
    let body = html! {
        h1 { "Timesheets" }
        @if workers.is_empty() { p.empty { "No worker has punched yet." } }
        ul.plain {
            @for w in &workers { li { a href={ "/console/workers/" (w.id) } { (person(Some(&w.name), w.id)) } } }
        }
    };
    Ok(page("Timesheets", Some(&user), Section::Workers, body))
}

/// `GET /console/workers/{id}`: the worker's timesheet for a range of days.
pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Query(range): Query<RangeQuery>,
) -> Result<Page, ConsoleError> {
    let id: UserId = id.parse().map_err(|_| ConsoleError::not_found("worker"))?;
    let worker = state.records.user(user.org, id).await?.ok_or(ConsoleError::not_found("worker"))?;
    let dates = range.dates()?;
    let names = Names::load(&state, &user).await?;
    let lines = lines(&state, &user, &names, Some(id), None, dates).await?;
    let name = person(Some(&worker.name), id);
    let mut days: BTreeMap<NaiveDate, Vec<&Line>> = BTreeMap::new();
    for line in &lines {
        days.entry(line.local_date).or_default().push(line);
    }
    let total: i64 = lines.iter().filter_map(|l| l.pair_seconds).sum();
    let (from, to) = (dates.0.to_string(), dates.1.to_string());
    let csv = format!(
        "/console/workers/{id}/timesheet.csv?{}",
        query_string(&[("from", Some(&from)), ("to", Some(&to))])
    );
    let body = html! {
        p.crumbs { a href="/console/workers" { "← Timesheets" } }
        h1 { "Timesheet: " (name) }
        form.filters method="get" {
            label { "From" input type="date" name="from" value=(from) required; }
            label { "To" input type="date" name="to" value=(to) required; }
            button type="submit" { "Show" }
        }
        p { "Total: " strong #total-hours { (hours(total)) } " over " (days.len()) " day" @if days.len() != 1 { "s" }
            " · " a href=(csv) download { "Download CSV" } }
        @if days.is_empty() { p.empty { "No punches in these days." } }
        @for (date, day) in &days { (day_table(*date, day, &names)) }
    };
    Ok(page(&format!("Timesheet of {name}"), Some(&user), Section::Workers, body))
}

fn day_table(date: NaiveDate, day: &[&Line], names: &Names) -> Markup {
    let worked: i64 = day.iter().filter_map(|l| l.pair_seconds).sum();
    html! {
        section.day {
            h2 { (date.format("%A %-d %B %Y")) " — " (hours(worked)) }
            table {
                thead { tr { th scope="col" { "Time" } th scope="col" { "Punch" } th scope="col" { "Site" }
                    th scope="col" { "Verdict" } th scope="col" { "Review" } th scope="col" { "Hours" } } }
                tbody {
                    @for line in day {
                        @let p = &line.row.punch;
                        tr {
                            td { a href={ "/console/punches/" (p.id) } { (clock(p.device_time.to_utc(), line.zone)) } }
                            td { (p.kind.as_str()) }
                            td { (names.site(p.site)) }
                            td { (verdict_label(line.row.verdict)) " " (serious_badges(&line.row.flags)) }
                            td { (decision_label(line.row.latest_review.as_ref().map(|r| r.decision))) }
                            td { @if let Some(s) = line.pair_seconds { (hours(s)) } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_range_is_two_weeks_ending_today() {
        let (from, to) = RangeQuery::default().dates().expect("dates");
        assert_eq!((to - from).num_days(), DEFAULT_DAYS - 1);
        let backwards = RangeQuery {
            from: Some("2024-05-02".into()),
            to: Some("2024-05-01".into()),
            ..Default::default()
        };
        assert!(backwards.dates().is_err());
    }
}
