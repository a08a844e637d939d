//! The review queue: the organisation's punches a supervisor should look at, newest
//! first, with the thumbnail, worker, site, time and flags of each; filters; paging with
//! the API's cursors; and how many are waiting.

use std::collections::HashMap;

use axum::extract::{Query, State};
use maud::{html, Markup};
use punchline_backends::records::{ConsoleFilter, ConsoleRow, ReviewFilter, User};
use punchline_domain::{FlagCode, PunchId, ReviewDecision, Role, Site, SiteId, UserId, VerdictState};
use serde::Deserialize;

use super::error::ConsoleError;
use super::format::{day_start_utc, flag_label, form_date, local_time};
use super::layout::{decision_label, page, serious_badges, verdict_label, Page, Section};
use super::session::ConsoleUser;
use crate::error::ApiError;
use crate::state::AppState;

/// The queue's filters, as its form sends them (empty fields mean "any").
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    site: Option<String>,
    worker: Option<String>,
    flag: Option<String>,
    state: Option<String>,
    review: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

impl QueueQuery {
    /// The records' filter; an unreadable field is a `400` page saying which.
    fn filter(&self, limit: u32) -> Result<ConsoleFilter, ConsoleError> {
        let mut filter = ConsoleFilter::all(limit);
        filter.site = parse(self.site.as_deref(), "site")?;
        filter.worker = parse(self.worker.as_deref(), "worker")?;
        filter.flag = parse::<FlagCode>(self.flag.as_deref(), "flag")?;
        filter.before = parse::<PunchId>(self.cursor.as_deref(), "cursor")?;
        filter.verdict = match self.state.as_deref().unwrap_or("needs_review") {
            "any" => None,
            other => Some(other.parse::<VerdictState>().map_err(|_| bad("state"))?),
        };
        filter.review = match self.review.as_deref().unwrap_or("unreviewed") {
            "any" => ReviewFilter::Any,
            "unreviewed" => ReviewFilter::Unreviewed,
            other => ReviewFilter::Latest(other.parse::<ReviewDecision>().map_err(|_| bad("review"))?),
        };
        let from = form_date(self.from.as_deref()).map_err(|e| ConsoleError::Api(ApiError::BadQuery(e)))?;
        let to = form_date(self.to.as_deref()).map_err(|e| ConsoleError::Api(ApiError::BadQuery(e)))?;
        filter.received_from = from.map(day_start_utc);
        filter.received_to = to.and_then(|d| d.succ_opt()).map(day_start_utc);
        Ok(filter)
    }

    /// This query as a URL query string, with another cursor.
    fn with_cursor(&self, cursor: Option<&str>) -> String {
        let fields = [
            ("site", self.site.as_deref()),
            ("worker", self.worker.as_deref()),
            ("flag", self.flag.as_deref()),
            ("state", self.state.as_deref()),
            ("review", self.review.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("cursor", cursor),
        ];
        query_string(&fields)
    }
}

/// `a=1&b=2` of the non-empty fields, percent-encoded.
pub fn query_string(fields: &[(&str, Option<&str>)]) -> String {
    fields
        .iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| format!("{k}={}", encode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn bad(field: &str) -> ConsoleError {
    ConsoleError::Api(ApiError::BadQuery(format!("{field} is not one this console offers")))
}

/// A form field that names an id or a code; empty means none.
pub fn parse<T: std::str::FromStr>(text: Option<&str>, field: &str) -> Result<Option<T>, ConsoleError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| bad(field)),
    }
}

/// The organisation's sites and workers by id, for the names on every line.
pub struct Names {
    pub sites: HashMap<SiteId, Site>,
    pub workers: HashMap<UserId, User>,
}

impl Names {
    pub async fn load(state: &AppState, user: &ConsoleUser) -> Result<Names, ConsoleError> {
        let sites = state.records.sites(user.org).await?;
        let workers = state.records.users_with_role(user.org, Role::Worker).await?;
        Ok(Names {
            sites: sites.into_iter().map(|s| (s.id, s)).collect(),
            workers: workers.into_iter().map(|w| (w.id, w)).collect(),
        })
    }

    /// A worker's name; users the api created from a token alone are `user <uuid>`:
    /// shown shortened.
    pub fn worker(&self, id: UserId) -> String {
        person(self.workers.get(&id).map(|u| u.name.as_str()), id)
    }

    pub fn site(&self, id: SiteId) -> &str {
        self.sites.get(&id).map_or("(unknown site)", |s| s.name.as_str())
    }

    pub fn zone(&self, id: SiteId) -> chrono_tz::Tz {
        self.sites.get(&id).map_or(chrono_tz::UTC, |s| s.time_zone)
    }
}

/// The display names of these users of the viewer's organisation (reviewers, say).
pub async fn people(
    state: &AppState,
    user: &ConsoleUser,
    ids: Vec<UserId>,
) -> Result<HashMap<UserId, String>, ConsoleError> {
    let mut names = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
            let found = state.records.user(user.org, id).await?;
            slot.insert(person(found.as_ref().map(|u| u.name.as_str()), id));
        }
    }
    Ok(names)
}

