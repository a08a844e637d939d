//! Distances on the Earth and to a geofence's boundary.
//!
//! Circles use the haversine distance. Polygons are projected onto a plane tangent at the
//! point being tested (equirectangular: metres east and north of it), which is exact to
//! well under a metre at job-site scale; the nearest boundary point is then measured
//! back with haversine so far-away points still get a true distance.

use punchline_domain::{GeoPoint, Geofence};

/// The mean Earth radius (IUGG), in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Metres per degree of latitude (and of longitude at the equator) on that sphere.
const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// Great-circle distance in metres.
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Metres from `point` to the fence's boundary: positive outside, negative (or zero)
/// inside. A circle's is `distance to centre − radius`.
pub fn signed_distance_m(fence: &Geofence, point: GeoPoint) -> f64 {
    match fence {
        Geofence::Circle { center, radius_m } => haversine_m(*center, point) - radius_m,
        Geofence::Polygon { points } => polygon_signed_distance_m(points, point),
    }
}

/// Metres east (`x`) and north (`y`) of the tangent point.
#[derive(Debug, Clone, Copy)]
struct Plane {
    x: f64,
    y: f64,
}

/// Longitude difference folded into -180..180, so polygons across the date line work.
fn lon_delta(from: f64, to: f64) -> f64 {
    (to - from + 540.0).rem_euclid(360.0) - 180.0
}

fn project(origin: GeoPoint, p: GeoPoint) -> Plane {
    Plane {
        x: lon_delta(origin.lon, p.lon) * METRES_PER_DEGREE * origin.lat.to_radians().cos(),
        y: (p.lat - origin.lat) * METRES_PER_DEGREE,
    }
}

fn unproject(origin: GeoPoint, p: Plane) -> GeoPoint {
    // Clamped so a point at a pole does not divide by zero.
    let cos_lat = origin.lat.to_radians().cos().max(1e-12);
    GeoPoint {
        lat: origin.lat + p.y / METRES_PER_DEGREE,
        lon: origin.lon + p.x / (METRES_PER_DEGREE * cos_lat),
    }
}

/// The point of segment `a`–`b` nearest the origin.
fn nearest_on_segment(a: Plane, b: Plane) -> Plane {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let length_sq = dx * dx + dy * dy;
    let t = if length_sq > 0.0 { (-(a.x * dx + a.y * dy) / length_sq).clamp(0.0, 1.0) } else { 0.0 };
    Plane { x: a.x + t * dx, y: a.y + t * dy }
}

fn polygon_signed_distance_m(points: &[GeoPoint], point: GeoPoint) -> f64 {
    let ring: Vec<Plane> = points.iter().map(|p| project(point, *p)).collect();
    let edges = || ring.iter().zip(ring.iter().cycle().skip(1));
    // Even-odd rule: count edges crossed by a ray from the point (the origin) towards +x.
    let crossings = edges()
        .filter(|(a, b)| (a.y > 0.0) != (b.y > 0.0) && a.x + (0.0 - a.y) * (b.x - a.x) / (b.y - a.y) > 0.0)
        .count();
    let inside = crossings % 2 == 1;
    let nearest = edges()
        .map(|(a, b)| nearest_on_segment(*a, *b))
        .min_by(|p, q| (p.x.hypot(p.y)).total_cmp(&q.x.hypot(q.y)));
    let Some(nearest) = nearest else {
        return f64::INFINITY; // no vertices: nothing is inside
    };
    let distance = haversine_m(point, unproject(point, nearest));
    if inside {
        -distance
    } else {
        distance
    }
}

#[cfg(test)]
#[path = "tests/geofence.rs"]
mod tests;
