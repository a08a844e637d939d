//! Photos, variants, EXIF facts, verdicts and the outbox as rows.

use chrono::{DateTime, Utc};
use punchline_domain::{
    ExifFacts, Flag, GeoPoint, ImageFormat, OrgId, PhotoFailure, PhotoId, PhotoState, PunchId, Verdict,
    VerdictState,
};
use sqlx::types::Json;
use uuid::Uuid;

use super::{hash32, parse_name, to_u32, to_u64, RecordsError};
use crate::records::model::{OutboxMessage, PendingUpload, PhotoRecord, StoredVariant};

#[derive(sqlx::FromRow)]
pub(crate) struct PhotoRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub punch_id: Uuid,
    pub object_key: String,
    pub state: String,
    pub bytes: Option<i64>,
    pub format: Option<String>,
    pub sha256: Option<Vec<u8>>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub failure_code: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub uploaded_at: Option<DateTime<Utc>>,
    pub processed_at: Option<DateTime<Utc>>,
}

/// The columns of `photos` a [`PhotoRow`] reads.
pub(crate) const PHOTO_COLUMNS: &str =
    "id, org_id, punch_id, object_key, state, bytes, format, sha256, width, \
     height, failure_code, failure_reason, created_at, uploaded_at, processed_at";

fn parse_format(name: &str) -> Result<ImageFormat, RecordsError> {
    [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Heic]
        .into_iter()
        .find(|f| f.as_str() == name)
        .ok_or_else(|| RecordsError::corrupt(format!("unknown image format {name:?}")))
}

impl TryFrom<PhotoRow> for PhotoRecord {
    type Error = RecordsError;
    fn try_from(row: PhotoRow) -> Result<PhotoRecord, RecordsError> {
        let failure = match (row.failure_code, row.failure_reason) {
            (Some(code), reason) => {
                Some(PhotoFailure { code: parse_name(&code)?, reason: reason.unwrap_or_default() })
            }
            (None, _) => None,
        };
        Ok(PhotoRecord {
            id: PhotoId(row.id),
            org: OrgId(row.org_id),
            punch: PunchId(row.punch_id),
            object_key: row.object_key,
            state: parse_name::<PhotoState>(&row.state)?,
            bytes: row.bytes.map(|b| to_u64(b, "photo size")).transpose()?,
            format: row.format.as_deref().map(parse_format).transpose()?,
            sha256: row.sha256.as_deref().map(|h| hash32(h, "sha256")).transpose()?,
            width: row.width.map(|w| to_u32(w, "width")).transpose()?,
            height: row.height.map(|h| to_u32(h, "height")).transpose()?,
            failure,
            created_at: row.created_at,
            uploaded_at: row.uploaded_at,
            processed_at: row.processed_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct VariantRow {
    pub size: i32,
    pub object_key: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
}

impl TryFrom<VariantRow> for StoredVariant {
    type Error = RecordsError;
    fn try_from(row: VariantRow) -> Result<StoredVariant, RecordsError> {
        Ok(StoredVariant {
            size: to_u32(row.size, "variant size")?,
            object_key: row.object_key,
            width: to_u32(row.width, "variant width")?,
            height: to_u32(row.height, "variant height")?,
            bytes: to_u64(row.bytes, "variant bytes")?,
        })
    }
}

/// EXIF facts as columns (all nullable: the row may come from an outer join).
#[derive(sqlx::FromRow)]
pub(crate) struct FactsRow {
    pub present: Option<bool>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub datetime_original: Option<String>,
    pub offset_time: Option<String>,
    pub datetime: Option<String>,
    pub gps_lat: Option<f64>,
    pub gps_lon: Option<f64>,
    pub gps_utc: Option<String>,
    pub orientation: Option<i32>,
    pub software: Option<String>,
}

/// The columns of `photo_facts` (aliased `f`) a [`FactsRow`] reads.
pub(crate) const FACTS_COLUMNS: &str = "f.present, f.make, f.model, f.datetime_original, f.offset_time, \
     f.datetime, f.gps_lat, f.gps_lon, f.gps_utc, f.orientation, f.software";

impl FactsRow {
    /// The facts, or `None` when the photo has no facts row.
    pub(crate) fn into_facts(self) -> Result<Option<ExifFacts>, RecordsError> {
        let Some(present) = self.present else { return Ok(None) };
        let gps = match (self.gps_lat, self.gps_lon) {
            (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
            _ => None,
        };
        let orientation = self
            .orientation
            .map(|o| u16::try_from(o).map_err(|_| RecordsError::corrupt(format!("orientation {o}"))))
            .transpose()?;
        Ok(Some(ExifFacts {
            present,
            make: self.make,
            model: self.model,
            datetime_original: self.datetime_original,
            offset: self.offset_time,
            datetime: self.datetime,
            gps,
            gps_utc: self.gps_utc,
            orientation,
            software: self.software,
            // Not stored: only the capture-time rule reads them, on freshly read facts.
            subsec_original: None,
            datetime_offset: None,
        }))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct VerdictRow {
    pub state: String,
    pub flags: Json<Vec<Flag>>,
    pub rules_version: String,
    pub decided_at: DateTime<Utc>,
}

impl TryFrom<VerdictRow> for Verdict {
    type Error = RecordsError;
    fn try_from(row: VerdictRow) -> Result<Verdict, RecordsError> {
        Ok(Verdict {
            state: parse_name::<VerdictState>(&row.state)?,
            flags: row.flags.0,
            rules_version: row.rules_version,
            decided_at: row.decided_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    pub id: i64,
    pub org_id: Uuid,
    pub photo_id: Uuid,
    pub payload: Json<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

impl From<OutboxRow> for OutboxMessage {
    fn from(row: OutboxRow) -> OutboxMessage {
        OutboxMessage {
            id: row.id,
            org: OrgId(row.org_id),
            photo: PhotoId(row.photo_id),
            payload: row.payload.0,
            created_at: row.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PendingRow {
    pub id: Uuid,
    pub punch_id: Uuid,
    pub object_key: String,
    pub created_at: DateTime<Utc>,
}

impl From<PendingRow> for PendingUpload {
    fn from(row: PendingRow) -> PendingUpload {
        PendingUpload {
            photo: PhotoId(row.id),
            punch: PunchId(row.punch_id),
            object_key: row.object_key,
            created_at: row.created_at,
        }
    }
}
