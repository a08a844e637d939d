//! What the verification engine is given: everything is gathered by the caller (records,
//! image pipeline) so the rules themselves stay pure.

use chrono::{DateTime, Utc};
use punchline_domain::{
    ExifFacts, OrgId, PerceptualHash, PhotoHashes, PhotoId, Punch, PunchId, Site, UserId,
};

/// The photo being verified, as the image pipeline saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedPhoto {
    /// The photo's id: a candidate with the same id (the photo itself, already indexed) is
    /// never a match.
    pub id: PhotoId,
    /// What EXIF said (all optional; `present: false` when there was no EXIF at all).
    pub exif: ExifFacts,
    /// SHA-256 of the bytes and PDQ of the displayed image (with its 8 dihedral variants).
    pub hashes: PhotoHashes,
    /// Width in pixels as displayed (after orientation).
    pub width: u32,
    /// Height in pixels as displayed (after orientation).
    pub height: u32,
    /// Size of the uploaded file in bytes.
    pub bytes: u64,
}

/// An earlier photo of the same organisation that the records layer's index returned as a
/// possible match (same SHA-256, PDQ within the search radius, or same capture metadata).
#[derive(Debug, Clone, PartialEq)]
pub struct ReuseCandidate {
    /// Checked again here: a candidate of another organisation is ignored, never reported.
    pub org: OrgId,
    /// The earlier photo, named in the flag evidence.
    pub photo: PhotoId,
    /// Its registration number: of several candidates the lowest was seen first (the
    /// original the others copy).
    pub registered: i64,
    /// The punch the earlier photo belongs to.
    pub punch: PunchId,
    /// The worker who made that punch.
    pub worker: UserId,
    /// SHA-256 of the earlier photo's bytes.
    pub sha256: [u8; 32],
    /// PDQ of the earlier photo as displayed, with its quality.
    pub pdq: PerceptualHash,
    /// The earlier photo's EXIF facts (for spotting copied EXIF).
    pub exif: ExifFacts,
}

/// Everything one verification needs.
#[derive(Debug, Clone, Copy)]
pub struct VerificationInput<'a> {
    /// The punch, including the device's time and location and the server's receive
    /// time (`received_at`).
    pub punch: &'a Punch,
    /// The site punched at.
    pub site: &'a Site,
    /// The punch's photo as the image pipeline saw it.
    pub photo: &'a ProcessedPhoto,
    /// When the upload of the photo's bytes was completed (server clock).
    pub upload_completed_at: DateTime<Utc>,
    /// Earlier photos that may be the same picture or carry the same EXIF.
    pub candidates: &'a [ReuseCandidate],
}
