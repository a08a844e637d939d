//! The SQL that PostgreSQL writes its own way: row locks, `now()`, PDQ hashes as
//! `bit(256)`, and arrays bound as one parameter.

use chrono::{DateTime, Utc};
use punchline_domain::{OrgId, PhotoId};
use sqlx::PgConnection;

use super::bit_string::{from_bit_output, to_bit_input};
use super::PostgresRecords;
use crate::records::pdq_index;
use crate::records::sql::SqlDialect;
use crate::records::RecordsError;

impl SqlDialect for PostgresRecords {
    const LOCK_FOR_UPDATE: &'static str = " FOR UPDATE";

    const NOW: Option<&'static str> = Some("now()");

    /// `bit(256)` (so reuse search can XOR with `#` and count with `bit_count`), which
    /// sqlx exchanges as text: `x` and hex in, binary digits out.
    type Pdq = String;
    const PDQ_PARAM_CAST: &'static str = "::text::bit(256)";
    const PDQ_COLUMN_CAST: &'static str = "::text";

    fn pdq_to_sql(bits: &[u8; 32]) -> String {
        to_bit_input(bits)
    }

    fn pdq_from_sql(stored: String) -> Result<[u8; 32], RecordsError> {
        from_bit_output(&stored)
    }

    /// All chunks in one statement of fixed text (two arrays unnested), so it is prepared
    /// once per connection.
    async fn insert_pdq_chunks(
        tx: &mut PgConnection,
        org: OrgId,
        photo: PhotoId,
        bits: &[u8; 32],
    ) -> Result<(), RecordsError> {
        let values: Vec<i32> = pdq_index::chunks(bits).into_iter().map(i32::from).collect();
        let numbers: Vec<i16> = (0..pdq_index::CHUNKS as i16).collect();
        sqlx::query(
            "INSERT INTO pdq_chunks (org_id, chunk_no, chunk_value, photo_id) \
             SELECT $1, chunk.no, chunk.value, $2 FROM unnest($3::int2[], $4::int4[]) AS chunk(no, value)",
        )
        .bind(org.0)
        .bind(photo.0)
        .bind(numbers)
        .bind(values)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// A transaction-level advisory lock keyed by the org (released at commit or rollback,
    /// so a crashed worker never leaves it held). Two orgs whose keys collide only wait for
    /// each other for the milliseconds of a registration.
    async fn lock_registrations(tx: &mut PgConnection, org: OrgId) -> Result<(), RecordsError> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(registration_lock_key(org))
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    async fn mark_outbox_rows_sent(
        &self,
        org: OrgId,
        ids: &[i64],
        sent_at: DateTime<Utc>,
    ) -> Result<u64, RecordsError> {
        let marked = sqlx::query(
            "UPDATE outbox SET sent_at = $3 WHERE org_id = $1 AND id = ANY($2) AND sent_at IS NULL",
        )
        .bind(org.0)
        .bind(ids)
        .bind(sent_at)
        .execute(&self.pool)
        .await?;
        Ok(marked.rows_affected())
    }
}

/// The advisory-lock key of an org's registrations: its id folded to 64 bits, with a fixed
/// tag mixed in so the key space is not shared by accident with another use of the lock.
fn registration_lock_key(org: OrgId) -> i64 {
    const TAG: u64 = 0x7075_6e63_6872_6567; // "punchreg"
    let id = org.0.as_u128();
    ((id >> 64) as u64 ^ id as u64 ^ TAG) as i64
}
