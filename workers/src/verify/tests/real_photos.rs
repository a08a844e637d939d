//! The rules over the EXIF facts of the real photos in `shared/photos` (as exiftool read
//! them: `manifest.csv`). Hashes are synthetic here; the image pipeline's own tests cover
//! reading these facts and hashes from the files.

use std::collections::HashMap;

use chrono::TimeDelta;
use punchline_domain::{DeviceLocation, ExifFacts, FlagCode, GeoPoint, Geofence, OrgId, VerdictState};
use punchline_testkit::photos;

use crate::verify::resolve_capture_time;
use crate::verify::test_support::{flipped, hashes, Scenario};

struct Listed {
    exif: ExifFacts,
    width: u32,
    height: u32,
    bytes: u64,
}

fn manifest() -> HashMap<String, Listed> {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    photos::table::<Vec<String>>("manifest.csv")
        .iter()
        .map(|row| {
            // path,source,format,width,height,make,model,datetime_original,offset,gps_lat,gps_lon,orientation,bytes
            let f: Vec<&str> = row.iter().map(String::as_str).collect();
            let gps = match (f[9].parse::<f64>(), f[10].parse::<f64>()) {
                (Ok(lat), Ok(lon)) => Some(GeoPoint { lat, lon }),
                _ => None,
            };
            let exif = ExifFacts {
                present: f[5..12].iter().any(|v| !v.is_empty()),
                make: some(f[5]),
                model: some(f[6]),
                datetime_original: some(f[7]),
                offset: some(f[8]),
                datetime: some(f[7]),
                gps,
                gps_utc: None,
                orientation: f[11].parse().ok(),
                software: None,
                ..ExifFacts::default()
            };
            let number = |s: &str| s.parse().unwrap_or(0);
            let listed = Listed {
                exif,
                width: number(f[3]) as u32,
                height: number(f[4]) as u32,
                bytes: number(f[12]),
            };
            (f[0].to_string(), listed)
        })
        .collect()
}

/// A punch with `name`'s photo at a 100 m site around `site`, punched and uploaded
/// moments after the photo's capture time, the device reporting the site's centre.
fn punch_with(photos: &HashMap<String, Listed>, name: &str, site: GeoPoint, zone: &str) -> Scenario {
    let listed = photos.get(name).unwrap_or_else(|| panic!("{name} is not in the manifest"));
    let mut s = Scenario::clean();
    s.site.geofence = Geofence::Circle { center: site, radius_m: 100.0 };
    s.site.time_zone = zone.parse().expect("known zone");
    s.photo.exif = listed.exif.clone();
    (s.photo.width, s.photo.height, s.photo.bytes) = (listed.width, listed.height, listed.bytes);
    s.punch.device_location =
        Some(DeviceLocation { lat: site.lat, lon: site.lon, accuracy_m: 8.0, mock: Some(false) });
    if let Some(capture) = resolve_capture_time(&listed.exif, s.site.time_zone) {
        s.punch.device_time = (capture.utc + TimeDelta::seconds(20)).fixed_offset();
        s.punch.received_at = capture.utc + TimeDelta::seconds(40);
        s.upload_completed_at = capture.utc + TimeDelta::seconds(60);
    }
    s
}

const LEGO_SITE: GeoPoint = GeoPoint { lat: -37.6698, lon: 144.5465 };

