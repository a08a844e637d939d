//! The map of a punch or a site, as inline SVG drawn to scale: the site's geofence
//! (circle or polygon), the photo's GPS fix, and the device's reported position with its
//! accuracy circle. No tiles, nothing fetched: positions are projected onto a plane in
//! metres around the fence (equirectangular, exact enough at job-site scale), so a
//! 150 m radius is 150 units and every element shares one scale, shown by a scale bar.

use maud::{html, Markup};
use punchline_domain::{GeoPoint, Geofence};

use super::format::distance;

/// Mean Earth radius, as the verification engine's great-circle distances use.
const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Metres per degree along a great circle of that sphere: the plane's scale, so a
/// distance drawn agrees with the distance the flag states.
const M_PER_DEG_LAT: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
/// The same at the equator, along a parallel.
const M_PER_DEG_LON: f64 = M_PER_DEG_LAT;

/// What a map shows.
#[derive(Debug, Clone, Copy)]
pub struct MapInput<'a> {
    /// The site's fence.
    pub fence: &'a Geofence,
    /// The photo's GPS fix, if it has a usable one.
    pub photo: Option<GeoPoint>,
    /// The device's reported position and its accuracy radius in metres.
    pub device: Option<(GeoPoint, f64)>,
}

/// Great-circle distance in metres.
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let (dlat, dlon) = ((b.lat - a.lat).to_radians(), (b.lon - a.lon).to_radians());
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

/// The fence's centre: a circle's centre, a polygon's vertex mean.
pub fn fence_centre(fence: &Geofence) -> GeoPoint {
    match fence {
        Geofence::Circle { center, .. } => *center,
        Geofence::Polygon { points } => {
            let n = points.len().max(1) as f64;
            GeoPoint {
                lat: points.iter().map(|p| p.lat).sum::<f64>() / n,
                lon: points.iter().map(|p| p.lon).sum::<f64>() / n,
            }
        }
    }
}

/// Projects positions to metres east (x) and south (y, SVG's y grows downwards) of an origin.
struct Plane {
    origin: GeoPoint,
    lon_scale: f64,
}

impl Plane {
    fn new(origin: GeoPoint) -> Plane {
        Plane { origin, lon_scale: M_PER_DEG_LON * origin.lat.to_radians().cos().max(0.01) }
    }

    fn xy(&self, p: GeoPoint) -> (f64, f64) {
        ((p.lon - self.origin.lon) * self.lon_scale, -(p.lat - self.origin.lat) * M_PER_DEG_LAT)
    }
}

/// The view box: the bounds of every element, padded, never under 120 m across.
struct Bounds {
    min: (f64, f64),
    max: (f64, f64),
}

impl Bounds {
    fn around(x: f64, y: f64, r: f64, bounds: &mut Option<Bounds>) {
        let b = bounds.get_or_insert(Bounds { min: (x - r, y - r), max: (x + r, y + r) });
        b.min = (b.min.0.min(x - r), b.min.1.min(y - r));
        b.max = (b.max.0.max(x + r), b.max.1.max(y + r));
    }

    fn padded(&self) -> (f64, f64, f64, f64) {
        let (mut w, mut h) = (self.max.0 - self.min.0, self.max.1 - self.min.1);
        let (cx, cy) = ((self.min.0 + self.max.0) / 2.0, (self.min.1 + self.max.1) / 2.0);
        // Pad, keep it readable on a phone (not a thin strip), and not absurdly zoomed in.
        w = (w * 1.3).max(120.0);
        h = (h * 1.3).max(120.0);
        w = w.max(h * 0.75);
        h = h.max(w * 0.6);
        (cx - w / 2.0, cy - h / 2.0, w, h)
    }
}

/// A round length near a quarter of the width: 1, 2 or 5 × 10^k metres.
fn scale_length(width: f64) -> f64 {
    let target = width / 4.0;
    let power = 10f64.powf(target.log10().floor());
    [5.0, 2.0, 1.0].into_iter().map(|m| m * power).find(|l| *l <= target).unwrap_or(power)
}

