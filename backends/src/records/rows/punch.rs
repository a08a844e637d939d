//! Punches (with their device time and offset), listings and reviews as rows.

use chrono::{DateTime, FixedOffset, Utc};
use punchline_domain::{
    ClientPunchId, DeviceLocation, OrgId, PhotoId, PhotoState, Punch, PunchId, PunchKind, Review,
    ReviewDecision, SiteId, UserId, VerdictState,
};
use uuid::Uuid;

use super::{micros, parse_name, RecordsError};
use crate::records::model::PunchSummary;

/// A punch's device time as stored: the UTC instant and the device's offset in minutes.
pub(crate) struct DeviceTime {
    pub utc: DateTime<Utc>,
    pub offset_minutes: i32,
}

impl DeviceTime {
    /// Splits a device time; offsets that are not whole minutes (no phone sends one, and
    /// RFC 3339 cannot carry one) are refused rather than rounded.
    pub(crate) fn of(time: &DateTime<FixedOffset>) -> Result<DeviceTime, RecordsError> {
        let seconds = time.offset().local_minus_utc();
        if seconds % 60 != 0 {
            return Err(RecordsError::Invalid(format!("UTC offset of {seconds} s is not whole minutes")));
        }
        Ok(DeviceTime { utc: micros(time.with_timezone(&Utc)), offset_minutes: seconds / 60 })
    }

    fn to_fixed(&self) -> Result<DateTime<FixedOffset>, RecordsError> {
        let offset = FixedOffset::east_opt(self.offset_minutes * 60)
            .ok_or_else(|| RecordsError::corrupt(format!("UTC offset of {} minutes", self.offset_minutes)))?;
        Ok(self.utc.with_timezone(&offset))
    }
}

/// Whether a retried create asked for the same punch as the stored one: everything the
/// app sends but the client id itself (ids and the receive time are the server's).
pub(crate) fn same_body(stored: &Punch, requested: &Punch) -> Result<bool, RecordsError> {
    let requested_time = DeviceTime::of(&requested.device_time)?.to_fixed()?;
    Ok(stored.kind == requested.kind
        && stored.worker == requested.worker
        && stored.site == requested.site
        && stored.device_time == requested_time
        && stored.device_time.offset() == requested_time.offset()
        && stored.device_location == requested.device_location)
}

#[derive(sqlx::FromRow)]
pub(crate) struct PunchRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub client_id: String,
    pub kind: String,
    pub worker_id: Uuid,
    pub site_id: Uuid,
    pub device_time: DateTime<Utc>,
    pub device_offset_minutes: i32,
    pub device_lat: Option<f64>,
    pub device_lon: Option<f64>,
    pub device_accuracy_m: Option<f64>,
    pub device_mock: Option<bool>,
    pub received_at: DateTime<Utc>,
}

impl TryFrom<PunchRow> for Punch {
    type Error = RecordsError;
    fn try_from(row: PunchRow) -> Result<Punch, RecordsError> {
        let device_location = match (row.device_lat, row.device_lon, row.device_accuracy_m) {
            (Some(lat), Some(lon), Some(accuracy_m)) => {
                Some(DeviceLocation { lat, lon, accuracy_m, mock: row.device_mock })
            }
            _ => None,
        };
        let device_time = DeviceTime { utc: row.device_time, offset_minutes: row.device_offset_minutes };
        Ok(Punch {
            id: PunchId(row.id),
            org: OrgId(row.org_id),
            client_id: ClientPunchId::new(&row.client_id).map_err(RecordsError::corrupt)?,
            kind: parse_name::<PunchKind>(&row.kind)?,
            worker: UserId(row.worker_id),
            site: SiteId(row.site_id),
            device_time: device_time.to_fixed()?,
            device_location,
            received_at: row.received_at,
        })
    }
}

/// The columns of `punches p` a [`PunchRow`] reads.
pub(crate) const PUNCH_COLUMNS: &str = "p.id, p.org_id, p.client_id, p.kind, p.worker_id, p.site_id, \
     p.device_time, p.device_offset_minutes, p.device_lat, p.device_lon, p.device_accuracy_m, \
     p.device_mock, p.received_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ReviewRow {
    pub decision: String,
    pub reviewer_id: Uuid,
    pub at: DateTime<Utc>,
    pub reason: String,
}

impl TryFrom<ReviewRow> for Review {
    type Error = RecordsError;
    fn try_from(row: ReviewRow) -> Result<Review, RecordsError> {
        Ok(Review {
            decision: parse_name::<ReviewDecision>(&row.decision)?,
            reviewer: UserId(row.reviewer_id),
            at: row.at,
            reason: row.reason,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    #[sqlx(flatten)]
    pub punch: PunchRow,
    pub photo_id: Uuid,
    pub photo_state: String,
    pub verdict_state: Option<String>,
}

impl TryFrom<SummaryRow> for PunchSummary {
    type Error = RecordsError;
    fn try_from(row: SummaryRow) -> Result<PunchSummary, RecordsError> {
        Ok(PunchSummary {
            punch: row.punch.try_into()?,
            photo: PhotoId(row.photo_id),
            photo_state: parse_name::<PhotoState>(&row.photo_state)?,
            verdict: row.verdict_state.as_deref().map(parse_name::<VerdictState>).transpose()?,
        })
    }
}
