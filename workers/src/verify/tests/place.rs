use punchline_domain::{DeviceLocation, FlagCode, GeoPoint, Geofence, VerdictState};

use crate::verify::test_support::{Scenario, SITE};

/// The point `metres` north (negative: south) of `SITE`.
fn north(metres: f64) -> GeoPoint {
    GeoPoint { lat: SITE.lat + metres / 111_195.08, lon: SITE.lon }
}

fn device_at(point: GeoPoint, accuracy_m: f64) -> Option<DeviceLocation> {
    Some(DeviceLocation { lat: point.lat, lon: point.lon, accuracy_m, mock: None })
}

#[test]
fn the_fence_edge_gives_the_margin_and_the_device_accuracy_as_slack() {
    let mut s = Scenario::clean(); // 100 m circle, 10 m margin, device accuracy 0
    s.photo.exif.gps = Some(north(109.9));
    assert!(!s.has(FlagCode::OutsideGeofence));
    s.photo.exif.gps = Some(north(-110.1));
    let flag = s.flag(FlagCode::OutsideGeofence).expect("flagged");
    assert_eq!(flag.evidence["outside_m"], 10.1);
    assert_eq!(flag.evidence["slack_m"], 10.0);
    // A device accuracy of 25 m widens the slack to 35 m.
    s.punch.device_location = device_at(SITE, 25.0);
    s.photo.exif.gps = Some(north(134.9));
    assert!(!s.has(FlagCode::OutsideGeofence));
    s.photo.exif.gps = Some(north(135.1));
    assert!(s.has(FlagCode::OutsideGeofence));
}

#[test]
fn a_wild_device_accuracy_is_capped() {
    let mut s = Scenario::clean();
    let cap = s.config.verification.max_accuracy_slack_m; // 100 m
    s.punch.device_location = device_at(SITE, 5_000.0);
    s.photo.exif.gps = Some(north(100.0 + 10.0 + cap - 0.1));
    assert!(!s.has(FlagCode::OutsideGeofence));
    s.photo.exif.gps = Some(north(100.0 + 10.0 + cap + 0.1));
    assert!(s.has(FlagCode::OutsideGeofence));
}

#[test]
fn a_photo_without_gps_or_at_0_0_is_flagged_not_fenced() {
    let mut s = Scenario::clean();
    s.photo.exif.gps = None;
    assert!(s.has(FlagCode::NoGps));
    assert!(!s.has(FlagCode::OutsideGeofence));

    s.photo.exif.gps = Some(GeoPoint { lat: 0.0, lon: 0.0 });
    let codes = s.codes();
    assert!(codes.contains(&FlagCode::BogusGps), "{codes:?}");
    assert!(!codes.contains(&FlagCode::OutsideGeofence));
    assert!(!codes.contains(&FlagCode::GpsDeviceMismatch));
    // Within the null-island radius is still bogus; just beyond it is a (far) place.
    s.photo.exif.gps = Some(GeoPoint { lat: 0.006, lon: -0.005 });
    assert!(s.has(FlagCode::BogusGps));
    s.photo.exif.gps = Some(GeoPoint { lat: 0.0, lon: 0.0091 });
    assert!(!s.has(FlagCode::BogusGps));
    assert!(s.has(FlagCode::OutsideGeofence));
}

#[test]
fn photo_and_device_positions_must_agree() {
    let mut s = Scenario::clean();
    let allowed = s.config.verification.gps_device_mismatch_m; // 500 m
                                                               // The site is large, so only the disagreement is at stake.
    s.site.geofence = Geofence::Circle { center: SITE, radius_m: 5_000.0 };
    s.punch.device_location = device_at(north(-200.0), 20.0);
    s.photo.exif.gps = Some(north(-200.0 + allowed + 20.0 - 0.5));
    assert!(!s.has(FlagCode::GpsDeviceMismatch));
    s.photo.exif.gps = Some(north(-200.0 + allowed + 20.0 + 0.5));
    let flag = s.flag(FlagCode::GpsDeviceMismatch).expect("flagged");
    assert_eq!(flag.evidence["allowed_m"], allowed + 20.0);
    assert_eq!(s.verdict().state, VerdictState::NeedsReview);
}

#[test]
fn the_device_location_is_fenced_too_and_mock_locations_are_flagged() {
    let mut s = Scenario::clean();
    s.punch.device_location = device_at(north(150.0), 0.0);
    s.photo.exif.gps = Some(north(150.0));
    let codes = s.codes();
    assert!(codes.contains(&FlagCode::DeviceOutsideGeofence));
    assert!(codes.contains(&FlagCode::OutsideGeofence));
    assert!(!codes.contains(&FlagCode::MockLocation));

    let mut s = Scenario::clean();
    s.punch.device_location = Some(DeviceLocation { mock: Some(true), ..device_at(SITE, 5.0).expect("set") });
    assert!(s.has(FlagCode::MockLocation));
    assert_eq!(s.verdict().state, VerdictState::NeedsReview);
}

#[test]
fn no_device_location_is_only_information() {
    let mut s = Scenario::clean();
    s.punch.device_location = None;
    let verdict = s.verdict();
    assert_eq!(verdict.state, VerdictState::Verified);
    assert!(verdict.has(FlagCode::NoDeviceLocation));
    // Without a device, only the fixed margin is slack.
    s.photo.exif.gps = Some(north(110.5));
    assert!(s.has(FlagCode::OutsideGeofence));
}

#[test]
fn southern_and_western_polygon_sites_fence_photos() {
    let mut s = Scenario::clean();
    s.site.time_zone = "America/Sao_Paulo".parse().expect("known zone");
    let corner = |lat: f64, lon: f64| GeoPoint { lat, lon };
    // A triangle west of Greenwich and south of the equator, ~1 km a side.
    s.site.geofence = Geofence::Polygon {
        points: vec![corner(-23.550, -46.640), corner(-23.550, -46.630), corner(-23.541, -46.635)],
    };
    s.punch.device_location = device_at(corner(-23.548, -46.635), 5.0);
    s.photo.exif.gps = Some(corner(-23.548, -46.635));
    assert!(!s.has(FlagCode::OutsideGeofence));
    assert!(!s.has(FlagCode::DeviceOutsideGeofence));
    s.photo.exif.gps = Some(corner(-23.548, -46.6405));
    assert!(s.has(FlagCode::OutsideGeofence));
}
