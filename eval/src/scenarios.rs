//! The labelled punches of `eval/scenarios.csv`: a corpus photo (optionally transformed),
//! the earlier photos of the organisation, the site, what the app and the server said, and
//! the flags a correct verdict must raise and must not raise.

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use punchline_domain::{DeviceLocation, FlagCode, GeoPoint};

use crate::{EvalError, Transform};

/// Which flags a scenario forbids.
#[derive(Debug, Clone, PartialEq)]
pub enum Forbidden {
    /// Every flag it does not expect (`*`): the scenario is fully labelled.
    AllOthers,
    Only(Vec<FlagCode>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub id: String,
    pub photo: String,
    pub transform: Option<Transform>,
    /// Corpus photos punched before, by other workers of the same organisation.
    pub earlier: Vec<String>,
    pub site_center: GeoPoint,
    pub radius_m: f64,
    pub time_zone: String,
    pub device_time: DateTime<FixedOffset>,
    pub device_location: Option<DeviceLocation>,
    /// Seconds from the device's punch time to the server's receipt, and to the upload's end.
    pub received_after_s: i64,
    pub uploaded_after_s: i64,
    pub expect: Vec<FlagCode>,
    pub forbid: Forbidden,
    /// Why the labels are what they are.
    pub note: String,
}

impl Scenario {
    /// Whether the labels say anything about `code`: `Some(true)` must be raised,
    /// `Some(false)` must not, `None` either is acceptable.
    pub fn label(&self, code: FlagCode) -> Option<bool> {
        if self.expect.contains(&code) {
            return Some(true);
        }
        match &self.forbid {
            Forbidden::AllOthers => Some(false),
            Forbidden::Only(codes) => codes.contains(&code).then_some(false),
        }
    }
}

/// One CSV row as written.
#[derive(serde::Deserialize)]
struct Row {
    id: String,
    photo: String,
    transform: String,
    earlier: String,
    site_lat: f64,
    site_lon: f64,
    radius_m: f64,
    zone: String,
    device_time: String,
    device_lat: Option<f64>,
    device_lon: Option<f64>,
    accuracy_m: Option<f64>,
    mock: Option<bool>,
    received_after_s: i64,
    uploaded_after_s: i64,
    expect: String,
    forbid: String,
    note: String,
}

pub fn read(path: &Path) -> Result<Vec<Scenario>, EvalError> {
    let csv_error = |source| EvalError::Csv { path: path.to_owned(), source };
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_path(path).map_err(csv_error)?;
    let rows: Vec<Row> = reader.deserialize().collect::<Result<_, _>>().map_err(csv_error)?;
    let scenarios: Vec<Scenario> = rows.into_iter().map(|row| parse(path, row)).collect::<Result<_, _>>()?;
    for (i, s) in scenarios.iter().enumerate() {
        if scenarios[..i].iter().any(|other| other.id == s.id) {
            return Err(invalid(path, &s.id, "the id is used twice".into()));
        }
    }
    Ok(scenarios)
}

fn invalid(path: &Path, id: &str, message: String) -> EvalError {
    EvalError::Scenario { path: path.to_owned(), id: id.to_owned(), message }
}

fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn codes(path: &Path, id: &str, text: &str) -> Result<Vec<FlagCode>, EvalError> {
    list(text)
        .map(|c| c.parse::<FlagCode>().map_err(|_| invalid(path, id, format!("unknown flag {c:?}"))))
        .collect()
}

fn parse(path: &Path, row: Row) -> Result<Scenario, EvalError> {
    let id = row.id.clone();
    let bad = |message: String| invalid(path, &id, message);
    let transform = match row.transform.trim() {
        "" => None,
        name => Some(Transform::parse(name)?),
    };
    let device_time = DateTime::parse_from_rfc3339(row.device_time.trim())
        .map_err(|e| bad(format!("device_time {:?}: {e}", row.device_time)))?;
    let device_location = match (row.device_lat, row.device_lon) {
        (Some(lat), Some(lon)) => {
            Some(DeviceLocation { lat, lon, accuracy_m: row.accuracy_m.unwrap_or(0.0), mock: row.mock })
        }
        (None, None) => None,
        _ => return Err(bad("device_lat and device_lon go together".into())),
    };
    let expect = codes(path, &id, &row.expect)?;
    let forbid = match row.forbid.trim() {
        "*" => Forbidden::AllOthers,
        text => Forbidden::Only(codes(path, &id, text)?),
    };
    if let Forbidden::Only(forbidden) = &forbid {
        if let Some(both) = forbidden.iter().find(|c| expect.contains(c)) {
            return Err(bad(format!("{both} is both expected and forbidden")));
        }
    }
    if row.zone.trim().parse::<chrono_tz::Tz>().is_err() {
        return Err(bad(format!("unknown time zone {:?}", row.zone)));
    }
    Ok(Scenario {
        id: row.id,
        photo: row.photo.trim().to_owned(),
        transform,
        earlier: list(&row.earlier).map(str::to_owned).collect(),
        site_center: GeoPoint { lat: row.site_lat, lon: row.site_lon },
        radius_m: row.radius_m,
        time_zone: row.zone.trim().to_owned(),
        device_time,
        device_location,
        received_after_s: row.received_after_s,
        uploaded_after_s: row.uploaded_after_s,
        expect,
        forbid,
        note: row.note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,photo,transform,earlier,site_lat,site_lon,radius_m,zone,device_time,device_lat,\
                          device_lon,accuracy_m,mock,received_after_s,uploaded_after_s,expect,forbid,note\n";

    fn parse_text(rows: &str) -> Result<Vec<Scenario>, EvalError> {
        // Unique per call: the tests run in parallel.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("punchline-scenarios-{}-{n}.csv", std::process::id()));
        std::fs::write(&path, format!("# a comment\n{HEADER}{rows}")).expect("write");
        let read = read(&path);
        let _ = std::fs::remove_file(&path);
        read
    }

    #[test]
    fn labels_expect_forbid_and_leave_the_rest_open() {
        let rows = "a,x.jpg,crop_5,p.jpg;q.jpg,1,2,100,Europe/Rome,2024-03-01T10:00:00Z,1,2,8,true,20,40,no_gps,*,n\n\
                    b,x.jpg,,,1,2,100,UTC,2024-03-01T10:00:00+01:00,,,,,20,40,reused_photo,no_gps;edited,n\n";
        let s = parse_text(rows).expect("parses");
        assert_eq!(s[0].transform, Some(Transform::Crop { percent: 5 }));
        assert_eq!(s[0].earlier, ["p.jpg", "q.jpg"]);
        assert_eq!(s[0].device_location.and_then(|d| d.mock), Some(true));
        assert_eq!((s[0].label(FlagCode::NoGps), s[0].label(FlagCode::Edited)), (Some(true), Some(false)));
        assert_eq!(s[1].device_location, None);
        assert_eq!(s[1].label(FlagCode::Edited), Some(false));
        assert_eq!(s[1].label(FlagCode::BlankPhoto), None, "neither expected nor forbidden");
    }

    #[test]
    fn malformed_rows_are_refused_with_their_id() {
        let row = |expect: &str, forbid: &str, zone: &str| {
            format!("r,x.jpg,,,1,2,100,{zone},2024-03-01T10:00:00Z,,,,,20,40,{expect},{forbid},n\n")
        };
        for bad in
            [row("not_a_flag", "*", "UTC"), row("no_gps", "no_gps", "UTC"), row("", "*", "Mars/Olympus")]
        {
            let err = parse_text(&bad).expect_err("refused");
            assert!(err.to_string().contains("scenario r"), "{err}");
        }
        let twice = format!("{}{}", row("", "*", "UTC"), row("", "*", "UTC"));
        assert!(parse_text(&twice).is_err());
    }
}
