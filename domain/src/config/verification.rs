//! Tolerances and severities of the verification rules. Changing any of these changes the
//! verdicts new punches get; every verdict records a fingerprint of them (see the workers'
//! `RULES_VERSION`) so old punches can be found and re-scored.

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::verdict::{FlagCode, Severity};

/// The longest time tolerance accepted: a week, in seconds.
const MAX_TOLERANCE_S: u64 = 7 * 24 * 3600;
/// The longest distance accepted: 1000 km, in metres.
const MAX_DISTANCE_M: f64 = 1_000_000.0;

/// Tolerances of the verification rules, and the severity each flag is raised with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerificationConfig {
    /// Seconds the photo's capture time may differ from the device's punch time. The app
    /// takes the photo moments before the punch is made.
    pub device_time_tolerance_s: u64,
    /// Seconds the photo's capture time may differ from when the server received the
    /// punch. Wider than the device tolerance: apps queue punches while offline.
    pub server_time_tolerance_s: u64,
    /// Seconds the capture time may lie after the upload finished (camera and server
    /// clocks disagree a little) before it is `capture_after_upload`.
    pub upload_clock_slack_s: u64,
    /// Seconds EXIF DateTime (last change) may differ from DateTimeOriginal before it is
    /// `datetime_mismatch`. Phones write both at capture.
    pub datetime_mismatch_s: u64,
    /// Metres of GPS error always allowed around a geofence (EXIF carries no accuracy).
    pub geofence_margin_m: f64,
    /// The device's reported accuracy widens the fence by at most this many metres, so a
    /// device claiming a 5 km accuracy cannot stretch the fence by 5 km.
    pub max_accuracy_slack_m: f64,
    /// Metres the photo's GPS and the device's location may be apart (plus the device's
    /// accuracy, capped as above) before it is `gps_device_mismatch`.
    pub gps_device_mismatch_m: f64,
    /// A photo GPS fix within this many metres of 0,0 is a receiver without a fix
    /// (`bogus_gps`), not a place.
    pub null_island_radius_m: f64,
    /// A photo whose shorter displayed side has fewer pixels than this is `too_small`.
    pub min_short_side_px: u32,
    /// A photo of fewer bytes than this is `too_small`.
    pub min_bytes: u64,
    /// EXIF Software values containing any of these (case-insensitive) are `edited`.
    pub editing_software: Vec<String>,
    /// The severity each flag is raised with.
    pub severity: FlagSeverities,
}

impl Default for VerificationConfig {
    fn default() -> Self {
        let editors = [
            "Photoshop",
            "Lightroom",
            "GIMP",
            "Snapseed",
            "PicsArt",
            "Pixelmator",
            "Affinity Photo",
            "Paint.NET",
            "VSCO",
            "Facetune",
            "Canva",
            "Fotor",
            "Polarr",
            "PhotoDirector",
            "Luminar",
            "darktable",
            "RawTherapee",
            "Capture One",
            "ACDSee",
            "Picasa",
        ];
        VerificationConfig {
            device_time_tolerance_s: 300,
            server_time_tolerance_s: 1800,
            upload_clock_slack_s: 120,
            datetime_mismatch_s: 60,
            geofence_margin_m: 10.0,
            max_accuracy_slack_m: 100.0,
            gps_device_mismatch_m: 500.0,
            null_island_radius_m: 1000.0,
            min_short_side_px: 100,
            min_bytes: 1024,
            editing_software: editors.iter().map(|s| s.to_string()).collect(),
            severity: FlagSeverities::default(),
        }
    }
}

