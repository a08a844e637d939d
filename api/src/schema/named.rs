//! OpenAPI schemas of the domain's named enums, generated from their own stable names
//! (`ALL`/`as_str`), so the document lists exactly the values the API reads and writes.

use punchline_domain::{
    FlagCode, PhotoFailureCode, PhotoState, PunchKind, ReviewDecision, Severity, VerdictState,
};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

fn string_enum(names: impl IntoIterator<Item = &'static str>, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .description(Some(description))
        .build()
}

/// `in` or `out`.
pub fn punch_kind() -> Object {
    string_enum(PunchKind::ALL.iter().map(|k| k.as_str()), "Clocking in or out")
}

/// Where a photo is in its life.
pub fn photo_state() -> Object {
    string_enum(PhotoState::ALL.iter().map(|s| s.as_str()), "Where the photo is in its life")
}

/// The outcome of verification.
pub fn verdict_state() -> Object {
    string_enum(VerdictState::ALL.iter().map(|s| s.as_str()), "The outcome of verification")
}

/// How much a flag matters.
pub fn severity() -> Object {
    string_enum(Severity::ALL.iter().map(|s| s.as_str()), "How much the flag matters")
}

/// What a flag says.
pub fn flag_code() -> Object {
    string_enum(FlagCode::ALL.iter().map(|c| c.as_str()), "The flag's stable code")
}

/// Why a photo could not be processed, with what the app should do about each code.
pub fn photo_failure_code() -> Object {
    let advice: Vec<String> =
        PhotoFailureCode::ALL.iter().map(|c| format!("`{c}`: {}", failure_advice(*c))).collect();
    let description = format!(
        "Why the photo could not be processed (a stable code). A failed photo is final: to send \
         a photo again, create a new punch (a new `client_id`). {}.",
        advice.join("; ")
    );
    string_enum(PhotoFailureCode::ALL.iter().map(|c| c.as_str()), &description)
}

/// What a failure means to the app (as documented on each [`PhotoFailureCode`] variant).
fn failure_advice(code: PhotoFailureCode) -> &'static str {
    match code {
        PhotoFailureCode::NotAnImage => "not a JPEG, PNG or HEIC photo; send one taken with the camera",
        PhotoFailureCode::Truncated => "the upload was cut short; send the complete file",
        PhotoFailureCode::TooLarge => "over the size limit; send a smaller or more compressed photo",
        PhotoFailureCode::TooManyPixels => "more pixels than the limits allow; send a smaller photo",
        PhotoFailureCode::Unsupported => {
            "a recognised format that is not decoded (e.g. AVIF); send JPEG, PNG or HEIC"
        }
        PhotoFailureCode::DecodeFailed => "the photo's data is corrupt; take the photo again",
        PhotoFailureCode::EncodeFailed => {
            "the server's failure, not the photo's; punch again, and report it if it recurs"
        }
        PhotoFailureCode::UploadRejected => {
            "the upload was too large or not a JPEG, PNG or HEIC; send one within the size limit"
        }
        PhotoFailureCode::JobFailed => {
            "processing failed for a reason outside the photo; punch again, and report it if it recurs"
        }
        PhotoFailureCode::GaveUp => "every attempt met a passing server problem; punch again later",
    }
}

/// A supervisor's decision.
pub fn review_decision() -> Object {
    string_enum(ReviewDecision::ALL.iter().map(|d| d.as_str()), "The supervisor's decision")
}