/// A person's display name (see [`Names::worker`]).
pub fn person(name: Option<&str>, id: UserId) -> String {
    match name {
        Some(name) if name != format!("user {id}") => name.to_owned(),
        // The end of the id: its start is a timestamp, shared by ids made together.
        _ => format!(
            "user {}",
            id.to_string().chars().rev().take(6).collect::<String>().chars().rev().collect::<String>()
        ),
    }
}

/// `GET /console/queue`.
pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(query): Query<QueueQuery>,
) -> Result<Page, ConsoleError> {
    let limit = state.settings.console.page_size;
    let filter = query.filter(limit)?;
    let rows = state.records.console_punches(user.org, &filter).await?;
    let matching = state.records.count_console_punches(user.org, &filter).await?;
    let mut waiting = ConsoleFilter::all(1);
    waiting.verdict = Some(VerdictState::NeedsReview);
    waiting.review = ReviewFilter::Unreviewed;
    let waiting = state.records.count_console_punches(user.org, &waiting).await?;
    let names = Names::load(&state, &user).await?;
    let next = (rows.len() == limit as usize).then(|| rows.last().map(|r| r.punch.id.to_string())).flatten();
    let body = html! {
        h1 { "Review queue" }
        p.count #waiting { strong { (waiting) } " punch" @if waiting != 1 { "es" } " waiting for review" }
        (filters(&query, &names))
        p.muted { (matching) " matching" @if query.cursor.is_some() { " · " a href={ "?" (query.with_cursor(None)) } { "back to newest" } } }
        @if rows.is_empty() {
            p.empty { "Nothing here: no punch matches these filters." }
        } @else {
            ol.queue {
                @for row in &rows { (line(row, &names)) }
            }
        }
        @if let Some(cursor) = next {
            nav.pager aria-label="Pages" { a rel="next" href={ "?" (query.with_cursor(Some(&cursor))) } { "Older punches →" } }
        }
    };
    Ok(page("Review queue", Some(&user), Section::Queue, body))
}

fn line(row: &ConsoleRow, names: &Names) -> Markup {
    let punch = &row.punch;
    let zone = names.zone(punch.site);
    let worker = names.worker(punch.worker);
    let href = format!("/console/punches/{}", punch.id);
    html! {
        li.card {
            a.thumb href=(href) tabindex="-1" aria-hidden="true" {
                img src={ (href) "/photo/300" } alt="" width="150" height="150" loading="lazy";
            }
            div.summary {
                h2 { a href=(href) { (worker) " · " (punch.kind.as_str()) } }
                p {
                    a href={ "/console/workers/" (punch.worker) } { (worker) } " at " (names.site(punch.site))
                }
                p { time datetime=(punch.device_time.to_rfc3339()) { (local_time(punch.device_time.to_utc(), zone)) } }
                p.badges { (serious_badges(&row.flags)) }
                p { (verdict_label(row.verdict)) " " (decision_label(row.latest_review.as_ref().map(|r| r.decision))) }
            }
        }
    }
}

fn filters(query: &QueueQuery, names: &Names) -> Markup {
    let chosen = |field: &Option<String>, value: &str| field.as_deref() == Some(value);
    let mut sites: Vec<_> = names.sites.values().collect();
    sites.sort_by(|a, b| a.name.cmp(&b.name));
    let mut workers: Vec<_> = names.workers.values().collect();
    workers.sort_by(|a, b| a.name.cmp(&b.name));
    let state = query.state.as_deref().unwrap_or("needs_review");
    let review = query.review.as_deref().unwrap_or("unreviewed");
    html! {
        form.filters method="get" action="/console/queue" {
            label { "Site" select name="site" {
                option value="" { "All sites" }
                @for site in sites { option value=(site.id) selected[chosen(&query.site, &site.id.to_string())] { (site.name) } }
            } }
            label { "Worker" select name="worker" {
                option value="" { "All workers" }
                @for w in workers { option value=(w.id) selected[chosen(&query.worker, &w.id.to_string())] { (person(Some(&w.name), w.id)) } }
            } }
            label { "Flag" select name="flag" {
                option value="" { "Any flag" }
                @for code in FlagCode::ALL { option value=(code.as_str()) selected[chosen(&query.flag, code.as_str())] { (flag_label(*code)) } }
            } }
            label { "Verdict" select name="state" {
                @for (value, text) in [("needs_review", "Needs review"), ("verified", "Verified"), ("failed", "Failed"), ("any", "Any")] {
                    option value=(value) selected[state == value] { (text) }
                }
            } }
            label { "Review" select name="review" {
                @for (value, text) in [("unreviewed", "Not reviewed"), ("approved", "Approved"), ("rejected", "Rejected"), ("any", "Any")] {
                    option value=(value) selected[review == value] { (text) }
                }
            } }
            label { "From" input type="date" name="from" value=[query.from.as_deref()]; }
            label { "To" input type="date" name="to" value=[query.to.as_deref()]; }
            button type="submit" { "Filter" }
        }
    }
}