impl VerificationConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let times = [
            self.device_time_tolerance_s,
            self.server_time_tolerance_s,
            self.upload_clock_slack_s,
            self.datetime_mismatch_s,
        ];
        if times.iter().any(|&t| t > MAX_TOLERANCE_S) {
            return Err(ConfigError::OutOfRange(format!(
                "verification time tolerances must be at most {MAX_TOLERANCE_S} s"
            )));
        }
        let distances = [
            self.geofence_margin_m,
            self.max_accuracy_slack_m,
            self.gps_device_mismatch_m,
            self.null_island_radius_m,
        ];
        if distances.iter().any(|d| !d.is_finite() || !(0.0..=MAX_DISTANCE_M).contains(d)) {
            return Err(ConfigError::OutOfRange(format!(
                "verification distances must be 0–{MAX_DISTANCE_M} m"
            )));
        }
        if self.editing_software.iter().any(|s| s.trim().is_empty()) {
            return Err(ConfigError::OutOfRange(
                "verification.editing_software entries must not be blank".into(),
            ));
        }
        Ok(())
    }
}

/// The severity of each flag: `info` (shown, verdict stays verified), `warn` or `critical`
/// (the punch needs review). Field names are the flag codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlagSeverities {
    /// The photo's capture time is more than `device_time_tolerance_s` from the device's
    /// punch time. Default `warn`: the punch goes to review.
    pub capture_time_skew: Severity,
    /// The photo's capture time is more than `server_time_tolerance_s` from when the server
    /// received the punch. Default `warn`: the punch goes to review.
    pub capture_time_skew_server: Severity,
    /// The capture time lies more than `upload_clock_slack_s` after the upload finished: the
    /// photo claims a moment that had not happened yet. Default `critical`.
    pub capture_after_upload: Severity,
    /// EXIF holds no usable DateTimeOriginal, so no time check can be made. Default `warn`.
    pub no_capture_time: Severity,
    /// The camera recorded no UTC offset, so the capture time was read in the site's time
    /// zone (or at the offset its GPS clock implies). Default `info`: shown, the punch stays
    /// verified.
    pub capture_zone_assumed: Severity,
    /// The photo's GPS fix is outside the site's geofence by more than the margin
    /// (`geofence_margin_m` plus the device's accuracy, capped). Default `critical`.
    pub outside_geofence: Severity,
    /// The device's reported location is outside the geofence by more than the same margin.
    /// Default `warn`: the punch goes to review.
    pub device_outside_geofence: Severity,
    /// The photo carries no GPS fix, so where it was taken is unknown. Default `warn`.
    pub no_gps: Severity,
    /// The photo's GPS fix is within `null_island_radius_m` of 0,0: a receiver without a
    /// fix. Default `warn`.
    pub bogus_gps: Severity,
    /// The photo's GPS and the device's location are more than `gps_device_mismatch_m`
    /// (plus the capped accuracy) apart. Default `critical`.
    pub gps_device_mismatch: Severity,
    /// The app sent no device location with the punch. Default `info`: shown, the punch
    /// stays verified.
    pub no_device_location: Severity,
    /// The device reported its location as mocked (Android `isMock`). Default `critical`.
    pub mock_location: Severity,
    /// The picture matches an earlier photo of the organisation by PDQ (within
    /// `hashing.reuse_max_distance`). Default `critical`.
    pub reused_photo: Severity,
    /// The file is byte-for-byte an earlier photo of the organisation (same SHA-256).
    /// Default `critical`.
    pub exact_duplicate: Severity,
    /// The photo shows almost nothing (PDQ quality below `hashing.blank_below_quality`):
    /// lens cap, pocket. Default `warn`.
    pub blank_photo: Severity,
    /// The photo's shorter side is under `min_short_side_px` or its file under `min_bytes`.
    /// Default `critical`.
    pub too_small: Severity,
    /// EXIF Software names one of `editing_software`. Default `warn`.
    pub edited: Severity,
    /// EXIF DateTime (last change) is more than `datetime_mismatch_s` from DateTimeOriginal.
    /// Default `warn`.
    pub datetime_mismatch: Severity,
    /// The photo carries no EXIF at all (screenshots, gallery exports, messengers).
    /// Default `warn`.
    pub exif_stripped: Severity,
    /// The photo's capture EXIF (time, offset, camera, GPS) equals an earlier photo's while
    /// the picture differs: EXIF copied to dress up another photo. Default `critical`.
    pub exif_copied: Severity,
}

