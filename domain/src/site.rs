//! Job sites: where workers punch, with the time zone their local times are read in and
//! the geofence a photo must be taken inside.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::facts::GeoPoint;
use crate::tenancy::{named_enum, uuid_id, OrgId};

uuid_id!(
    /// A job site of one organisation.
    SiteId
);

/// A polygon fence may have at most this many vertices: enough for any building outline,
/// and it bounds the cost of checking a point against it.
pub const MAX_POLYGON_POINTS: usize = 1000;

/// Why a site or a position was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SiteError {
    /// The site's name is empty or only whitespace.
    #[error("site name must not be empty")]
    EmptyName,
    /// The time zone is not an IANA name chrono-tz knows (abbreviations like `AEST` are
    /// refused too); holds the name given.
    #[error("unknown IANA time zone {0:?}")]
    UnknownTimeZone(String),
    /// A latitude outside -90 to 90 degrees, or not finite; holds the value given.
    #[error("latitude {0} is outside -90..=90")]
    Latitude(f64),
    /// A longitude outside -180 to 180 degrees, or not finite; holds the value given.
    #[error("longitude {0} is outside -180..=180")]
    Longitude(f64),
    /// A circle's radius, in metres, that is zero, negative or not finite.
    #[error("circle radius {0} m must be positive and finite")]
    Radius(f64),
    /// A polygon with fewer than 3 or more than [`MAX_POLYGON_POINTS`] points; holds the
    /// count given.
    #[error("a polygon needs 3 to {MAX_POLYGON_POINTS} points, got {0}")]
    PolygonPoints(usize),
}

/// Checks that a position is a real WGS-84 coordinate (finite, lat ±90, lon ±180).
pub fn check_point(point: GeoPoint) -> Result<(), SiteError> {
    if !point.lat.is_finite() || !(-90.0..=90.0).contains(&point.lat) {
        return Err(SiteError::Latitude(point.lat));
    }
    if !point.lon.is_finite() || !(-180.0..=180.0).contains(&point.lon) {
        return Err(SiteError::Longitude(point.lon));
    }
    Ok(())
}

/// Parses an IANA time zone name (`Australia/Melbourne`), refusing anything chrono-tz
/// does not know (abbreviations like `AEST` are ambiguous and refused).
pub fn parse_time_zone(name: &str) -> Result<Tz, SiteError> {
    name.parse::<Tz>().map_err(|_| SiteError::UnknownTimeZone(name.to_owned()))
}

named_enum!(
    /// The shape of a geofence, as stored beside its coordinates.
    GeofenceKind {
        /// A centre and a radius: [`Geofence::Circle`].
        Circle = "circle",
        /// A list of points: [`Geofence::Polygon`].
        Polygon = "polygon",
    }
);

/// The area a punch photo is expected to be taken in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Geofence {
    /// Everything within `radius_m` metres (great-circle distance) of `center`.
    Circle {
        /// The middle of the site.
        center: GeoPoint,
        /// Metres from `center` that still count as on site; positive.
        radius_m: f64,
    },
    /// A simple polygon (edges must not cross); the closing edge from the last point back
    /// to the first is implied. Edges are drawn straight in latitude/longitude, which is
    /// exact enough at job-site scale. May be concave (L- or U-shaped sites).
    Polygon {
        /// The vertices in order around the outline, 3 to [`MAX_POLYGON_POINTS`] (the edge
        /// from the last back to the first is implied).
        points: Vec<GeoPoint>,
    },
}

impl Geofence {
    /// Which shape this is, as stored beside the coordinates.
    pub fn kind(&self) -> GeofenceKind {
        match self {
            Geofence::Circle { .. } => GeofenceKind::Circle,
            Geofence::Polygon { .. } => GeofenceKind::Polygon,
        }
    }

    /// Every coordinate valid, radius positive, polygon 3..=MAX_POLYGON_POINTS points.
    pub fn validate(&self) -> Result<(), SiteError> {
        match self {
            Geofence::Circle { center, radius_m } => {
                check_point(*center)?;
                if !radius_m.is_finite() || *radius_m <= 0.0 {
                    return Err(SiteError::Radius(*radius_m));
                }
            }
            Geofence::Polygon { points } => {
                if !(3..=MAX_POLYGON_POINTS).contains(&points.len()) {
                    return Err(SiteError::PolygonPoints(points.len()));
                }
                points.iter().try_for_each(|p| check_point(*p))?;
            }
        }
        Ok(())
    }
}

