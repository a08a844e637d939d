use super::*;

fn p(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint { lat, lon }
}

/// The point `metres` north (negative: south) of `from`.
fn north_of(from: GeoPoint, metres: f64) -> GeoPoint {
    p(from.lat + metres / METRES_PER_DEGREE, from.lon)
}

/// The point `metres` east (negative: west) of `from`.
fn east_of(from: GeoPoint, metres: f64) -> GeoPoint {
    p(from.lat, from.lon + metres / (METRES_PER_DEGREE * from.lat.to_radians().cos()))
}

fn close(actual: f64, expected: f64, within: f64) -> bool {
    (actual - expected).abs() <= within
}

#[test]
fn haversine_matches_known_distances() {
    assert!(close(haversine_m(p(0.0, 0.0), p(1.0, 0.0)), 111_195.08, 0.01));
    // Melbourne to Sydney airport, ~705 km; Quito to Santiago across hemispheres.
    assert!(close(haversine_m(p(-37.6690, 144.8410), p(-33.9399, 151.1753)) / 1000.0, 705.6, 0.5));
    assert!(close(haversine_m(p(-0.1807, -78.4678), p(-33.4489, -70.6693)) / 1000.0, 3787.9, 0.5));
    // Across the date line the short way round, and symmetric.
    let (fiji_w, fiji_e) = (p(-17.0, 179.9995), p(-17.0, -179.9995));
    assert!(close(haversine_m(fiji_w, fiji_e), 106.4, 0.5));
    assert_eq!(haversine_m(fiji_w, fiji_e), haversine_m(fiji_e, fiji_w));
    assert!(close(haversine_m(p(90.0, 0.0), p(90.0, 120.0)), 0.0, 1e-6));
}

#[test]
fn a_circle_is_distance_minus_radius() {
    let center = p(-33.4489, -70.6693); // Santiago: southern and western
    let fence = Geofence::Circle { center, radius_m: 100.0 };
    assert!(close(signed_distance_m(&fence, center), -100.0, 1e-9));
    assert!(close(signed_distance_m(&fence, north_of(center, 99.9)), -0.1, 0.01));
    assert!(close(signed_distance_m(&fence, east_of(center, -100.1)), 0.1, 0.01));
    assert!(close(signed_distance_m(&fence, north_of(center, -250.0)), 150.0, 0.01));
}

/// An L: a 200 m square with its north-east 100 m quarter cut out (the notch).
fn l_shape(origin: GeoPoint) -> Geofence {
    let at = |east: f64, north: f64| north_of(east_of(origin, east), north);
    let points = vec![
        at(0.0, 0.0),
        at(200.0, 0.0),
        at(200.0, 100.0),
        at(100.0, 100.0),
        at(100.0, 200.0),
        at(0.0, 200.0),
    ];
    Geofence::Polygon { points }
}

#[test]
fn polygon_points_inside_are_negative_by_their_distance_to_the_nearest_edge() {
    let origin = p(51.5, -0.13); // London: northern, just west of Greenwich
    let fence = l_shape(origin);
    let at = |east: f64, north: f64| north_of(east_of(origin, east), north);
    assert!(close(signed_distance_m(&fence, at(50.0, 50.0)), -50.0, 0.05));
    assert!(close(signed_distance_m(&fence, at(150.0, 90.0)), -10.0, 0.05));
    assert!(close(signed_distance_m(&fence, at(90.0, 150.0)), -10.0, 0.05));
    assert!(close(signed_distance_m(&fence, at(1.0, 100.0)), -1.0, 0.05));
}

#[test]
fn the_notch_of_a_concave_polygon_is_outside() {
    let origin = p(-23.55, -46.63); // São Paulo
    let fence = l_shape(origin);
    let at = |east: f64, north: f64| north_of(east_of(origin, east), north);
    // Deep in the notch: 50 m from both inner edges.
    assert!(close(signed_distance_m(&fence, at(150.0, 150.0)), 50.0, 0.05));
    // In the notch the nearest boundary is an inner edge, not the corner.
    assert!(close(signed_distance_m(&fence, at(103.0, 104.0)), 3.0, 0.05));
    // Inside, diagonally short of the inner (reflex) corner: the corner is nearest.
    assert!(close(signed_distance_m(&fence, at(97.0, 96.0)), -5.0, 0.05));
    // Just inside and just outside the inner edges.
    assert!(signed_distance_m(&fence, at(150.0, 99.5)) < 0.0);
    assert!(close(signed_distance_m(&fence, at(150.0, 100.5)), 0.5, 0.05));
    assert!(close(signed_distance_m(&fence, at(99.5, 150.0)), -0.5, 0.05));
    // Outside the outer edges, level with a vertex (the ray crosses it).
    assert!(close(signed_distance_m(&fence, at(-10.0, 100.0)), 10.0, 0.05));
    assert!(close(signed_distance_m(&fence, at(250.0, 100.0)), 50.0, 0.05));
}

#[test]
fn a_u_shaped_polygon_excludes_its_courtyard() {
    let origin = p(40.7, -74.0); // New York
    let at = |east: f64, north: f64| north_of(east_of(origin, east), north);
    // Two 50 m wings joined along the south; the courtyard opens to the north.
    let points = vec![
        at(0.0, 0.0),
        at(150.0, 0.0),
        at(150.0, 150.0),
        at(100.0, 150.0),
        at(100.0, 50.0),
        at(50.0, 50.0),
        at(50.0, 150.0),
        at(0.0, 150.0),
    ];
    let fence = Geofence::Polygon { points };
    assert!(close(signed_distance_m(&fence, at(75.0, 100.0)), 25.0, 0.05));
    assert!(signed_distance_m(&fence, at(25.0, 100.0)) < 0.0);
    assert!(signed_distance_m(&fence, at(125.0, 100.0)) < 0.0);
    assert!(close(signed_distance_m(&fence, at(75.0, 25.0)), -25.0, 0.05));
}

#[test]
fn polygons_across_the_date_line_work() {
    // A box from 179.999 E to 179.999 W (~213 m wide at 17 S) in Fiji.
    let points = vec![p(-17.001, 179.999), p(-17.001, -179.999), p(-16.999, -179.999), p(-16.999, 179.999)];
    let fence = Geofence::Polygon { points };
    assert!(signed_distance_m(&fence, p(-17.0, 180.0)) < -100.0);
    assert!(signed_distance_m(&fence, p(-17.0, -179.9995)) < 0.0);
    assert!(signed_distance_m(&fence, p(-17.0, -179.998)) > 100.0);
    assert!(signed_distance_m(&fence, p(-17.0, 179.998)) > 100.0);
}

#[test]
fn far_points_get_a_true_great_circle_distance() {
    let origin = p(-37.6698, 144.5465);
    let fence = l_shape(origin);
    let sydney = p(-33.9399, 151.1753);
    let to_corner = haversine_m(sydney, north_of(east_of(origin, 200.0), 100.0));
    let d = signed_distance_m(&fence, sydney);
    assert!(d > 0.0 && (d - to_corner).abs() / to_corner < 0.01, "{d} vs {to_corner}");
    assert_eq!(signed_distance_m(&Geofence::Polygon { points: vec![] }, origin), f64::INFINITY);
}
