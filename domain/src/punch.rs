//! Punches (a worker clocking in or out at a site) and the state of their photo.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::facts::GeoPoint;
use crate::site::{check_point, SiteError, SiteId};
use crate::tenancy::{named_enum, uuid_id, OrgId, UserId};

uuid_id!(
    /// A punch, as the server knows it (the app's own id is [`ClientPunchId`]).
    PunchId
);
uuid_id!(
    /// The photo of a punch.
    PhotoId
);

/// The longest client-supplied punch id accepted.
pub const MAX_CLIENT_ID_LEN: usize = 128;

/// Why a punch was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PunchError {
    /// The app's punch id is empty, longer than [`MAX_CLIENT_ID_LEN`] or holds characters
    /// other than visible ASCII.
    #[error("client id must be 1 to {MAX_CLIENT_ID_LEN} visible ASCII characters")]
    ClientId,
    /// The device location is not a real coordinate (latitude or longitude out of range,
    /// or not finite).
    #[error("device location: {0}")]
    Location(#[from] SiteError),
    /// The device's reported accuracy, in metres, is negative or not finite.
    #[error("device accuracy {0} m must be zero or more and finite")]
    Accuracy(f64),
}

/// The id the app gives a punch before sending it, so a retried request finds the punch
/// it already made instead of making a second. Unique within an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientPunchId(String);

impl ClientPunchId {
    /// 1–[`MAX_CLIENT_ID_LEN`] visible ASCII characters (apps send uuids or similar).
    pub fn new(id: &str) -> Result<Self, PunchError> {
        let visible = id.bytes().all(|b| b.is_ascii_graphic());
        if id.is_empty() || id.len() > MAX_CLIENT_ID_LEN || !visible {
            return Err(PunchError::ClientId);
        }
        Ok(ClientPunchId(id.to_owned()))
    }

    /// The id exactly as the app sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientPunchId {
    type Error = PunchError;
    fn try_from(id: String) -> Result<Self, Self::Error> {
        ClientPunchId::new(&id)
    }
}

impl From<ClientPunchId> for String {
    fn from(id: ClientPunchId) -> String {
        id.0
    }
}

impl std::fmt::Display for ClientPunchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

named_enum!(
    /// Clocking in or clocking out.
    PunchKind {
        /// The worker starts work at the site.
        In = "in",
        /// The worker stops work at the site (pairs with the `in` before it in timesheets).
        Out = "out",
    }
);

/// Where the device said it was when the worker punched, from the phone's location API.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeviceLocation {
    /// Latitude in signed decimal degrees (south negative).
    pub lat: f64,
    /// Longitude in signed decimal degrees (west negative).
    pub lon: f64,
    /// The OS's horizontal accuracy estimate in metres (radius of ~68 % confidence).
    pub accuracy_m: f64,
    /// The OS's mock-location flag (Android `isMock`), when the app sends it.
    pub mock: Option<bool>,
}

impl DeviceLocation {
    /// The position alone, without accuracy or mock flag.
    pub fn point(&self) -> GeoPoint {
        GeoPoint { lat: self.lat, lon: self.lon }
    }

    /// Checks the position is a real coordinate and the accuracy is a finite number of
    /// metres, zero or more.
    pub fn validate(&self) -> Result<(), PunchError> {
        check_point(self.point())?;
        if !self.accuracy_m.is_finite() || self.accuracy_m < 0.0 {
            return Err(PunchError::Accuracy(self.accuracy_m));
        }
        Ok(())
    }
}

/// A worker clocking in or out at a site. Its photo is tracked separately ([`PhotoState`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Punch {
    /// The server's id for the punch, given when it is first recorded.
    pub id: PunchId,
    /// The organisation of the worker and the site.
    pub org: OrgId,
    /// The app's id for this punch; a retry with the same one is the same punch.
    pub client_id: ClientPunchId,
    /// Clocking in or out.
    pub kind: PunchKind,
    /// The worker who punched.
    pub worker: UserId,
    /// The site punched at.
    pub site: SiteId,
    /// The device's clock at the punch, with the device's UTC offset at that moment.
    pub device_time: DateTime<FixedOffset>,
    /// Where the device said it was, if the app sent a location.
    pub device_location: Option<DeviceLocation>,
    /// When the server received the punch (server clock, UTC).
    pub received_at: DateTime<Utc>,
}

impl Punch {
    /// Checks what the app supplied (the client id is checked when it is built).
    pub fn validate(&self) -> Result<(), PunchError> {
        self.device_location.as_ref().map_or(Ok(()), DeviceLocation::validate)
    }
}

named_enum!(
    /// Where a punch's photo is in its life.
    PhotoState {
        /// The punch exists and an upload URL was handed out; no bytes yet.
        PendingUpload = "pending_upload",
        /// The bytes are stored and checked (size, type); a job is queued.
        Uploaded = "uploaded",
        /// A worker is decoding, hashing and verifying it.
        Processing = "processing",
        /// Variants, facts, hashes and a verdict are stored.
        Processed = "processed",
        /// It could not be processed; see [`PhotoFailure`](crate::verdict::PhotoFailure).
        Failed = "failed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_visible_ascii_of_bounded_length() {
        assert!(ClientPunchId::new("6f1c-01").is_ok());
        assert!(ClientPunchId::new("").is_err());
        assert!(ClientPunchId::new("has space").is_err());
        assert!(ClientPunchId::new("é").is_err());
        assert!(ClientPunchId::new(&"x".repeat(MAX_CLIENT_ID_LEN)).is_ok());
        assert!(ClientPunchId::new(&"x".repeat(MAX_CLIENT_ID_LEN + 1)).is_err());
        assert!(serde_json::from_str::<ClientPunchId>("\"\"").is_err());
    }

    #[test]
    fn device_locations_are_checked() {
        let ok = DeviceLocation { lat: -33.9, lon: 18.4, accuracy_m: 12.0, mock: None };
        assert!(ok.validate().is_ok());
        let bad_lat = DeviceLocation { lat: -91.0, ..ok };
        assert!(matches!(bad_lat.validate(), Err(PunchError::Location(_))));
        let bad_accuracy = DeviceLocation { accuracy_m: -1.0, ..ok };
        assert_eq!(bad_accuracy.validate(), Err(PunchError::Accuracy(-1.0)));
    }

    #[test]
    fn punches_keep_the_device_offset_in_json() {
        let punch = Punch {
            id: PunchId::new(),
            org: OrgId::new(),
            client_id: ClientPunchId::new("abc").expect("valid"),
            kind: PunchKind::In,
            worker: UserId::new(),
            site: SiteId::new(),
            device_time: DateTime::parse_from_rfc3339("2024-03-01T23:59:30+14:00").expect("valid"),
            device_location: None,
            received_at: Utc::now(),
        };
        let json = serde_json::to_value(&punch).expect("serialises");
        assert_eq!(json["device_time"], "2024-03-01T23:59:30+14:00");
        assert_eq!(json["kind"], "in");
        let back: Punch = serde_json::from_value(json).expect("parses");
        assert_eq!(back, punch);
        assert_eq!(PhotoState::PendingUpload.as_str(), "pending_upload");
    }
}