impl Default for FlagSeverities {
    fn default() -> Self {
        use Severity::{Critical, Info, Warn};
        FlagSeverities {
            capture_time_skew: Warn,
            capture_time_skew_server: Warn,
            capture_after_upload: Critical,
            no_capture_time: Warn,
            capture_zone_assumed: Info,
            outside_geofence: Critical,
            device_outside_geofence: Warn,
            no_gps: Warn,
            bogus_gps: Warn,
            gps_device_mismatch: Critical,
            no_device_location: Info,
            mock_location: Critical,
            reused_photo: Critical,
            exact_duplicate: Critical,
            blank_photo: Warn,
            too_small: Critical,
            edited: Warn,
            datetime_mismatch: Warn,
            exif_stripped: Warn,
            exif_copied: Critical,
        }
    }
}

impl FlagSeverities {
    /// The configured severity of a flag. A photo that could not be processed is always
    /// critical: there is nothing to tune.
    pub fn of(&self, code: FlagCode) -> Severity {
        match code {
            FlagCode::CaptureTimeSkew => self.capture_time_skew,
            FlagCode::CaptureTimeSkewServer => self.capture_time_skew_server,
            FlagCode::CaptureAfterUpload => self.capture_after_upload,
            FlagCode::NoCaptureTime => self.no_capture_time,
            FlagCode::CaptureZoneAssumed => self.capture_zone_assumed,
            FlagCode::OutsideGeofence => self.outside_geofence,
            FlagCode::DeviceOutsideGeofence => self.device_outside_geofence,
            FlagCode::NoGps => self.no_gps,
            FlagCode::BogusGps => self.bogus_gps,
            FlagCode::GpsDeviceMismatch => self.gps_device_mismatch,
            FlagCode::NoDeviceLocation => self.no_device_location,
            FlagCode::MockLocation => self.mock_location,
            FlagCode::ReusedPhoto => self.reused_photo,
            FlagCode::ExactDuplicate => self.exact_duplicate,
            FlagCode::BlankPhoto => self.blank_photo,
            FlagCode::TooSmall => self.too_small,
            FlagCode::Edited => self.edited,
            FlagCode::DatetimeMismatch => self.datetime_mismatch,
            FlagCode::ExifStripped => self.exif_stripped,
            FlagCode::ExifCopied => self.exif_copied,
            FlagCode::PhotoUnprocessable => Severity::Critical,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    #[test]
    fn every_tunable_flag_has_a_severity_field_named_by_its_code() {
        let json = serde_json::to_value(FlagSeverities::default()).expect("serialises");
        let fields = json.as_object().expect("an object");
        for code in FlagCode::ALL.iter().filter(|c| **c != FlagCode::PhotoUnprocessable) {
            assert!(fields.contains_key(code.as_str()), "no severity for {code}");
        }
        assert_eq!(fields.len(), FlagCode::ALL.len() - 1);
    }

    #[test]
    fn severities_and_tolerances_come_from_toml() {
        let toml =
            "[verification]\ndevice_time_tolerance_s = 60\n[verification.severity]\nno_gps = \"info\"\n";
        let c = Config::from_toml_str(toml).expect("parses");
        assert_eq!(c.verification.device_time_tolerance_s, 60);
        assert_eq!(c.verification.severity.of(FlagCode::NoGps), Severity::Info);
        assert_eq!(c.verification.severity.of(FlagCode::ReusedPhoto), Severity::Critical);
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        assert!(Config::from_toml_str("[verification]\ngeofence_margin_m = -1.0\n").is_err());
        assert!(Config::from_toml_str("[verification]\ndatetime_mismatch_s = 9999999\n").is_err());
        assert!(Config::from_toml_str("[verification]\nediting_software = [\" \"]\n").is_err());
        assert!(Config::from_toml_str("[verification.severity]\nno_gps = \"loud\"\n").is_err());
        assert!(Config::from_toml_str("[verification.severity]\nno_such_flag = \"warn\"\n").is_err());
    }
}
