//! One punch through the workers' verification engine, as a worker would run it: the photo
//! as the image pipeline processed it (or its failure), the earlier photos of the same
//! organisation as reuse candidates.

use chrono::{DateTime, FixedOffset, Utc};
use punchline_domain::{
    ClientPunchId, Config, DeviceLocation, OrgId, PhotoFailure, PhotoId, Punch, PunchId, PunchKind, Site,
    UserId, Verdict,
};
use punchline_imaging::{ImageError, Processed};
use punchline_workers::verify::{self, ProcessedPhoto, ReuseCandidate, VerificationInput};

/// What the app and the server say about a punch.
pub struct PunchFacts {
    pub site: Site,
    pub device_time: DateTime<FixedOffset>,
    pub device_location: Option<DeviceLocation>,
    pub received_at: DateTime<Utc>,
    pub upload_completed_at: DateTime<Utc>,
}

/// An earlier photo of `org`, punched by another worker, as the reuse index returns it;
/// `registered` orders the earlier photos (lowest: seen first).
pub fn candidate(org: OrgId, earlier: &Processed, registered: i64) -> ReuseCandidate {
    ReuseCandidate {
        org,
        photo: PhotoId::new(),
        registered,
        punch: PunchId::new(),
        worker: UserId::new(),
        sha256: earlier.hashes.sha256,
        pdq: earlier.hashes.pdq,
        exif: earlier.exif.clone(),
    }
}

/// The verdict a worker would commit for this punch's photo (`bytes` long).
pub fn verdict(
    punch: &PunchFacts,
    photo: Result<&Processed, &ImageError>,
    bytes: u64,
    candidates: &[ReuseCandidate],
    config: &Config,
) -> Verdict {
    let decided_at = punch.upload_completed_at;
    let processed = match photo {
        Ok(processed) => processed,
        Err(e) => {
            let failure = PhotoFailure { code: e.code(), reason: e.to_string() };
            return verify::verdict_for_failure(&failure, config, decided_at);
        }
    };
    let record = Punch {
        id: PunchId::new(),
        org: punch.site.org,
        client_id: ClientPunchId::new("eval").expect("a valid id"),
        kind: PunchKind::In,
        worker: UserId::new(),
        site: punch.site.id,
        device_time: punch.device_time,
        device_location: punch.device_location,
        received_at: punch.received_at,
    };
    let photo = ProcessedPhoto {
        id: PhotoId::new(),
        exif: processed.exif.clone(),
        hashes: processed.hashes.clone(),
        width: processed.width,
        height: processed.height,
        bytes,
    };
    let input = VerificationInput {
        punch: &record,
        site: &punch.site,
        photo: &photo,
        upload_completed_at: punch.upload_completed_at,
        candidates,
    };
    verify::verify(&input, config, decided_at)
}
