//! Where was the photo taken? The photo's GPS and the device's reported location against
//! the site's geofence, and against each other.

use punchline_domain::config::VerificationConfig;
use punchline_domain::{DeviceLocation, FlagCode, GeoPoint, Geofence};
use serde_json::json;

use super::geofence::{haversine_m, signed_distance_m};
use super::verdict::Findings;
use super::VerificationInput;

const NULL_ISLAND: GeoPoint = GeoPoint { lat: 0.0, lon: 0.0 };

/// Metres, rounded to the decimetre for people to read.
fn metres(m: f64) -> f64 {
    (m * 10.0).round() / 10.0
}

/// How far outside the fence a point may be: the fixed GPS margin plus the device's
/// reported accuracy, capped so a wild accuracy cannot stretch the fence.
fn slack_m(device: Option<&DeviceLocation>, config: &VerificationConfig) -> f64 {
    let accuracy = device.map_or(0.0, |d| d.accuracy_m.clamp(0.0, config.max_accuracy_slack_m));
    config.geofence_margin_m + accuracy
}

fn fence_evidence(fence: &Geofence) -> serde_json::Value {
    match fence {
        Geofence::Circle { center, radius_m } => {
            json!({ "kind": "circle", "center": [center.lat, center.lon], "radius_m": radius_m })
        }
        Geofence::Polygon { points } => json!({ "kind": "polygon", "points": points.len() }),
    }
}

pub(super) fn check(input: &VerificationInput<'_>, config: &VerificationConfig, findings: &mut Findings<'_>) {
    let fence = &input.site.geofence;
    let device = input.punch.device_location.as_ref();
    let slack = slack_m(device, config);
    let photo_fix = check_photo_gps(input, config, slack, findings);

    let Some(device) = device else {
        findings.raise(
            FlagCode::NoDeviceLocation,
            "The app sent no device location with the punch.".into(),
            json!({}),
        );
        return;
    };
    if device.mock == Some(true) {
        findings.raise(
            FlagCode::MockLocation,
            "The device reported its location as mocked.".into(),
            json!({ "device": [device.lat, device.lon], "mock": true }),
        );
    }
    let outside_m = signed_distance_m(fence, device.point());
    if outside_m > slack {
        findings.raise(
            FlagCode::DeviceOutsideGeofence,
            format!("The device was {:.0} m outside the site.", outside_m),
            json!({
                "device": [device.lat, device.lon],
                "accuracy_m": device.accuracy_m,
                "outside_m": metres(outside_m),
                "slack_m": metres(slack),
                "fence": fence_evidence(fence),
            }),
        );
    }
    if let Some(photo) = photo_fix {
        let apart_m = haversine_m(photo, device.point());
        let allowed_m =
            config.gps_device_mismatch_m + device.accuracy_m.clamp(0.0, config.max_accuracy_slack_m);
        if apart_m > allowed_m {
            findings.raise(
                FlagCode::GpsDeviceMismatch,
                format!("The photo's GPS is {apart_m:.0} m from where the device said it was."),
                json!({
                    "photo": [photo.lat, photo.lon],
                    "device": [device.lat, device.lon],
                    "accuracy_m": device.accuracy_m,
                    "distance_m": metres(apart_m),
                    "allowed_m": metres(allowed_m),
                }),
            );
        }
    }
}

/// Flags a missing, bogus or out-of-fence photo fix; returns the fix when it is usable.
fn check_photo_gps(
    input: &VerificationInput<'_>,
    config: &VerificationConfig,
    slack: f64,
    findings: &mut Findings<'_>,
) -> Option<GeoPoint> {
    let Some(photo) = input.photo.exif.gps else {
        findings.raise(
            FlagCode::NoGps,
            "The photo has no GPS position.".into(),
            json!({ "exif_present": input.photo.exif.present }),
        );
        return None;
    };
    let from_null_island_m = haversine_m(photo, NULL_ISLAND);
    if from_null_island_m <= config.null_island_radius_m {
        // 0,0 is what a receiver without a fix writes: not a place, so no fence check.
        findings.raise(
            FlagCode::BogusGps,
            "The photo's GPS position is 0,0: the camera had no fix.".into(),
            json!({
                "photo": [photo.lat, photo.lon],
                "distance_from_0_0_m": metres(from_null_island_m),
                "null_island_radius_m": config.null_island_radius_m,
            }),
        );
        return None;
    }
    let fence = &input.site.geofence;
    let outside_m = signed_distance_m(fence, photo);
    if outside_m > slack {
        findings.raise(
            FlagCode::OutsideGeofence,
            format!("The photo was taken {:.0} m outside the site.", outside_m),
            json!({
                "photo": [photo.lat, photo.lon],
                "outside_m": metres(outside_m),
                "slack_m": metres(slack),
                "margin_m": config.geofence_margin_m,
                "device_accuracy_m": input.punch.device_location.map(|d| d.accuracy_m),
                "fence": fence_evidence(fence),
            }),
        );
    }
    Some(photo)
}

#[cfg(test)]
#[path = "tests/place.rs"]
mod tests;