/// The map as an `<svg>` with a title and a description for screen readers.
pub fn svg(input: &MapInput<'_>, title: &str) -> Markup {
    let plane = Plane::new(fence_centre(input.fence));
    let mut bounds = None;
    match input.fence {
        Geofence::Circle { radius_m, .. } => Bounds::around(0.0, 0.0, *radius_m, &mut bounds),
        Geofence::Polygon { points } => {
            for p in points {
                let (x, y) = plane.xy(*p);
                Bounds::around(x, y, 0.0, &mut bounds);
            }
        }
    }
    let photo = input.photo.map(|p| plane.xy(p));
    let device = input.device.map(|(p, accuracy)| (plane.xy(p), accuracy.max(0.0)));
    if let Some((x, y)) = photo {
        Bounds::around(x, y, 0.0, &mut bounds);
    }
    if let Some(((x, y), accuracy)) = device {
        Bounds::around(x, y, accuracy, &mut bounds);
    }
    let (vx, vy, vw, vh) = bounds.map(|b| b.padded()).unwrap_or((-60.0, -60.0, 120.0, 120.0));
    let unit = vw.max(vh);
    let marker = unit * 0.014;
    let font = unit * 0.03;
    let fence_is_tiny = match input.fence {
        Geofence::Circle { radius_m, .. } => *radius_m < unit * 0.01,
        Geofence::Polygon { .. } => false,
    };
    let bar = scale_length(vw);
    let (bar_x, bar_y) = (vx + vw * 0.05, vy + vh * 0.93);
    let description = describe(input);
    // Every SVG element is closed (`{}`): an HTML parser would nest whatever follows an
    // unclosed `<rect>` inside it, and nothing nested in a shape is drawn.
    html! {
        svg.map xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(format!("{title}. {description}"))
            viewBox={ (format!("{vx:.2} {vy:.2} {vw:.2} {vh:.2}")) } preserveAspectRatio="xMidYMid meet" {
            title { (title) }
            rect.ground x=(format!("{vx:.2}")) y=(format!("{vy:.2}")) width=(format!("{vw:.2}")) height=(format!("{vh:.2}")) {}
            @match input.fence {
                Geofence::Circle { radius_m, .. } => {
                    circle.fence cx="0" cy="0" r=(format!("{radius_m:.2}")) vector-effect="non-scaling-stroke" {}
                }
                Geofence::Polygon { points } => {
                    polygon.fence vector-effect="non-scaling-stroke" points=(points.iter().map(|p| {
                        let (x, y) = plane.xy(*p);
                        format!("{x:.2},{y:.2}")
                    }).collect::<Vec<_>>().join(" ")) {}
                }
            }
            @if fence_is_tiny {
                // Too small to see at this scale: a ring marks where the site is.
                circle.fence-marker cx="0" cy="0" r=(format!("{:.2}", marker * 2.0)) vector-effect="non-scaling-stroke" {}
            }
            text.label x=(format!("{:.2}", marker * 1.5)) y=(format!("{:.2}", -marker * 1.5)) font-size=(format!("{font:.2}")) { "site" }
            @if let Some(((x, y), accuracy)) = device {
                circle.accuracy cx=(format!("{x:.2}")) cy=(format!("{y:.2}")) r=(format!("{accuracy:.2}")) vector-effect="non-scaling-stroke" {}
                circle.device cx=(format!("{x:.2}")) cy=(format!("{y:.2}")) r=(format!("{marker:.2}")) {}
                text.label.device-label x=(format!("{:.2}", x + marker * 1.5)) y=(format!("{:.2}", y + font)) font-size=(format!("{font:.2}")) { "device" }
            }
            @if let Some((x, y)) = photo {
                @if let Some(((dx, dy), _)) = device {
                    line.link x1=(format!("{x:.2}")) y1=(format!("{y:.2}")) x2=(format!("{dx:.2}")) y2=(format!("{dy:.2}")) vector-effect="non-scaling-stroke" {}
                }
                rect.photo x=(format!("{:.2}", x - marker)) y=(format!("{:.2}", y - marker))
                    width=(format!("{:.2}", marker * 2.0)) height=(format!("{:.2}", marker * 2.0))
                    transform=(format!("rotate(45 {x:.2} {y:.2})")) {}
                text.label.photo-label x=(format!("{:.2}", x + marker * 1.5)) y=(format!("{:.2}", y - marker)) font-size=(format!("{font:.2}")) { "photo" }
            }
            line.scale x1=(format!("{bar_x:.2}")) y1=(format!("{bar_y:.2}")) x2=(format!("{:.2}", bar_x + bar)) y2=(format!("{bar_y:.2}")) vector-effect="non-scaling-stroke" {}
            text.label x=(format!("{bar_x:.2}")) y=(format!("{:.2}", bar_y - font * 0.5)) font-size=(format!("{font:.2}")) { (distance(bar)) }
        }
    }
}

