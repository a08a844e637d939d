//! How the console writes things for people: flag names, times in a site's zone,
//! durations, distances, and the dates its forms send.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use punchline_domain::FlagCode;

/// A flag code as a supervisor reads it.
pub fn flag_label(code: FlagCode) -> &'static str {
    match code {
        FlagCode::CaptureTimeSkew => "Capture time ≠ punch time",
        FlagCode::CaptureTimeSkewServer => "Capture time ≠ server time",
        FlagCode::CaptureAfterUpload => "Captured after upload",
        FlagCode::NoCaptureTime => "No capture time",
        FlagCode::CaptureZoneAssumed => "Time zone assumed",
        FlagCode::OutsideGeofence => "Photo outside site",
        FlagCode::DeviceOutsideGeofence => "Device outside site",
        FlagCode::NoGps => "No photo GPS",
        FlagCode::BogusGps => "GPS 0,0",
        FlagCode::GpsDeviceMismatch => "Photo GPS ≠ device",
        FlagCode::NoDeviceLocation => "No device location",
        FlagCode::MockLocation => "Mocked location",
        FlagCode::ReusedPhoto => "Reused photo",
        FlagCode::ExactDuplicate => "Exact duplicate",
        FlagCode::BlankPhoto => "Blank photo",
        FlagCode::TooSmall => "Too small",
        FlagCode::Edited => "Edited",
        FlagCode::DatetimeMismatch => "EXIF dates disagree",
        FlagCode::ExifStripped => "No EXIF",
        FlagCode::ExifCopied => "EXIF copied",
        FlagCode::PhotoUnprocessable => "Unprocessable",
    }
}

/// `2024-05-02 08:01:17 EEST` in the site's zone.
pub fn local_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S %Z").to_string()
}

/// `08:01` in the site's zone.
pub fn clock(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%H:%M").to_string()
}

/// A signed number of seconds as `+3 h 12 min`, `-45 s`, `+2 d 4 h`.
pub fn signed_duration(seconds: f64) -> String {
    let sign = if seconds < 0.0 { "−" } else { "+" };
    format!("{sign}{}", duration(seconds.abs()))
}

/// A number of seconds as `3 h 12 min`, `45 s`, `2 d 4 h`, `3 y 20 d`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.round() as i64;
    let (days, hours, minutes) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    if days >= 365 {
        format!("{} y {} d", days / 365, days % 365)
    } else if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {minutes} min")
    } else if minutes > 0 {
        format!("{minutes} min {} s", s % 60)
    } else {
        format!("{s} s")
    }
}

/// Hours worked as `7 h 45 min`.
pub fn hours(seconds: i64) -> String {
    format!("{} h {:02} min", seconds / 3600, (seconds % 3600) / 60)
}

/// A distance: metres below 10 km, kilometres above.
pub fn distance(metres: f64) -> String {
    if metres < 10_000.0 {
        format!("{metres:.0} m")
    } else {
        format!("{:.0} km", metres / 1000.0)
    }
}

/// A date from a form's `<input type="date">` (`YYYY-MM-DD`); empty means none.
pub fn form_date(text: Option<&str>) -> Result<Option<NaiveDate>, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{t:?} is not a date (YYYY-MM-DD)")),
    }
}

/// The start of `date` in UTC (00:00 UTC).
pub fn day_start_utc(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(45.0), "45 s");
        assert_eq!(duration(125.0), "2 min 5 s");
        assert_eq!(duration(3.0 * 3600.0 + 720.0), "3 h 12 min");
        assert_eq!(signed_duration(-90_000.0), "−1 d 1 h");
        assert_eq!(duration(400.0 * 86_400.0), "1 y 35 d");
        assert_eq!(hours(7 * 3600 + 45 * 60), "7 h 45 min");
        assert_eq!(distance(149.6), "150 m");
        assert_eq!(distance(3_012_000.0), "3012 km");
    }

    #[test]
    fn form_dates_are_checked() {
        assert_eq!(form_date(Some("")), Ok(None));
        assert_eq!(form_date(Some("2024-05-02")), Ok(NaiveDate::from_ymd_opt(2024, 5, 2)));
        assert!(form_date(Some("02/05/2024")).is_err());
    }
}
