//! The JSON shapes of the API: request bodies (strict: unknown fields are refused) and
//! responses, each with its OpenAPI schema. They convert to and from the domain types;
//! validation lives in the domain, and its errors become `422`s with its messages.

pub mod named;
pub mod punch;
pub mod review;
pub mod site;

use punchline_domain::GeoPoint;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A WGS-84 position in signed decimal degrees (south and west negative).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Latitude, -90 to 90.
    #[schema(minimum = -90.0, maximum = 90.0, example = -37.6698)]
    pub lat: f64,
    /// Longitude, -180 to 180.
    #[schema(minimum = -180.0, maximum = 180.0, example = 144.5465)]
    pub lon: f64,
}

impl From<Point> for GeoPoint {
    fn from(p: Point) -> GeoPoint {
        GeoPoint { lat: p.lat, lon: p.lon }
    }
}

impl From<GeoPoint> for Point {
    fn from(p: GeoPoint) -> Point {
        Point { lat: p.lat, lon: p.lon }
    }
}
