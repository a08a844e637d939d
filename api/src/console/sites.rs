//! The organisation's sites, each with its geofence on the same map the punch page draws.

use axum::extract::{Path, State};
use maud::html;
use punchline_domain::{Geofence, SiteId};

use super::error::ConsoleError;
use super::format::distance;
use super::layout::{page, Page, Section};
use super::map::{self, MapInput};
use super::punch::legend;
use super::queue::query_string;
use super::session::ConsoleUser;
use crate::state::AppState;

/// `GET /console/sites`.
pub async fn list(State(state): State<AppState>, user: ConsoleUser) -> Result<Page, ConsoleError> {
    let sites = state.records.sites(user.org).await?;
    let body = html! {
        h1 { "Sites" }
        @if sites.is_empty() { p.empty { "No sites yet: admins create them through the API." } }
        ul.sites {
            @for site in &sites {
                li.card {
                    a href={ "/console/sites/" (site.id) } {
                        (map::svg(&MapInput { fence: &site.geofence, photo: None, device: None }, &format!("Geofence of {}", site.name)))
                    }
                    div.summary {
                        h2 { a href={ "/console/sites/" (site.id) } { (site.name) } }
                        p { (fence_text(&site.geofence)) " · " (site.time_zone.name()) @if !site.active { " · " span.state.bad { "inactive" } } }
                    }
                }
            }
        }
    };
    Ok(page("Sites", Some(&user), Section::Sites, body))
}

/// `GET /console/sites/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Result<Page, ConsoleError> {
    let id: SiteId = id.parse().map_err(|_| ConsoleError::not_found("site"))?;
    let site = state.records.site(user.org, id).await?.ok_or(ConsoleError::not_found("site"))?;
    let id_text = site.id.to_string();
    let queue = query_string(&[("site", Some(&id_text)), ("state", Some("any")), ("review", Some("any"))]);
    let input = MapInput { fence: &site.geofence, photo: None, device: None };
    let body = html! {
        p.crumbs { a href="/console/sites" { "← Sites" } }
        h1 { (site.name) }
        p { (fence_text(&site.geofence)) " · time zone " (site.time_zone.name())
            @if !site.active { " · " span.state.bad { "inactive" } } }
        section.site-map { (map::svg(&input, &format!("Geofence of {}", site.name))) (legend()) }
        p { a href={ "/console/queue?" (queue) } { "Punches at this site" } }
    };
    Ok(page(&site.name, Some(&user), Section::Sites, body))
}

fn fence_text(fence: &Geofence) -> String {
    match fence {
        Geofence::Circle { center, radius_m } => {
            format!("circle of {} around {:.5}, {:.5}", distance(*radius_m), center.lat, center.lon)
        }
        Geofence::Polygon { points } => format!("polygon of {} corners", points.len()),
    }
}
