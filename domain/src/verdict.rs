//! The machine's judgement of a punch (a verdict made of flags) and a supervisor's review,
//! which is kept beside the verdict, never over it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::tenancy::{named_enum, UserId};

named_enum!(
    /// The outcome of verification.
    VerdictState {
        /// No flag above info.
        Verified = "verified",
        /// At least one warn or critical flag: a person should look.
        NeedsReview = "needs_review",
        /// The photo could not be processed (its failure is the verdict's only flag).
        Failed = "failed",
    }
);

named_enum!(
    /// How much a flag matters; ordered `Info < Warn < Critical`.
    Severity {
        /// Recorded for people to see; does not affect the verdict.
        Info = "info",
        /// Sends the punch to review.
        Warn = "warn",
        /// Sends the punch to review, and is shown first.
        Critical = "critical",
    }
);

named_enum!(
    /// What a flag says. The names are stable: stored, filtered on, and shown in apps.
    FlagCode {
        /// The photo's capture time is far from the device's punch time.
        CaptureTimeSkew = "capture_time_skew",
        /// The photo's capture time is far from when the server received the punch.
        CaptureTimeSkewServer = "capture_time_skew_server",
        /// The photo claims to be taken after its upload finished.
        CaptureAfterUpload = "capture_after_upload",
        /// No usable capture time in EXIF.
        NoCaptureTime = "no_capture_time",
        /// The capture time had no UTC offset: it was read in the site's time zone, or at the
        /// offset its GPS clock implies when that agrees with the site's zone.
        CaptureZoneAssumed = "capture_zone_assumed",
        /// The photo's GPS fix is outside the site's geofence.
        OutsideGeofence = "outside_geofence",
        /// The device's reported location is outside the site's geofence.
        DeviceOutsideGeofence = "device_outside_geofence",
        /// The photo has no GPS fix.
        NoGps = "no_gps",
        /// The photo's GPS fix is 0,0 ("null island"): a receiver with no fix.
        BogusGps = "bogus_gps",
        /// The photo's GPS and the device's reported location disagree.
        GpsDeviceMismatch = "gps_device_mismatch",
        /// The app sent no device location.
        NoDeviceLocation = "no_device_location",
        /// The device reported its location as mocked.
        MockLocation = "mock_location",
        /// The same picture as an earlier photo of the organisation (perceptual match).
        ReusedPhoto = "reused_photo",
        /// Byte-for-byte the same file as an earlier photo of the organisation.
        ExactDuplicate = "exact_duplicate",
        /// Almost no structure: lens cap, pocket, black frame.
        BlankPhoto = "blank_photo",
        /// Too few pixels to show anything.
        TooSmall = "too_small",
        /// EXIF Software names editing software.
        Edited = "edited",
        /// EXIF DateTime (last change) is far from DateTimeOriginal (capture).
        DatetimeMismatch = "datetime_mismatch",
        /// The photo has no EXIF at all (screenshots, gallery exports, messengers).
        ExifStripped = "exif_stripped",
        /// The photo's EXIF equals an earlier photo's while the pixels differ.
        ExifCopied = "exif_copied",
        /// The photo could not be processed; the evidence holds its failure.
        PhotoUnprocessable = "photo_unprocessable",
    }
);

named_enum!(
    /// Why a photo could not be processed: the stable code stored with a `failed` photo and
    /// sent to clients as `photo.failure.code`. Each variant says what the app should do.
    /// A failed photo is final: sending a photo again means a new punch (a new `client_id`).
    PhotoFailureCode {
        /// The bytes are not a JPEG, PNG or HEIC photo (empty, a video, a PDF, a GIF…).
        /// Take the photo with the camera and send it as JPEG, PNG or HEIC.
        NotAnImage = "not_an_image",
        /// The photo ends before its data does: the upload was cut short. Punch again with
        /// the complete file.
        Truncated = "truncated",
        /// Larger than the size limit (`limits.max_bytes`). Send a smaller or more
        /// compressed photo.
        TooLarge = "too_large",
        /// More pixels (or a longer side) than the limits allow. Send a smaller photo.
        TooManyPixels = "too_many_pixels",
        /// A recognised container with content that is not decoded, e.g. AVIF. Send JPEG,
        /// PNG or HEIC (on iPhones, the camera's "Most Compatible" or "High Efficiency").
        Unsupported = "unsupported",
        /// A JPEG, PNG or HEIC whose data the decoders reject (corrupt). Take the photo again.
        DecodeFailed = "decode_failed",
        /// The server could not encode the photo's resized copies: not the photo's fault.
        /// Punch again; if it persists, report the punch to support.
        EncodeFailed = "encode_failed",
        /// The upload was found without its completion call and refused by its size or first
        /// bytes (too large, or not a JPEG, PNG or HEIC). Punch again with a photo that is.
        UploadRejected = "upload_rejected",
        /// Processing failed permanently for a reason outside the photo (its stored original
        /// went missing, say). Punch again; report the punch to support if it recurs.
        JobFailed = "job_failed",
        /// Every processing attempt failed on a passing server problem. Punch again later;
        /// the same photo will most likely go through.
        GaveUp = "gave_up",
    }
);

/// Why a photo could not be processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoFailure {
    /// The stable code: what happened, and so what the app should do.
    pub code: PhotoFailureCode,
    /// A sentence for people (support, the supervisor), never parsed.
    pub reason: String,
}

/// One finding about a punch, with what a person needs to check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// Which finding this is.
    pub code: FlagCode,
    /// How much it matters, from `verification.severity` (a processing failure is always
    /// critical).
    pub severity: Severity,
    /// The numbers behind the finding (distances, times, tolerances, the matched photo),
    /// as a JSON object whose keys name their units (`distance_m`, `skew_s`).
    pub evidence: serde_json::Value,
    /// One sentence for the supervisor's screen.
    pub message: String,
}

