//! What the supervisors' console needs from the records beyond the JSON API's: sign-in
//! (one-time login links and browser sessions, kept as digests of their secrets) and the
//! review queue's listing with flags, the latest review, and counts.
//!
//! Tenancy as everywhere: every listing takes the organisation. A session or login is
//! looked up by the digest of its secret alone (the cookie is all a browser has), and
//! says which organisation it belongs to.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use punchline_domain::{
    Flag, FlagCode, OrgId, PhotoId, PhotoState, Punch, PunchId, Review, ReviewDecision, Role, SiteId, UserId,
    VerdictState,
};

use super::{RecordsError, StoredVariant, User};

/// A login link as stored: the digest of its token and whom it signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogin {
    /// SHA-256 of the link's secret token.
    pub token_hash: [u8; 32],
    /// The organisation the session will be scoped to.
    pub org: OrgId,
    /// The user it signs in (must exist in `org`).
    pub user: UserId,
    /// Supervisor or admin (workers have no console).
    pub role: Role,
    /// When the link was made.
    pub created_at: DateTime<Utc>,
    /// After this the link signs nobody in.
    pub expires_at: DateTime<Utc>,
}

/// Who a used login link or a live session stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The organisation every page is scoped to.
    pub org: OrgId,
    /// The signed-in user.
    pub user: UserId,
    /// What they may do.
    pub role: Role,
}

/// A browser session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// SHA-256 of the session cookie's value.
    pub id_hash: [u8; 32],
    /// Who it stands for.
    pub grant: Grant,
    /// The token every form of the session must carry back.
    pub csrf_token: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// After this it is refused.
    pub expires_at: DateTime<Utc>,
}

/// Which punches by their supervisors' decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReviewFilter {
    /// Whatever was decided, or nothing.
    #[default]
    Any,
    /// No review yet (the queue).
    Unreviewed,
    /// The latest review has this decision.
    Latest(ReviewDecision),
}

/// Which punches a console listing shows. Newest first (by punch id, time ordered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleFilter {
    /// Only punches at this site.
    pub site: Option<SiteId>,
    /// Only this worker's.
    pub worker: Option<UserId>,
    /// Only punches whose verdict carries a flag with this code.
    pub flag: Option<FlagCode>,
    /// Only punches whose verdict is in this state.
    pub verdict: Option<VerdictState>,
    /// By supervisors' decisions.
    pub review: ReviewFilter,
    /// Server receive time, inclusive.
    pub received_from: Option<DateTime<Utc>>,
    /// Server receive time, exclusive.
    pub received_to: Option<DateTime<Utc>>,
    /// Device (punch) time, inclusive: timesheets are by the time the worker punched.
    pub device_from: Option<DateTime<Utc>>,
    /// Device (punch) time, exclusive.
    pub device_to: Option<DateTime<Utc>>,
    /// The cursor: only punches older than this one.
    pub before: Option<PunchId>,
    /// Page size, 1 to [`ConsoleFilter::MAX_LIMIT`].
    pub limit: u32,
}

impl ConsoleFilter {
    /// The largest page served (an export pages through with the cursor).
    pub const MAX_LIMIT: u32 = 500;

    /// Every punch of the organisation, `limit` a page.
    pub fn all(limit: u32) -> ConsoleFilter {
        ConsoleFilter {
            site: None,
            worker: None,
            flag: None,
            verdict: None,
            review: ReviewFilter::Any,
            received_from: None,
            received_to: None,
            device_from: None,
            device_to: None,
            before: None,
            limit,
        }
    }

    pub(crate) fn page_size(&self) -> i64 {
        i64::from(self.limit.clamp(1, Self::MAX_LIMIT))
    }
}

/// One line of a console listing: the punch, its verdict's flags and the latest review.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleRow {
    /// The punch.
    pub punch: Punch,
    /// Its photo.
    pub photo: PhotoId,
    /// Its photo's state.
    pub photo_state: PhotoState,
    /// The verdict's state, once there is one.
    pub verdict: Option<VerdictState>,
    /// The verdict's flags, most severe first (empty without a verdict).
    pub flags: Vec<Flag>,
    /// The latest supervisor's decision, if any.
    pub latest_review: Option<Review>,
}

/// Sign-in and the listings of the supervisors' console.
#[async_trait]
pub trait ConsoleRecords: Send + Sync {
    /// Stores a login link. [`RecordsError::Conflict`] if the digest is taken.
    async fn create_login(&self, login: &NewLogin) -> Result<(), RecordsError>;

    /// Uses the login link with this digest: marks it used and returns whom it signs in,
    /// once. `None` if there is no such link, it was used, or it expired by `now`.
    /// Concurrent uses of one link: one wins.
    async fn redeem_login(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Option<Grant>, RecordsError>;

    /// Stores a session (and drops sessions and links that expired before its creation).
    async fn create_session(&self, session: &ConsoleSession) -> Result<(), RecordsError>;

    /// The session with this digest if it is neither ended nor expired at `now`.
    async fn session(
        &self,
        id_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Option<ConsoleSession>, RecordsError>;

    /// Ends the session (sign out); returns whether a live one was ended.
    async fn end_session(&self, id_hash: &[u8; 32], now: DateTime<Utc>) -> Result<bool, RecordsError>;

    /// A page of `org`'s punches, newest first, with flags and the latest review.
    async fn console_punches(
        &self,
        org: OrgId,
        filter: &ConsoleFilter,
    ) -> Result<Vec<ConsoleRow>, RecordsError>;

    /// How many of `org`'s punches the filter matches (its cursor and limit ignored).
    async fn count_console_punches(&self, org: OrgId, filter: &ConsoleFilter) -> Result<u64, RecordsError>;

    /// `org`'s users with a role, by name.
    async fn users_with_role(&self, org: OrgId, role: Role) -> Result<Vec<User>, RecordsError>;

    /// The punch's photo's variants, smallest first (empty if `org` has no such punch).
    async fn punch_variants(&self, org: OrgId, punch: PunchId) -> Result<Vec<StoredVariant>, RecordsError>;
}

/// The one statement of the console's queries that PostgreSQL and SQLite write
/// differently: "the verdict's flags (JSON) include one with this code".
pub(crate) trait ConsoleDialect {
    /// Before the bound flag code.
    const FLAG_MATCH_BEFORE: &'static str;
    /// After it.
    const FLAG_MATCH_AFTER: &'static str;
}

#[cfg(feature = "postgres")]
impl ConsoleDialect for super::PostgresRecords {
    // jsonb containment: served by the column's value alone, no unnesting.
    const FLAG_MATCH_BEFORE: &'static str =
        " AND v.flags @> jsonb_build_array(jsonb_build_object('code', CAST(";
    const FLAG_MATCH_AFTER: &'static str = " AS text)))";
}

impl ConsoleDialect for super::SqliteRecords {
    const FLAG_MATCH_BEFORE: &'static str =
        " AND EXISTS (SELECT 1 FROM json_each(v.flags) f WHERE json_extract(f.value, '$.code') = ";
    const FLAG_MATCH_AFTER: &'static str = ")";
}
