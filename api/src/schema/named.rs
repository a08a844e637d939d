//! OpenAPI schemas of the domain's named enums, generated from their own stable names
//! (`ALL`/`as_str`), so the document lists exactly the values the API reads and writes.

use punchline_domain::{FlagCode, PhotoState, PunchKind, ReviewDecision, Severity, VerdictState};
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

/// A supervisor's decision.
pub fn review_decision() -> Object {
    string_enum(ReviewDecision::ALL.iter().map(|d| d.as_str()), "The supervisor's decision")
}