/// The machine's judgement of one punch's photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The outcome the flags add up to.
    pub state: VerdictState,
    /// Every finding, most severe first.
    pub flags: Vec<Flag>,
    /// The rules and thresholds that produced it, so old punches can be re-scored.
    pub rules_version: String,
    /// When the verdict was made (server clock, UTC).
    pub decided_at: DateTime<Utc>,
}

impl Verdict {
    /// `needs_review` if any flag is warn or critical, else `verified`. Flags are sorted
    /// most severe first (stable, so rule order is kept within a severity).
    pub fn from_flags(mut flags: Vec<Flag>, rules_version: &str, decided_at: DateTime<Utc>) -> Verdict {
        flags.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let state = match flags.first() {
            Some(flag) if flag.severity >= Severity::Warn => VerdictState::NeedsReview,
            _ => VerdictState::Verified,
        };
        Verdict { state, flags, rules_version: rules_version.to_owned(), decided_at }
    }

    /// The verdict of a photo that could not be processed.
    pub fn failed(failure: &PhotoFailure, rules_version: &str, decided_at: DateTime<Utc>) -> Verdict {
        let flag = Flag {
            code: FlagCode::PhotoUnprocessable,
            severity: Severity::Critical,
            evidence: serde_json::json!({ "code": failure.code, "reason": failure.reason }),
            message: format!("The photo could not be processed: {}", failure.reason),
        };
        Verdict {
            state: VerdictState::Failed,
            flags: vec![flag],
            rules_version: rules_version.to_owned(),
            decided_at,
        }
    }

    /// Whether a flag with this code was raised.
    pub fn has(&self, code: FlagCode) -> bool {
        self.flags.iter().any(|f| f.code == code)
    }
}

named_enum!(
    /// A supervisor's decision on a punch.
    ReviewDecision {
        /// The punch stands as made.
        Approved = "approved",
        /// The punch is refused: it counts for nothing in timesheets. Needs a reason.
        Rejected = "rejected",
    }
);

/// A supervisor's decision, stored beside the machine's verdict (which it never changes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// Whether the punch stands (approved) or is refused (rejected).
    pub decision: ReviewDecision,
    /// The supervisor or admin who decided.
    pub reviewer: UserId,
    /// When they decided (server clock, UTC).
    pub at: DateTime<Utc>,
    /// Why, in their words (may be empty for an approval).
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(code: FlagCode, severity: Severity) -> Flag {
        Flag { code, severity, evidence: serde_json::json!({}), message: String::new() }
    }

    #[test]
    fn info_flags_keep_a_punch_verified() {
        let v =
            Verdict::from_flags(vec![flag(FlagCode::CaptureZoneAssumed, Severity::Info)], "1", Utc::now());
        assert_eq!(v.state, VerdictState::Verified);
        assert!(v.has(FlagCode::CaptureZoneAssumed));
        assert_eq!(Verdict::from_flags(vec![], "1", Utc::now()).state, VerdictState::Verified);
    }

    #[test]
    fn a_warn_or_critical_flag_needs_review_and_sorts_first() {
        let flags = vec![
            flag(FlagCode::CaptureZoneAssumed, Severity::Info),
            flag(FlagCode::NoGps, Severity::Warn),
            flag(FlagCode::ReusedPhoto, Severity::Critical),
        ];
        let v = Verdict::from_flags(flags, "1", Utc::now());
        assert_eq!(v.state, VerdictState::NeedsReview);
        let codes: Vec<_> = v.flags.iter().map(|f| f.code).collect();
        assert_eq!(codes, [FlagCode::ReusedPhoto, FlagCode::NoGps, FlagCode::CaptureZoneAssumed]);
    }

    #[test]
    fn failed_verdicts_carry_the_failure() {
        let failure = PhotoFailure { code: PhotoFailureCode::Truncated, reason: "ends mid-scan".into() };
        let v = Verdict::failed(&failure, "1", Utc::now());
        assert_eq!(v.state, VerdictState::Failed);
        assert_eq!(v.flags[0].evidence["code"], "truncated");
    }

    #[test]
    fn photo_failure_codes_are_unique_and_round_trip() {
        let mut names: Vec<_> = PhotoFailureCode::ALL.iter().map(|c| c.as_str()).collect();
        assert!(names.iter().all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        for code in PhotoFailureCode::ALL {
            let json = serde_json::to_value(code).expect("serialises");
            assert_eq!(json, code.as_str());
            assert_eq!(serde_json::from_value::<PhotoFailureCode>(json).expect("parses"), *code);
            assert_eq!(code.as_str().parse::<PhotoFailureCode>(), Ok(*code));
            assert_eq!(code.to_string(), code.as_str());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PhotoFailureCode::ALL.len());
        // What clients have been sent all along (the database keeps the same text).
        assert_eq!(PhotoFailureCode::Unsupported.as_str(), "unsupported");
        let failure = PhotoFailure { code: PhotoFailureCode::GaveUp, reason: "r".into() };
        assert_eq!(serde_json::to_value(&failure).expect("serialises")["code"], "gave_up");
    }

    #[test]
    fn flag_codes_are_unique_snake_case() {
        let mut names: Vec<_> = FlagCode::ALL.iter().map(|c| c.as_str()).collect();
        assert!(names.iter().all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FlagCode::ALL.len());
        let json = serde_json::to_value(flag(FlagCode::ExifCopied, Severity::Warn)).expect("serialises");
        assert_eq!(json["code"], "exif_copied");
        assert_eq!(json["severity"], "warn");
    }
}
