//! The SQL that SQLite writes its own way: no row locks (writers are serialised), no
//! `now()` in sqlx's timestamp format, PDQ hashes as 32-byte BLOBs, and no arrays.

use chrono::{DateTime, Utc};
use punchline_domain::{OrgId, PhotoId};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::SqliteRecords;
use crate::records::pdq_index;
use crate::records::rows::hash32;
use crate::records::sql::SqlDialect;
use crate::records::RecordsError;

impl SqlDialect for SqliteRecords {
    /// None needed: write transactions already run one at a time.
    const LOCK_FOR_UPDATE: &'static str = "";

    /// SQLite's clock functions do not write the text sqlx binds a timestamp as.
    const NOW: Option<&'static str> = None;

    /// The hash's 32 bytes.
    type Pdq = Vec<u8>;
    const PDQ_PARAM_CAST: &'static str = "";
    const PDQ_COLUMN_CAST: &'static str = "";

    fn pdq_to_sql(bits: &[u8; 32]) -> Vec<u8> {
        bits.to_vec()
    }

    fn pdq_from_sql(stored: Vec<u8>) -> Result<[u8; 32], RecordsError> {
        hash32(&stored, "pdq")
    }

    /// All chunks in one multi-row `VALUES`.
    async fn insert_pdq_chunks(
        tx: &mut SqliteConnection,
        org: OrgId,
        photo: PhotoId,
        bits: &[u8; 32],
    ) -> Result<(), RecordsError> {
        let mut insert =
            QueryBuilder::<Sqlite>::new("INSERT INTO pdq_chunks (org_id, chunk_no, chunk_value, photo_id) ");
        insert.push_values(pdq_index::chunks(bits).into_iter().enumerate(), |mut row, (chunk_no, value)| {
            row.push_bind(org.0).push_bind(chunk_no as i64).push_bind(i64::from(value)).push_bind(photo.0);
        });
        insert.build().execute(&mut *tx).await?;
        Ok(())
    }

    /// The ids listed one parameter each.
    /// Nothing to take: a write transaction here is `BEGIN IMMEDIATE` after the records'
    /// in-process write turn, so it is the only writer of the whole file until it ends.
    async fn lock_registrations(_tx: &mut SqliteConnection, _org: OrgId) -> Result<(), RecordsError> {
        Ok(())
    }

    async fn mark_outbox_rows_sent(
        &self,
        org: OrgId,
        ids: &[i64],
        sent_at: DateTime<Utc>,
    ) -> Result<u64, RecordsError> {
        // `IN ()` is not SQL.
        if ids.is_empty() {
            return Ok(0);
        }
        let mut update = QueryBuilder::<Sqlite>::new("UPDATE outbox SET sent_at = ");
        update.push_bind(sent_at).push(" WHERE org_id = ").push_bind(org.0);
        update.push(" AND sent_at IS NULL AND id IN (");
        let mut list = update.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        update.push(")");
        Ok(update.build().execute(&self.pool).await?.rows_affected())
    }
}
