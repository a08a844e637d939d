//! Have we seen this picture before in this organisation? Exact copies by SHA-256, and the
//! same picture re-encoded, resized, rotated, mirrored or lightly cropped by PDQ distance
//! (over the 8 dihedral hashes of the new photo).

use punchline_domain::config::HashingConfig;
use punchline_domain::FlagCode;
use serde_json::json;

use super::verdict::Findings;
use super::{ReuseCandidate, VerificationInput};

/// Matches listed in a flag's evidence (the best first); the count says how many in all.
const MATCHES_IN_EVIDENCE: usize = 5;

/// Candidates that may be compared with this photo: same organisation (checked again: a
/// tenant never matches another's photos), and neither this photo itself nor another
/// upload of this punch (a redelivered job or a retried upload is not reuse).
pub(super) fn comparable<'a>(input: &VerificationInput<'a>) -> impl Iterator<Item = &'a ReuseCandidate> + 'a {
    let (org, photo, punch) = (input.punch.org, input.photo.id, input.punch.id);
    input.candidates.iter().filter(move |c| c.org == org && c.photo != photo && c.punch != punch)
}

fn match_evidence(input: &VerificationInput<'_>, matches: &[(&ReuseCandidate, u32)]) -> serde_json::Value {
    let listed: Vec<_> = matches
        .iter()
        .take(MATCHES_IN_EVIDENCE)
        .map(|(c, distance)| {
            json!({
                "photo_id": c.photo,
                "punch_id": c.punch,
                "worker_id": c.worker,
                "same_worker": c.worker == input.punch.worker,
                "distance": distance,
            })
        })
        .collect();
    let original = first_seen(matches).map(|(c, distance)| {
        json!({ "photo_id": c.photo, "punch_id": c.punch, "worker_id": c.worker, "distance": distance })
    });
    json!({ "matches": listed, "match_count": matches.len(), "original": original })
}

/// Of several matches, the one seen first (the lowest registration number): the original
/// the others copy, whichever is closest.
fn first_seen<'a>(matches: &[(&'a ReuseCandidate, u32)]) -> Option<(&'a ReuseCandidate, u32)> {
    matches.iter().min_by_key(|(c, _)| c.registered).copied()
}

pub(super) fn check(input: &VerificationInput<'_>, hashing: &HashingConfig, findings: &mut Findings<'_>) {
    let hashes = &input.photo.hashes;
    let exact: Vec<_> = comparable(input).filter(|c| c.sha256 == hashes.sha256).map(|c| (c, 0)).collect();
    if let Some((original, _)) = first_seen(&exact) {
        let mut evidence = match_evidence(input, &exact);
        evidence["sha256"] = json!(hashes.sha256_hex());
        findings.raise(
            FlagCode::ExactDuplicate,
            format!("The same file was uploaded before, first for punch {}.", original.punch),
            evidence,
        );
    }

    // A blank frame's hash is noise: it neither matches nor is matched.
    let usable = |quality: u8| quality >= hashing.blank_below_quality;
    if !usable(hashes.pdq.quality) {
        return;
    }
    let mut similar: Vec<_> = comparable(input)
        .filter(|c| c.sha256 != hashes.sha256 && usable(c.pdq.quality))
        .map(|c| (c, hashes.min_distance(&c.pdq)))
        .filter(|(_, distance)| *distance <= hashing.reuse_max_distance)
        .collect();
    similar.sort_by_key(|(c, distance)| (*distance, c.photo));
    if let Some((original, distance)) = first_seen(&similar) {
        let mut evidence = match_evidence(input, &similar);
        evidence["max_distance"] = json!(hashing.reuse_max_distance);
        findings.raise(
            FlagCode::ReusedPhoto,
            format!(
                "The same picture was used before, first for punch {} (PDQ distance {distance} of 256).",
                original.punch
            ),
            evidence,
        );
    }
}

#[cfg(test)]
#[path = "tests/reuse.rs"]
mod tests;
