//! Signs the photo was edited or dressed up: editing software in EXIF Software, a last
//! change long after capture, no EXIF at all, or EXIF copied from another photo.

use punchline_domain::{Config, ExifFacts, FlagCode, GeoPoint};
use serde_json::json;

use super::capture_time::parse_exif_datetime;
use super::reuse::comparable;
use super::verdict::Findings;
use super::VerificationInput;

/// Two GPS fixes closer than this (degrees, ~1 cm) are the same EXIF value.
const SAME_FIX_DEGREES: f64 = 1e-7;

pub(super) fn check(input: &VerificationInput<'_>, config: &Config, findings: &mut Findings<'_>) {
    let exif = &input.photo.exif;
    if !exif.present {
        findings.raise(
            FlagCode::ExifStripped,
            "The photo has no EXIF at all (screenshot, export or messenger copy).".into(),
            json!({ "exif_present": false }),
        );
        return;
    }
    check_software(exif, &config.verification.editing_software, findings);
    check_datetime(exif, config.verification.datetime_mismatch_s, findings);
    check_copied(input, config.hashing.reuse_max_distance, findings);
}

fn check_software(exif: &ExifFacts, editors: &[String], findings: &mut Findings<'_>) {
    let Some(software) = exif.software.as_deref() else {
        return;
    };
    let lower = software.to_lowercase();
    if let Some(editor) = editors.iter().find(|e| lower.contains(&e.to_lowercase())) {
        findings.raise(
            FlagCode::Edited,
            format!("EXIF says the photo was saved by {software}."),
            json!({ "software": software, "matched": editor }),
        );
    }
}

/// Both values are the camera's local time, so they compare without a zone.
fn check_datetime(exif: &ExifFacts, tolerance_s: u64, findings: &mut Findings<'_>) {
    let parse = |s: &Option<String>| s.as_deref().and_then(parse_exif_datetime);
    let (Some(original), Some(changed)) = (parse(&exif.datetime_original), parse(&exif.datetime)) else {
        return;
    };
    let apart_s = (changed - original).num_seconds();
    if apart_s.unsigned_abs() > tolerance_s {
        findings.raise(
            FlagCode::DatetimeMismatch,
            format!("EXIF says the photo was last changed {apart_s} s after it was taken."),
            json!({
                "datetime_original": exif.datetime_original,
                "datetime": exif.datetime,
                "apart_s": apart_s,
                "tolerance_s": tolerance_s,
            }),
        );
    }
}

fn same_fix(a: Option<GeoPoint>, b: Option<GeoPoint>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            (a.lat - b.lat).abs() < SAME_FIX_DEGREES && (a.lon - b.lon).abs() < SAME_FIX_DEGREES
        }
        _ => false,
    }
}

/// The same camera, second and place as another photo: one capture's EXIF.
fn same_capture_metadata(a: &ExifFacts, b: &ExifFacts) -> bool {
    a.datetime_original.is_some()
        && a.datetime_original == b.datetime_original
        && a.offset == b.offset
        && a.make == b.make
        && a.model == b.model
        && same_fix(a.gps, b.gps)
}

/// EXIF equal to an earlier photo's while the pixels are a different picture: the EXIF
/// was copied to dress up another photo. (Equal EXIF with matching pixels is reuse.) Of
/// several such photos, the one seen first is named: the capture the EXIF belongs to.
fn check_copied(input: &VerificationInput<'_>, reuse_max_distance: u32, findings: &mut Findings<'_>) {
    let photo = input.photo;
    let copied = comparable(input)
        .filter(|c| c.sha256 != photo.hashes.sha256 && same_capture_metadata(&photo.exif, &c.exif))
        .map(|c| (c, photo.hashes.min_distance(&c.pdq)))
        .filter(|(_, distance)| *distance > reuse_max_distance)
        .min_by_key(|(c, _)| c.registered);
    if let Some((source, distance)) = copied {
        findings.raise(
            FlagCode::ExifCopied,
            format!(
                "The photo's EXIF equals that of punch {}'s photo, but the picture differs.",
                source.punch
            ),
            json!({
                "photo_id": source.photo,
                "punch_id": source.punch,
                "worker_id": source.worker,
                "same_worker": source.worker == input.punch.worker,
                "distance": distance,
                "reuse_max_distance": reuse_max_distance,
                "make": photo.exif.make,
                "model": photo.exif.model,
                "datetime_original": photo.exif.datetime_original,
            }),
        );
    }
}

#[cfg(test)]
#[path = "tests/tampering.rs"]
mod tests;
