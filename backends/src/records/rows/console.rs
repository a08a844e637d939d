//! The console's sessions, login links and listing lines as rows.

use chrono::{DateTime, Utc};
use punchline_domain::{Flag, OrgId, PhotoId, PhotoState, ReviewDecision, Role, UserId, VerdictState};
use sqlx::types::Json;
use uuid::Uuid;

use super::{hash32, parse_name, PunchRow, RecordsError};
use crate::records::console::{ConsoleRow, ConsoleSession, Grant};
use punchline_domain::Review;

#[derive(sqlx::FromRow)]
pub(crate) struct GrantRow {
    pub org_id: Uuid,
    pub user_id: Uuid,
    pub role: String,
    pub expires_at: DateTime<Utc>,
}

impl GrantRow {
    pub(crate) fn grant(&self) -> Result<Grant, RecordsError> {
        Ok(Grant {
            org: OrgId(self.org_id),
            user: UserId(self.user_id),
            role: parse_name::<Role>(&self.role)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub id_hash: Vec<u8>,
    #[sqlx(flatten)]
    pub grant: GrantRow,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<SessionRow> for ConsoleSession {
    type Error = RecordsError;
    fn try_from(row: SessionRow) -> Result<ConsoleSession, RecordsError> {
        Ok(ConsoleSession {
            id_hash: hash32(&row.id_hash, "session digest")?,
            grant: row.grant.grant()?,
            csrf_token: row.csrf_token,
            created_at: row.created_at,
            expires_at: row.grant.expires_at,
        })
    }
}

/// The columns a [`SessionRow`] reads.
pub(crate) const SESSION_COLUMNS: &str = "id_hash, org_id, user_id, role, expires_at, csrf_token, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ConsoleListRow {
    #[sqlx(flatten)]
    pub punch: PunchRow,
    pub photo_id: Uuid,
    pub photo_state: String,
    pub verdict_state: Option<String>,
    pub flags: Option<Json<Vec<Flag>>>,
    pub review_decision: Option<String>,
    pub review_reviewer: Option<Uuid>,
    pub review_at: Option<DateTime<Utc>>,
    pub review_reason: Option<String>,
}

impl TryFrom<ConsoleListRow> for ConsoleRow {
    type Error = RecordsError;
    fn try_from(row: ConsoleListRow) -> Result<ConsoleRow, RecordsError> {
        let latest_review = match (row.review_decision, row.review_reviewer, row.review_at) {
            (Some(decision), Some(reviewer), Some(at)) => Some(Review {
                decision: parse_name::<ReviewDecision>(&decision)?,
                reviewer: UserId(reviewer),
                at,
                reason: row.review_reason.unwrap_or_default(),
            }),
            _ => None,
        };
        Ok(ConsoleRow {
            punch: row.punch.try_into()?,
            photo: PhotoId(row.photo_id),
            photo_state: parse_name::<PhotoState>(&row.photo_state)?,
            verdict: row.verdict_state.as_deref().map(parse_name::<VerdictState>).transpose()?,
            flags: row.flags.map(|f| f.0).unwrap_or_default(),
            latest_review,
        })
    }
}
