//! A punch: its photo, its flags with their evidence drawn out (the earlier photo, the
//! map, the times), the decision form, and the audit trail of the machine's verdict and
//! every supervisor's review.

use std::collections::HashMap;

use axum::extract::{Path, State};
use maud::{html, Markup};
use punchline_backends::records::PunchDetails;
use punchline_domain::{FlagCode, PunchId, ReviewDecision, UserId};

use super::error::ConsoleError;
use super::evidence::{self, Match};
use super::format::{flag_label, local_time};
use super::layout::{decision_label, flag_badge, page, verdict_label, Page, Section};
use super::map::{self, MapInput};
use super::queue::{people, Names};
use super::session::ConsoleUser;
use crate::state::AppState;

/// Flags whose evidence is a place: the page draws the map for them.
const PLACE_FLAGS: &[FlagCode] = &[
    FlagCode::OutsideGeofence,
    FlagCode::DeviceOutsideGeofence,
    FlagCode::GpsDeviceMismatch,
    FlagCode::NoGps,
    FlagCode::BogusGps,
    FlagCode::MockLocation,
    FlagCode::NoDeviceLocation,
];

/// At most this many earlier photos are shown per reuse flag.
const MAX_MATCHES_SHOWN: usize = 3;

/// What the decision form sent back, shown again when it is refused.
#[derive(Debug, Default)]
pub struct Refused {
    pub message: String,
    pub decision: Option<ReviewDecision>,
    pub reason: String,
}

/// `GET /console/punches/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Result<Page, ConsoleError> {
    let id: PunchId = id.parse().map_err(|_| ConsoleError::not_found("punch"))?;
    render(&state, &user, id, None).await
}

/// The punch page, with the refused decision form if there is one.
pub async fn render(
    state: &AppState,
    user: &ConsoleUser,
    id: PunchId,
    refused: Option<&Refused>,
) -> Result<Page, ConsoleError> {
    // Scoped to the viewer's organisation: another organisation's punch is not found.
    let details = state.records.punch_details(user.org, id).await?.ok_or(ConsoleError::not_found("punch"))?;
    let names = Names::load(state, user).await?;
    let punch = &details.punch;
    let site = names.sites.get(&punch.site).cloned();
    let zone = names.zone(punch.site);
    let facts = state.records.photo_facts(user.org, details.photo.id).await?.unwrap_or_default();
    let flags = details.verdict.as_ref().map(|v| v.flags.as_slice()).unwrap_or_default();
    let mut matches = Vec::new();
    for flag in flags.iter().filter(|f| matches!(f.code, FlagCode::ReusedPhoto | FlagCode::ExactDuplicate)) {
        for (earlier, distance) in evidence::matched_punches(flag).into_iter().take(MAX_MATCHES_SHOWN) {
            // Looked up in the viewer's organisation only: evidence never crosses tenants.
            if let Some(details) = state.records.punch_details(user.org, earlier).await? {
                matches.push(Match { code: flag.code, distance, details });
            }
        }
    }
    let reviewers = people(state, user, details.reviews.iter().map(|r| r.reviewer).collect()).await?;
    let capture = evidence::capture_time(&facts, zone);
    let worker = names.worker(punch.worker);
    let title = format!("{worker} · {} at {}", punch.kind.as_str(), names.site(punch.site));
    let photo = format!("/console/punches/{}/photo", punch.id);
    let show_map = flags.iter().any(|f| PLACE_FLAGS.contains(&f.code));
    let body = html! {
        p.crumbs { a href="/console/queue" { "← Review queue" } }
        h1 { (title) }
        p { (verdict_label(details.verdict.as_ref().map(|v| v.state))) " "
            (decision_label(details.reviews.last().map(|r| r.decision))) }
        div.punch-grid {
            figure.photo {
                @if details.variants.is_empty() {
                    p.empty { "No photo to show (" (details.photo.state.as_str()) ")." }
                } @else {
                    img src={ (photo) "/800" } srcset={ (photo) "/800 800w, " (photo) "/1200 1200w" }
                        sizes="(min-width: 60rem) 50vw, 100vw" alt={ "Photo of the punch by " (worker) };
                    figcaption { a href={ (photo) "/1200" } { "Open the 1200 px photo" } }
                }
            }
            div.facts {
                dl {
                    dt { "Worker" } dd { a href={ "/console/workers/" (punch.worker) } { (worker) } }
                    dt { "Site" } dd { a href={ "/console/sites/" (punch.site) } { (names.site(punch.site)) } }
                    dt { "Punch" } dd { (punch.kind.as_str()) }
                    dt { "Device time" } dd { (local_time(punch.device_time.to_utc(), zone)) }
                    dt { "Received" } dd { (local_time(punch.received_at, zone)) }
                    @if let Some(camera) = facts.model.as_deref() { dt { "Camera" } dd { (facts.make.as_deref().unwrap_or("")) " " (camera) } }
                    @if let Some(v) = &details.verdict {
                        dt { "Rules version" } dd.rules { code { (v.rules_version) } }
                        dt { "Decided" } dd { (local_time(v.decided_at, zone)) }
                    }
                }
                section #flags aria-labelledby="flags-title" {
                    h2 #flags-title { "Flags" }
                    @if flags.is_empty() { p { "No flags." } }
                    ul.flags {
                        @for flag in flags {
                            li { (flag_badge(flag)) " " span.sev { (flag.severity.as_str()) }
                                p.message { (flag.message) }
                                (evidence::numbers(flag)) }
                        }
                    }
                }
            }
        }
        @if !matches.is_empty() { (evidence::reuse(punch, &matches, &names)) }
        @if let Some(site) = &site {
            section #place aria-labelledby="place-title" {
                h2 #place-title { "Place" @if show_map { " — flagged" } }
                @let input = MapInput {
                    fence: &site.geofence,
                    photo: facts.gps,
                    device: punch.device_location.map(|d| (d.point(), d.accuracy_m)),
                };
                (map::svg(&input, &format!("Map of {}", site.name)))
                (legend())
                p.description { (map::describe(&input)) }
            }
        }
        (evidence::times(punch, capture.as_ref(), zone))
        (decision_form(user, punch.id, refused))
        (audit_trail(&details, &reviewers, zone))
    };
    Ok(page(&title, Some(user), Section::Queue, body))
}

