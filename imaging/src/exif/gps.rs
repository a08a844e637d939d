//! GPS position and UTC timestamp from EXIF's GPS IFD.
//!
//! Phones disagree on types: most write RATIONAL triples, some SRATIONAL, SHORT, LONG or
//! even a single decimal value. A component written as 0/0 means "absent", not zero.

use exif::{Exif, In, Tag, Value};
use punchline_domain::GeoPoint;

/// The signed decimal position, when latitude and longitude are both present and sane.
pub fn position(exif: &Exif) -> Option<GeoPoint> {
    let lat = coordinate(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S')?;
    let lon = coordinate(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W')?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some(GeoPoint { lat, lon })
}

fn coordinate(exif: &Exif, value_tag: Tag, ref_tag: Tag, negative_ref: u8) -> Option<f64> {
    let parts = numbers(&exif.get_field(value_tag, In::PRIMARY)?.value)?;
    let magnitude = match parts.as_slice() {
        [d] => *d,
        [d, m] => d + m / 60.0,
        [d, m, s, ..] => d + m / 60.0 + s / 3600.0,
        [] => return None,
    };
    let negative = match exif.get_field(ref_tag, In::PRIMARY).map(|f| &f.value) {
        Some(Value::Ascii(v)) => {
            v.first().and_then(|s| s.first()).is_some_and(|c| c.eq_ignore_ascii_case(&negative_ref))
        }
        _ => false,
    };
    magnitude.is_finite().then_some(if negative { -magnitude.abs() } else { magnitude })
}

/// The numeric components of a value; `None` if any rational is 0/0 (absent).
fn numbers(value: &Value) -> Option<Vec<f64>> {
    let v: Vec<Option<f64>> = match value {
        Value::Rational(r) => {
            r.iter().map(|r| (r.denom != 0).then(|| f64::from(r.num) / f64::from(r.denom))).collect()
        }
        Value::SRational(r) => {
            r.iter().map(|r| (r.denom != 0).then(|| f64::from(r.num) / f64::from(r.denom))).collect()
        }
        Value::Short(v) => v.iter().map(|x| Some(f64::from(*x))).collect(),
        Value::Long(v) => v.iter().map(|x| Some(f64::from(*x))).collect(),
        Value::SLong(v) => v.iter().map(|x| Some(f64::from(*x))).collect(),
        Value::Float(v) => v.iter().map(|x| Some(f64::from(*x))).collect(),
        Value::Double(v) => v.iter().map(|x| Some(*x)).collect(),
        _ => return None,
    };
    v.into_iter().collect()
}

/// GPSDateStamp + GPSTimeStamp as `YYYY:MM:DD HH:MM:SS` (UTC by the EXIF spec).
pub fn utc_timestamp(exif: &Exif) -> Option<String> {
    let date = match &exif.get_field(Tag::GPSDateStamp, In::PRIMARY)?.value {
        Value::Ascii(v) => String::from_utf8_lossy(v.first()?).trim().to_string(),
        _ => return None,
    };
    let parts = numbers(&exif.get_field(Tag::GPSTimeStamp, In::PRIMARY)?.value)?;
    let [h, m, s] = parts.as_slice() else { return None };
    let valid_date = date.len() == 10
        && date.bytes().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == b':' || c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !valid_date || !(0.0..24.0).contains(h) || !(0.0..60.0).contains(m) || !(0.0..61.0).contains(s) {
        return None;
    }
    let date = date.replace('-', ":");
    Some(format!("{date} {:02}:{:02}:{:02}", *h as u32, *m as u32, s.floor() as u32))
}