/// The map in words (for screen readers, and printed under the map).
pub fn describe(input: &MapInput<'_>) -> String {
    let centre = fence_centre(input.fence);
    let mut parts = vec![match input.fence {
        Geofence::Circle { radius_m, .. } => format!("Site: a circle of {} radius", distance(*radius_m)),
        Geofence::Polygon { points } => format!("Site: a polygon of {} corners", points.len()),
    }];
    match input.photo {
        Some(p) => {
            parts.push(format!("photo GPS {} from the site's centre", distance(haversine_m(p, centre))))
        }
        None => parts.push("no photo GPS".into()),
    }
    match input.device {
        Some((p, accuracy)) => parts.push(format!(
            "device {} from the site's centre (±{})",
            distance(haversine_m(p, centre)),
            distance(accuracy)
        )),
        None => parts.push("no device position".into()),
    }
    if let (Some(photo), Some((device, _))) = (input.photo, input.device) {
        parts.push(format!("photo and device {} apart", distance(haversine_m(photo, device))));
    }
    parts.join("; ") + "."
}

#[cfg(test)]
mod tests {
    use super::*;

    const CENTRE: GeoPoint = GeoPoint { lat: 46.754703, lon: 33.336106 };

    #[test]
    fn a_circle_is_drawn_in_metres_with_both_positions() {
        let fence = Geofence::Circle { center: CENTRE, radius_m: 150.0 };
        // ~400 m north of the centre, and the device 50 m east with 20 m accuracy.
        let photo = GeoPoint { lat: CENTRE.lat + 400.0 / M_PER_DEG_LAT, lon: CENTRE.lon };
        let device = GeoPoint {
            lat: CENTRE.lat,
            lon: CENTRE.lon + 50.0 / (M_PER_DEG_LON * CENTRE.lat.to_radians().cos()),
        };
        let svg = svg(&MapInput { fence: &fence, photo: Some(photo), device: Some((device, 20.0)) }, "t")
            .into_string();
        assert!(svg.contains(r#"<circle class="fence" cx="0" cy="0" r="150.00""#), "{svg}");
        assert!(svg.contains(r#"<circle class="accuracy" cx="50.00" cy="-0.00" r="20.00""#), "{svg}");
        assert!(svg.contains(r#"rotate(45 0.00 -400.00)"#), "{svg}");
        let text = describe(&MapInput { fence: &fence, photo: Some(photo), device: Some((device, 20.0)) });
        assert!(text.contains("photo GPS 400 m from the site's centre"), "{text}");
    }

    #[test]
    fn far_photos_keep_one_scale_and_mark_the_site() {
        let fence = Geofence::Circle { center: CENTRE, radius_m: 150.0 };
        let far = GeoPoint { lat: 40.0, lon: 10.0 };
        let svg = svg(&MapInput { fence: &fence, photo: Some(far), device: None }, "t").into_string();
        assert!(svg.contains("fence-marker"), "the tiny fence gets a marker");
        assert!(svg.contains(" km</text>"), "the scale bar is in km");
    }

    #[test]
    fn polygons_are_drawn_from_their_points() {
        let points = vec![
            GeoPoint { lat: 46.7550, lon: 33.3355 },
            GeoPoint { lat: 46.7550, lon: 33.3370 },
            GeoPoint { lat: 46.7540, lon: 33.3370 },
        ];
        let fence = Geofence::Polygon { points };
        let svg = svg(&MapInput { fence: &fence, photo: None, device: None }, "t").into_string();
        assert!(svg.contains("<polygon class=\"fence\""), "{svg}");
        assert_eq!(scale_length(1000.0), 200.0);
        assert_eq!(scale_length(130.0), 20.0);
    }
}
