//! Punches: what the app sends to create one, and what the API answers about them.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use punchline_backends::records::{PhotoRecord, PunchSummary};
use punchline_backends::store::PresignedRequest;
use punchline_domain::{
    ClientPunchId, DeviceLocation, Flag, ImageFormat, PhotoFailureCode, PhotoId, PhotoState, Punch, PunchId,
    PunchKind, SiteId, UserId, Verdict, VerdictState,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::named;
use super::review::ReviewView;
use crate::error::ApiError;

/// Where the device said it was, from the phone's location API.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceLocationBody {
    /// Latitude, -90 to 90.
    #[schema(minimum = -90.0, maximum = 90.0, example = -37.6699)]
    pub lat: f64,
    /// Longitude, -180 to 180.
    #[schema(minimum = -180.0, maximum = 180.0, example = 144.5466)]
    pub lon: f64,
    /// The OS's horizontal accuracy estimate in metres, zero or more.
    #[schema(minimum = 0.0, example = 12.5)]
    pub accuracy_m: f64,
    /// The OS's mock-location flag (Android `isMock`), when known.
    #[serde(default)]
    pub mock: Option<bool>,
}

impl From<DeviceLocationBody> for DeviceLocation {
    fn from(l: DeviceLocationBody) -> DeviceLocation {
        DeviceLocation { lat: l.lat, lon: l.lon, accuracy_m: l.accuracy_m, mock: l.mock }
    }
}

impl From<DeviceLocation> for DeviceLocationBody {
    fn from(l: DeviceLocation) -> DeviceLocationBody {
        DeviceLocationBody { lat: l.lat, lon: l.lon, accuracy_m: l.accuracy_m, mock: l.mock }
    }
}

/// The photo the app is about to upload: the upload URL is signed for exactly this type
/// and length.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhotoToUpload {
    /// `image/jpeg`, `image/png` or `image/heic` (`image/heif` is taken as HEIC).
    #[schema(example = "image/jpeg")]
    pub content_type: String,
    /// The file's size in bytes, at most `limits.max_bytes` (10 MB by default).
    #[schema(minimum = 1, example = 2345678)]
    pub content_length: u64,
}

/// A punch as the app sends it. Retrying with the same `client_id` returns the punch the
/// first request made.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePunch {
    /// The app's own id for this punch, 1–128 visible ASCII characters (a uuid).
    #[schema(example = "0d5c2f2e-7f0b-4b6e-9f7e-2f1b0f6f1a11")]
    pub client_id: String,
    /// Clocking in or out.
    #[schema(schema_with = named::punch_kind)]
    pub kind: PunchKind,
    /// The site punched at.
    #[schema(value_type = uuid::Uuid)]
    pub site_id: SiteId,
    /// The device's clock at the punch, RFC 3339 with its UTC offset.
    #[schema(value_type = String, format = DateTime, example = "2026-03-01T07:59:30+11:00")]
    pub device_time: DateTime<FixedOffset>,
    /// Where the device said it was.
    #[serde(default)]
    pub device_location: Option<DeviceLocationBody>,
    /// The photo that will be uploaded for this punch.
    pub photo: PhotoToUpload,
}

impl CreatePunch {
    /// The app's client id, validated.
    pub fn client_id(&self) -> Result<ClientPunchId, ApiError> {
        ClientPunchId::new(&self.client_id).map_err(|e| ApiError::Invalid(format!("client_id: {e}")))
    }
}

/// A punch as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PunchView {
    /// The server's id of the punch.
    #[schema(value_type = uuid::Uuid)]
    pub id: PunchId,
    /// The app's id of the punch.
    pub client_id: String,
    /// Clocking in or out.
    #[schema(schema_with = named::punch_kind)]
    pub kind: PunchKind,
    /// The worker who punched.
    #[schema(value_type = uuid::Uuid)]
    pub worker_id: UserId,
    /// The site punched at.
    #[schema(value_type = uuid::Uuid)]
    pub site_id: SiteId,
    /// The device's clock at the punch, with its UTC offset.
    #[schema(value_type = String, format = DateTime)]
    pub device_time: DateTime<FixedOffset>,
    /// Where the device said it was.
    pub device_location: Option<DeviceLocationBody>,
    /// When the server received the punch (UTC).
    pub received_at: DateTime<Utc>,
}

impl From<Punch> for PunchView {
    fn from(p: Punch) -> PunchView {
        PunchView {
            id: p.id,
            client_id: p.client_id.to_string(),
            kind: p.kind,
            worker_id: p.worker,
            site_id: p.site,
            device_time: p.device_time,
            device_location: p.device_location.map(Into::into),
            received_at: p.received_at,
        }
    }
}

/// Why a photo could not be processed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FailureView {
    /// The stable code: what happened, and so what the app should do.
    #[schema(schema_with = named::photo_failure_code)]
    pub code: PhotoFailureCode,
    /// A sentence for people.
    pub reason: String,
}