#[test]
fn lego_at_its_site_and_time_is_verified_and_2_km_away_is_outside() {
    let photos = manifest();
    let s = punch_with(&photos, "iphonexs_lego_gps.heic", LEGO_SITE, "Australia/Melbourne");
    let verdict = s.verdict();
    assert_eq!(verdict.state, VerdictState::Verified, "{:?}", verdict.flags);
    // No offset in EXIF: read in Melbourne's summer time (+11:00), and said so.
    let zone = s.flag(FlagCode::CaptureZoneAssumed).expect("shown");
    assert_eq!(zone.evidence["capture_utc"], "2019-01-04T01:34:31Z");

    let two_km_north = GeoPoint { lat: LEGO_SITE.lat + 2_000.0 / 111_195.08, lon: LEGO_SITE.lon };
    let s = punch_with(&photos, "iphonexs_lego_gps.heic", two_km_north, "Australia/Melbourne");
    let flag = s.flag(FlagCode::OutsideGeofence).expect("outside");
    let outside_m = flag.evidence["outside_m"].as_f64().expect("a number");
    assert!((1_850.0..1_950.0).contains(&outside_m), "{outside_m}");
    assert_eq!(s.verdict().state, VerdictState::NeedsReview);
}

#[test]
fn the_zero_zero_fix_is_bogus() {
    let s = punch_with(&manifest(), "galaxys_gps00_rot6.jpg", GeoPoint { lat: 0.0, lon: 0.0 }, "UTC");
    let codes = s.codes();
    assert!(codes.contains(&FlagCode::BogusGps), "{codes:?}");
    assert!(!codes.contains(&FlagCode::OutsideGeofence));
}

#[test]
fn the_photo_without_metadata_has_no_time_no_gps_and_stripped_exif() {
    let s = punch_with(
        &manifest(),
        "iphonexs_pug3_nometa.heic",
        GeoPoint { lat: 46.7547, lon: 33.3361 },
        "Europe/Kyiv",
    );
    let codes = s.codes();
    for code in [FlagCode::NoCaptureTime, FlagCode::NoGps, FlagCode::ExifStripped] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
}

#[test]
fn the_one_pixel_photo_is_too_small() {
    let s = punch_with(
        &manifest(),
        "iphonexr_1x1_gps.jpg",
        GeoPoint { lat: 43.859469, lon: 15.503283 },
        "Europe/Zagreb",
    );
    assert!(s.has(FlagCode::TooSmall), "{:?}", s.codes());
}

#[test]
fn the_closeup_carries_pug1s_exif_but_pug2_is_its_own_shot() {
    let photos = manifest();
    let pug_site = GeoPoint { lat: 46.754703, lon: 33.336106 };
    let mut s = punch_with(&photos, "iphonexs_pug_closeup_exifmismatch.heic", pug_site, "Europe/Kyiv");
    // Different pictures: PDQ far apart.
    s.candidates = vec![s.candidate(&hashes(501, 90), photos["iphonexs_pug1.heic"].exif.clone())];
    let flag = s.flag(FlagCode::ExifCopied).expect("flagged");
    assert_eq!(flag.evidence["datetime_original"], "2021:07:06 16:08:14");

    let mut s = punch_with(&photos, "iphonexs_pug2.heic", pug_site, "Europe/Kyiv");
    s.candidates = vec![s.candidate(&hashes(501, 90), photos["iphonexs_pug1.heic"].exif.clone())];
    assert_eq!(s.verdict().state, VerdictState::Verified, "{:?}", s.verdict().flags);
}

#[test]
fn resubmitting_the_same_picture_is_reuse_in_one_org_only() {
    let photos = manifest();
    let site = GeoPoint { lat: 47.207124, lon: 106.243105 };
    let mut s = punch_with(&photos, "iphone11pro_a_exif_at_eof.heic", site, "Asia/Ulaanbaatar");
    // Same pixels re-encoded: PDQ a few bits apart, different bytes.
    let mut earlier = hashes(502, 90);
    earlier.pdq.bits = flipped(s.photo.hashes.pdq.bits, 4);
    s.candidates = vec![s.candidate(&earlier, photos["iphone11pro_a.heic"].exif.clone())];
    assert!(s.has(FlagCode::ReusedPhoto), "{:?}", s.codes());
    assert!(!s.has(FlagCode::ExifCopied), "the EXIF differs (GPS added)");

    s.candidates[0].org = OrgId::new();
    assert!(!s.has(FlagCode::ReusedPhoto));
}
