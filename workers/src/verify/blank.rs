//! Is there anything in the picture? Blank frames (lens cap, pocket) by PDQ quality, and
//! photos too small to show anything (the 1×1 JPEG).

use punchline_domain::{Config, FlagCode};
use serde_json::json;

use super::verdict::Findings;
use super::VerificationInput;

pub(super) fn check(input: &VerificationInput<'_>, config: &Config, findings: &mut Findings<'_>) {
    let photo = input.photo;
    let quality = photo.hashes.pdq.quality;
    let blank_below = config.hashing.blank_below_quality;
    if quality < blank_below {
        findings.raise(
            FlagCode::BlankPhoto,
            format!("The photo shows almost nothing (PDQ quality {quality} of 100)."),
            json!({ "pdq_quality": quality, "blank_below_quality": blank_below }),
        );
    }

    let min_side = config.verification.min_short_side_px;
    let min_bytes = config.verification.min_bytes;
    let short_side = photo.width.min(photo.height);
    if short_side < min_side || photo.bytes < min_bytes {
        findings.raise(
            FlagCode::TooSmall,
            format!("The photo is only {}×{} px, {} bytes.", photo.width, photo.height, photo.bytes),
            json!({
                "width": photo.width,
                "height": photo.height,
                "bytes": photo.bytes,
                "min_short_side_px": min_side,
                "min_bytes": min_bytes,
            }),
        );
    }
}

#[cfg(test)]
#[path = "tests/blank.rs"]
mod tests;