/// The map's key.
pub fn legend() -> Markup {
    html! {
        ul.legend {
            li { span.key.key-fence {} "site geofence" }
            li { span.key.key-photo {} "photo GPS" }
            li { span.key.key-device {} "device position" }
            li { span.key.key-accuracy {} "device accuracy" }
        }
    }
}

fn decision_form(user: &ConsoleUser, id: PunchId, refused: Option<&Refused>) -> Markup {
    let decision = refused.and_then(|r| r.decision);
    html! {
        section #decide aria-labelledby="decide-title" {
            h2 #decide-title { "Decision" }
            @if let Some(refused) = refused { p.error role="alert" #decision-error { (refused.message) } }
            form.decide method="post" action={ "/console/punches/" (id) "/review" } {
                input type="hidden" name="csrf" value=(user.csrf);
                fieldset {
                    legend { "Approve or reject this punch" }
                    label.choice { input type="radio" name="decision" value="approved" required checked[decision == Some(ReviewDecision::Approved)]; " Approve" }
                    label.choice { input type="radio" name="decision" value="rejected" checked[decision == Some(ReviewDecision::Rejected)]; " Reject" }
                }
                label for="reason" { "Reason (required to reject)" }
                textarea #reason name="reason" rows="3" maxlength="2000" { (refused.map(|r| r.reason.as_str()).unwrap_or("")) }
                button.primary type="submit" { "Record decision" }
            }
        }
    }
}

fn audit_trail(details: &PunchDetails, reviewers: &HashMap<UserId, String>, zone: chrono_tz::Tz) -> Markup {
    html! {
        section #audit aria-labelledby="audit-title" {
            h2 #audit-title { "Audit trail" }
            ol.audit {
                li { time { (local_time(details.punch.received_at, zone)) } " punch received" }
                @if let Some(v) = &details.verdict {
                    li { time { (local_time(v.decided_at, zone)) } " machine verdict " (verdict_label(Some(v.state)))
                        " by rules " code { (v.rules_version) }
                        @if !v.flags.is_empty() { " (" (v.flags.iter().map(|f| flag_label(f.code)).collect::<Vec<_>>().join(", ")) ")" } }
                }
                @for review in &details.reviews {
                    li.review { time { (local_time(review.at, zone)) } " "
                        (decision_label(Some(review.decision))) " by "
                        (reviewers.get(&review.reviewer).map(String::as_str).unwrap_or("?"))
                        @if !review.reason.is_empty() { ": " q.reason { (review.reason) } } }
                }
            }
        }
    }
}
