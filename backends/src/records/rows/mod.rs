//! How domain values are laid out in table rows, shared by both databases: the row
//! structs queries decode into (every column type decodes on PostgreSQL and SQLite
//! alike), and the conversions between them and the domain's types.

mod console;
mod directory;
mod photo;
mod punch;
mod reuse;

use chrono::{DateTime, SubsecRound, Utc};
use punchline_domain::OrgId;

use super::error::RecordsError;

pub(crate) use console::{ConsoleListRow, GrantRow, SessionRow, SESSION_COLUMNS};
pub(crate) use directory::{OrgRow, SiteRow, UserRow};
pub(crate) use photo::{
    FactsRow, OutboxRow, PendingRow, PhotoRow, VariantRow, VerdictRow, FACTS_COLUMNS, PHOTO_COLUMNS,
};
pub(crate) use punch::{same_body, DeviceTime, PunchRow, ReviewRow, SummaryRow, PUNCH_COLUMNS};
pub(crate) use reuse::{stored_hashes, MatchRow, MATCH_COLUMNS};

/// Timestamps are kept to the microsecond: PostgreSQL's precision, applied on SQLite too
/// so both give back exactly what the other would, and a retried request compares equal.
pub(crate) fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// Refuses an entity whose own org field disagrees with the org the call is scoped to.
pub(crate) fn check_org(scope: OrgId, entity_org: OrgId, what: &str) -> Result<(), RecordsError> {
    if scope == entity_org {
        Ok(())
    } else {
        Err(RecordsError::Invalid(format!("{what} belongs to another organisation than the one given")))
    }
}

pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, RecordsError> {
    i64::try_from(value).map_err(|_| RecordsError::Invalid(format!("{what} {value} is too large")))
}

fn to_u64(value: i64, what: &str) -> Result<u64, RecordsError> {
    u64::try_from(value).map_err(|_| RecordsError::corrupt(format!("{what} {value} is negative")))
}

fn to_u32(value: i32, what: &str) -> Result<u32, RecordsError> {
    u32::try_from(value).map_err(|_| RecordsError::corrupt(format!("{what} {value} is negative")))
}

pub(crate) fn to_i32(value: u32, what: &str) -> Result<i32, RecordsError> {
    i32::try_from(value).map_err(|_| RecordsError::Invalid(format!("{what} {value} is too large")))
}

pub(crate) fn hash32(bytes: &[u8], what: &str) -> Result<[u8; 32], RecordsError> {
    bytes.try_into().map_err(|_| RecordsError::corrupt(format!("{what} has {} bytes, not 32", bytes.len())))
}

fn parse_name<T: std::str::FromStr>(text: &str) -> Result<T, RecordsError>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(RecordsError::corrupt)
}