/// A punch's photo.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PhotoView {
    /// The photo's id.
    #[schema(value_type = uuid::Uuid)]
    pub id: PhotoId,
    /// Where it is in its life.
    #[schema(schema_with = named::photo_state)]
    pub state: PhotoState,
    /// Its size, once uploaded.
    pub bytes: Option<u64>,
    /// Its type sniffed from its bytes (`jpeg`, `png`, `heic`), once uploaded.
    #[schema(value_type = Option<String>, example = "heic")]
    pub format: Option<ImageFormat>,
    /// Displayed width, once processed.
    pub width: Option<u32>,
    /// Displayed height, once processed.
    pub height: Option<u32>,
    /// Why it could not be processed, when failed.
    pub failure: Option<FailureView>,
    /// When the upload was completed.
    pub uploaded_at: Option<DateTime<Utc>>,
    /// When it was processed (or failed).
    pub processed_at: Option<DateTime<Utc>>,
}

impl From<PhotoRecord> for PhotoView {
    fn from(p: PhotoRecord) -> PhotoView {
        PhotoView {
            id: p.id,
            state: p.state,
            bytes: p.bytes,
            format: p.format,
            width: p.width,
            height: p.height,
            failure: p.failure.map(|f| FailureView { code: f.code, reason: f.reason }),
            uploaded_at: p.uploaded_at,
            processed_at: p.processed_at,
        }
    }
}

/// The request that uploads the photo: send `method` to `url` with exactly `headers`
/// and the photo's bytes as the body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UploadView {
    /// Where to send the photo (a presigned S3 URL, or this API's signed upload route).
    pub url: String,
    /// `PUT`.
    pub method: String,
    /// Headers to send exactly as given (they are part of the signature).
    pub headers: BTreeMap<String, String>,
    /// When the URL stops being accepted; create the punch again (same `client_id`)
    /// for a fresh one.
    pub expires_at: DateTime<Utc>,
}

impl From<PresignedRequest> for UploadView {
    fn from(r: PresignedRequest) -> UploadView {
        UploadView { url: r.url, method: r.method, headers: r.headers, expires_at: r.expires_at }
    }
}

/// The answer to creating a punch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedPunchView {
    /// The punch (the first request's, on a retry).
    pub punch: PunchView,
    /// Its photo.
    pub photo: PhotoView,
    /// How to upload the photo; `null` once it has been uploaded.
    pub upload: Option<UploadView>,
}

/// One finding of verification.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FlagView {
    /// The stable code.
    #[schema(schema_with = named::flag_code)]
    pub code: punchline_domain::FlagCode,
    /// How much it matters.
    #[schema(schema_with = named::severity)]
    pub severity: punchline_domain::Severity,
    /// The numbers behind it (keys name their units, e.g. `distance_m`, `skew_s`); empty
    /// for workers, since it may name other workers' photos.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    /// One sentence for the supervisor's screen.
    pub message: String,
}

impl From<Flag> for FlagView {
    fn from(f: Flag) -> FlagView {
        FlagView { code: f.code, severity: f.severity, evidence: f.evidence, message: f.message }
    }
}

/// The machine's judgement of the punch's photo.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VerdictView {
    /// `verified`, `needs_review` or `failed`.
    #[schema(schema_with = named::verdict_state)]
    pub state: VerdictState,
    /// Every finding, most severe first.
    pub flags: Vec<FlagView>,
    /// The rules and thresholds that produced it.
    pub rules_version: String,
    /// When it was made.
    pub decided_at: DateTime<Utc>,
}

impl From<Verdict> for VerdictView {
    fn from(v: Verdict) -> VerdictView {
        VerdictView {
            state: v.state,
            flags: v.flags.into_iter().map(Into::into).collect(),
            rules_version: v.rules_version,
            decided_at: v.decided_at,
        }
    }
}

/// A resized copy of the photo, downloadable for a short while.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VariantView {
    /// The configured long-edge size it answers (300, 800, 1200).
    pub size: u32,
    /// Its real width.
    pub width: u32,
    /// Its real height.
    pub height: u32,
    /// A short-lived download URL.
    pub url: String,
    /// When `url` stops working; fetch the punch again for a fresh one.
    pub expires_at: DateTime<Utc>,
}

/// Everything about one punch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PunchDetailsView {
    /// The punch.
    pub punch: PunchView,
    /// Its photo.
    pub photo: PhotoView,
    /// The verdict, once the photo was processed (or failed).
    pub verdict: Option<VerdictView>,
    /// The photo's variants, largest first.
    pub variants: Vec<VariantView>,
    /// Supervisors' decisions, oldest first (beside the verdict, never over it).
    pub reviews: Vec<ReviewView>,
}

/// One line of a punch listing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PunchSummaryView {
    /// The punch.
    pub punch: PunchView,
    /// Its photo's id.
    #[schema(value_type = uuid::Uuid)]
    pub photo_id: PhotoId,
    /// Its photo's state.
    #[schema(schema_with = named::photo_state)]
    pub photo_state: PhotoState,
    /// The verdict's state, once there is one.
    #[schema(value_type = Option<String>, example = "needs_review")]
    pub verdict: Option<VerdictState>,
}

impl From<PunchSummary> for PunchSummaryView {
    fn from(s: PunchSummary) -> PunchSummaryView {
        PunchSummaryView {
            punch: s.punch.into(),
            photo_id: s.photo,
            photo_state: s.photo_state,
            verdict: s.verdict,
        }
    }
}

/// A page of punches.
#[derive(Debug, Serialize, ToSchema)]
pub struct PunchPage {
    /// The page's punches, newest first.
    pub items: Vec<PunchSummaryView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The answer to completing an upload.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CompletionView {
    /// The photo, now `uploaded` (or further along, when completed before).
    pub photo: PhotoView,
}
