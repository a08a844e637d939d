//! Reuse-search matches and stored hashes as rows.

use chrono::{DateTime, Utc};
use punchline_domain::{PerceptualHash, PhotoHashes, PhotoId, PunchId, UserId};
use uuid::Uuid;

use super::{hash32, FactsRow, RecordsError};
use crate::records::model::ReuseMatch;

/// An earlier photo found by a reuse search, before its distance is attached.
#[derive(sqlx::FromRow)]
pub(crate) struct MatchRow {
    pub seq: i64,
    pub photo_id: Uuid,
    pub punch_id: Uuid,
    pub worker_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub quality: i16,
    #[sqlx(flatten)]
    pub facts: FactsRow,
}

/// The columns a [`MatchRow`] reads, from `photo_hashes h`, `photos ph`, `punches p`
/// and an outer-joined `photo_facts f`.
pub(crate) const MATCH_COLUMNS: &str =
    "h.seq, h.photo_id, ph.punch_id, p.worker_id, p.received_at, h.quality, \
     f.present, f.make, f.model, f.datetime_original, f.offset_time, f.datetime, f.gps_lat, f.gps_lon, \
     f.gps_utc, f.orientation, f.software";

impl MatchRow {
    pub(crate) fn into_match(self, distance: u32) -> Result<ReuseMatch, RecordsError> {
        Ok(ReuseMatch {
            photo: PhotoId(self.photo_id),
            registered: self.seq,
            punch: PunchId(self.punch_id),
            worker: UserId(self.worker_id),
            received_at: self.received_at,
            distance,
            quality: u8::try_from(self.quality)
                .map_err(|_| RecordsError::corrupt(format!("PDQ quality {}", self.quality)))?,
            facts: self.facts.into_facts()?,
        })
    }
}

/// A photo's hashes from their stored parts (the dihedral hashes are kept concatenated).
pub(crate) fn stored_hashes(
    pdq: [u8; 32],
    quality: i16,
    dihedral: &[u8],
    sha256: &[u8; 32],
) -> Result<PhotoHashes, RecordsError> {
    if dihedral.len() != 8 * 32 {
        return Err(RecordsError::corrupt(format!("dihedral hashes have {} bytes, not 256", dihedral.len())));
    }
    let mut pdq_dihedral = [[0u8; 32]; 8];
    for (slot, bytes) in pdq_dihedral.iter_mut().zip(dihedral.chunks_exact(32)) {
        *slot = hash32(bytes, "dihedral hash")?;
    }
    let quality =
        u8::try_from(quality).map_err(|_| RecordsError::corrupt(format!("PDQ quality {quality}")))?;
    Ok(PhotoHashes { sha256: *sha256, pdq: PerceptualHash { bits: pdq, quality }, pdq_dihedral })
}