/// A job site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// The site's id, given when it is created.
    pub id: SiteId,
    /// The organisation the site belongs to.
    pub org: OrgId,
    /// What workers and supervisors call it.
    pub name: String,
    /// The site's IANA time zone: camera times without a UTC offset are read in it.
    pub time_zone: Tz,
    /// Where photos must be taken.
    pub geofence: Geofence,
    /// Inactive sites keep their punches but take no new ones.
    pub active: bool,
}

impl Site {
    /// A validated, active site with a fresh id.
    pub fn new(org: OrgId, name: &str, time_zone: &str, geofence: Geofence) -> Result<Site, SiteError> {
        let site = Site {
            id: SiteId::new(),
            org,
            name: name.trim().to_owned(),
            time_zone: parse_time_zone(time_zone)?,
            geofence,
            active: true,
        };
        site.validate()?;
        Ok(site)
    }

    /// Re-checks a site built field by field (e.g. read back from storage or an API body).
    pub fn validate(&self) -> Result<(), SiteError> {
        if self.name.trim().is_empty() {
            return Err(SiteError::EmptyName);
        }
        self.geofence.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint { lat, lon }
    }

    #[test]
    fn coordinates_are_bounded_inclusively() {
        assert!(check_point(point(90.0, 180.0)).is_ok());
        assert!(check_point(point(-90.0, -180.0)).is_ok());
        assert_eq!(check_point(point(90.000001, 0.0)), Err(SiteError::Latitude(90.000001)));
        assert_eq!(check_point(point(0.0, -180.5)), Err(SiteError::Longitude(-180.5)));
        assert!(check_point(point(f64::NAN, 0.0)).is_err());
    }

    #[test]
    fn circles_need_a_positive_radius() {
        let circle = |radius_m| Geofence::Circle { center: point(-37.67, 144.55), radius_m };
        assert!(circle(0.5).validate().is_ok());
        assert_eq!(circle(0.0).validate(), Err(SiteError::Radius(0.0)));
        assert!(circle(-5.0).validate().is_err());
        assert!(circle(f64::INFINITY).validate().is_err());
    }

    #[test]
    fn polygons_need_three_valid_points() {
        let two = Geofence::Polygon { points: vec![point(0.0, 0.0), point(1.0, 1.0)] };
        assert_eq!(two.validate(), Err(SiteError::PolygonPoints(2)));
        let bad = Geofence::Polygon { points: vec![point(0.0, 0.0), point(1.0, 1.0), point(95.0, 0.0)] };
        assert_eq!(bad.validate(), Err(SiteError::Latitude(95.0)));
        let ok = Geofence::Polygon { points: vec![point(0.0, 0.0), point(1.0, 1.0), point(0.0, 1.0)] };
        assert!(ok.validate().is_ok());
    }

    #[test]
    fn sites_take_only_iana_zones_and_a_name() {
        let fence = Geofence::Circle { center: point(51.5, -0.12), radius_m: 100.0 };
        let site = Site::new(OrgId::new(), " Depot ", "Europe/London", fence.clone()).expect("valid");
        assert_eq!(site.name, "Depot");
        assert_eq!(site.time_zone.name(), "Europe/London");
        let json = serde_json::to_value(&site).expect("serialises");
        assert_eq!(json["time_zone"], "Europe/London");
        assert_eq!(serde_json::from_value::<Site>(json).ok(), Some(site.clone()));
        assert!(site.active);
        assert!(matches!(
            Site::new(OrgId::new(), "Depot", "Mars/Olympus", fence.clone()),
            Err(SiteError::UnknownTimeZone(_))
        ));
        assert_eq!(Site::new(OrgId::new(), "  ", "UTC", fence), Err(SiteError::EmptyName));
    }

    #[test]
    fn geofences_serialise_with_their_kind() {
        let fence = Geofence::Circle { center: point(1.0, 2.0), radius_m: 50.0 };
        let json = serde_json::to_value(&fence).expect("serialises");
        assert_eq!(json["kind"], "circle");
        assert_eq!(json["radius_m"], 50.0);
        assert_eq!(fence.kind().as_str(), "circle");
        let back: Geofence = serde_json::from_value(json).expect("parses");
        assert_eq!(back, fence);
    }
}
