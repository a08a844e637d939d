//! Sites: what admins send to create and change one, and what everyone reads back.

use punchline_domain::site::parse_time_zone;
use punchline_domain::{Geofence, OrgId, Site, SiteId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Point;
use crate::error::ApiError;

/// The area punch photos must be taken in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum GeofenceBody {
    /// Everything within `radius_m` metres of `center`.
    Circle {
        /// The centre.
        center: Point,
        /// Radius in metres, positive.
        radius_m: f64,
    },
    /// A simple polygon of 3 to 1000 points; the closing edge is implied.
    Polygon {
        /// The vertices in order.
        points: Vec<Point>,
    },
}

impl From<GeofenceBody> for Geofence {
    fn from(body: GeofenceBody) -> Geofence {
        match body {
            GeofenceBody::Circle { center, radius_m } => Geofence::Circle { center: center.into(), radius_m },
            GeofenceBody::Polygon { points } => {
                Geofence::Polygon { points: points.into_iter().map(Into::into).collect() }
            }
        }
    }
}

impl From<Geofence> for GeofenceBody {
    fn from(fence: Geofence) -> GeofenceBody {
        match fence {
            Geofence::Circle { center, radius_m } => GeofenceBody::Circle { center: center.into(), radius_m },
            Geofence::Polygon { points } => {
                GeofenceBody::Polygon { points: points.into_iter().map(Into::into).collect() }
            }
        }
    }
}

/// A new site.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSite {
    /// What workers and supervisors call it.
    #[schema(example = "Werribee depot")]
    pub name: String,
    /// IANA time zone name, e.g. `Australia/Melbourne` (abbreviations like `AEST` are refused).
    #[schema(example = "Australia/Melbourne")]
    pub time_zone: String,
    /// Where photos must be taken.
    pub geofence: GeofenceBody,
}

impl CreateSite {
    /// The validated site, with a fresh id, in `org`.
    pub fn into_site(self, org: OrgId) -> Result<Site, ApiError> {
        Site::new(org, &self.name, &self.time_zone, self.geofence.into())
            .map_err(|e| ApiError::Invalid(e.to_string()))
    }
}

/// Changes to a site: only the fields sent change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSite {
    /// A new name.
    pub name: Option<String>,
    /// A new IANA time zone.
    pub time_zone: Option<String>,
    /// A new geofence.
    pub geofence: Option<GeofenceBody>,
    /// `false` deactivates the site (its punches stay; it takes no new ones), `true`
    /// reactivates it.
    pub active: Option<bool>,
}

impl UpdateSite {
    /// `site` with these changes, validated.
    pub fn apply(self, mut site: Site) -> Result<Site, ApiError> {
        if let Some(name) = self.name {
            site.name = name.trim().to_owned();
        }
        if let Some(zone) = self.time_zone {
            site.time_zone = parse_time_zone(&zone).map_err(|e| ApiError::Invalid(e.to_string()))?;
        }
        if let Some(fence) = self.geofence {
            site.geofence = fence.into();
        }
        if let Some(active) = self.active {
            site.active = active;
        }
        site.validate().map_err(|e| ApiError::Invalid(e.to_string()))?;
        Ok(site)
    }
}

/// A site as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteView {
    /// The site's id.
    #[schema(value_type = uuid::Uuid)]
    pub id: SiteId,
    /// What workers and supervisors call it.
    pub name: String,
    /// IANA time zone name.
    pub time_zone: String,
    /// Where photos must be taken.
    pub geofence: GeofenceBody,
    /// Inactive sites keep their punches but take no new ones.
    pub active: bool,
}

impl From<Site> for SiteView {
    fn from(site: Site) -> SiteView {
        SiteView {
            id: site.id,
            name: site.name,
            time_zone: site.time_zone.name().to_owned(),
            geofence: site.geofence.into(),
            active: site.active,
        }
    }
}
