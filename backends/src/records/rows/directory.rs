//! Organisations, users and sites as rows.

use punchline_domain::site::parse_time_zone;
use punchline_domain::{Geofence, OrgId, Site, SiteId, UserId};
use sqlx::types::Json;
use uuid::Uuid;

use super::{parse_name, RecordsError};
use crate::records::model::{Organisation, User};

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    pub id: Uuid,
    pub name: String,
}

impl From<OrgRow> for Organisation {
    fn from(row: OrgRow) -> Organisation {
        Organisation { id: OrgId(row.id), name: row.name }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub role: String,
}

impl TryFrom<UserRow> for User {
    type Error = RecordsError;
    fn try_from(row: UserRow) -> Result<User, RecordsError> {
        Ok(User { id: UserId(row.id), org: OrgId(row.org_id), name: row.name, role: parse_name(&row.role)? })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SiteRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub time_zone: String,
    pub geofence: Json<Geofence>,
    pub active: bool,
}

impl TryFrom<SiteRow> for Site {
    type Error = RecordsError;
    fn try_from(row: SiteRow) -> Result<Site, RecordsError> {
        Ok(Site {
            id: SiteId(row.id),
            org: OrgId(row.org_id),
            name: row.name,
            time_zone: parse_time_zone(&row.time_zone).map_err(RecordsError::corrupt)?,
            geofence: row.geofence.0,
            active: row.active,
        })
    }
}
