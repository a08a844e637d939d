//! Supervisors' decisions on punches.

use chrono::{DateTime, Utc};
use punchline_domain::{Review, ReviewDecision, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::named;
use crate::error::ApiError;

/// The longest reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

/// A supervisor's decision on a punch.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// `approved` or `rejected`.
    #[schema(schema_with = named::review_decision)]
    pub decision: ReviewDecision,
    /// Why, in the supervisor's words: required to reject, may be empty to approve; at
    /// most 2000 characters.
    #[serde(default)]
    #[schema(example = "Photo shows the depot gate; GPS drift")]
    pub reason: String,
}

impl ReviewBody {
    /// The reason, trimmed, after checking it fits the decision.
    pub fn checked_reason(&self) -> Result<String, ApiError> {
        let reason = self.reason.trim();
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(ApiError::Invalid(format!("reason is longer than {MAX_REASON_CHARS} characters")));
        }
        if self.decision == ReviewDecision::Rejected && reason.is_empty() {
            return Err(ApiError::Invalid("a rejection needs a reason".into()));
        }
        Ok(reason.to_owned())
    }
}

/// A recorded decision: who decided what, when and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewView {
    /// `approved` or `rejected`.
    #[schema(schema_with = named::review_decision)]
    pub decision: ReviewDecision,
    /// The supervisor or admin who decided.
    #[schema(value_type = uuid::Uuid)]
    pub reviewer_id: UserId,
    /// Why.
    pub reason: String,
    /// When (server clock, UTC).
    pub at: DateTime<Utc>,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> ReviewView {
        ReviewView { decision: r.decision, reviewer_id: r.reviewer, reason: r.reason, at: r.at }
    }
}
