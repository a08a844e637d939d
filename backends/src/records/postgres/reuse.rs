//! Reuse search on PostgreSQL: exact SHA-256 lookups, and PDQ radius search by
//! multi-index hashing with the exact distances computed in the database (`bit_count` of
//! an XOR), so only matches cross the wire. Candidates are scored from the chunk index
//! itself, which carries each photo's PDQ (migration 0003): no heap fetch per candidate.

use async_trait::async_trait;
use punchline_domain::{ExifFacts, OrgId, PhotoId};

use super::bit_string::to_bit_input;
use super::PostgresRecords;
use crate::records::pdq_index::{ChunkProbes, MAX_RADIUS};
use crate::records::rows::MatchRow;
use crate::records::sql::reuse::{
    indexed_hashes, indexed_hashes_after_sql, match_rows_sql, registered_before, with_distances, MATCH_JOINS,
    REGISTRATION_SQL,
};
use crate::records::{IndexedHash, RecordsError, ReuseIndex, ReuseMatch, ReuseSource};

/// A match row with the distance the query computed.
#[derive(sqlx::FromRow)]
struct ScoredRow {
    distance: i64,
    #[sqlx(flatten)]
    found: MatchRow,
}

impl ScoredRow {
    fn into_match(self) -> Result<ReuseMatch, RecordsError> {
        let distance = u32::try_from(self.distance)
            .map_err(|_| RecordsError::corrupt(format!("PDQ distance {}", self.distance)))?;
        self.found.into_match(distance)
    }
}

/// The radius search for `hashes` query hashes. Binds: `$1` org, `$2`/`$3` the probes'
/// chunk numbers and values, `$4` the photo searched for (see [`registered_before`]), `$5` the radius, `$6` the limit,
/// `$7…` the query hashes as `bit(256)` input text.
///
/// Why this shape: the probes join the chunk index (index-only: it INCLUDEs each photo's
/// PDQ), and every candidate is scored there against all query hashes with `least(…)` of
/// plain column references — the hashes are cast once, in a one-row CTE, rather than per
/// candidate (a correlated subquery over the hashes cost ~3 µs per candidate). Only the
/// photos within the radius reach the evidence joins and the registration order.
fn similar_sql(hashes: usize) -> String {
    let casts: Vec<String> = (0..hashes).map(|i| format!("${}::bit(256) AS q{i}", i + 7)).collect();
    let distances: Vec<String> = (0..hashes).map(|i| format!("bit_count(c.pdq # q.q{i})")).collect();
    format!(
        "WITH q AS MATERIALIZED (SELECT {casts}), \
         candidates AS ( \
             SELECT c.photo_id, least({distances}) AS distance \
             FROM q, unnest($2::int2[], $3::int4[]) AS probe(chunk_no, chunk_value) \
             JOIN pdq_chunks c ON c.org_id = $1 AND c.chunk_no = probe.chunk_no \
                  AND c.chunk_value = probe.chunk_value \
         ), scored AS ( \
             SELECT DISTINCT photo_id, distance FROM candidates WHERE distance <= $5 \
         ) \
         SELECT s.distance::int8 AS distance, {columns} FROM scored s \
         JOIN photo_hashes h ON h.org_id = $1 AND h.photo_id = s.photo_id {MATCH_JOINS} \
         WHERE {earlier} ORDER BY s.distance, s.photo_id LIMIT $6",
        casts = casts.join(", "),
        distances = distances.join(", "),
        columns = crate::records::rows::MATCH_COLUMNS,
        earlier = registered_before(4),
    )
}

fn query_bits(query: &[[u8; 32]]) -> Result<Vec<String>, RecordsError> {
    if query.is_empty() {
        return Err(RecordsError::Invalid("a PDQ search needs at least one query hash".into()));
    }
    Ok(query.iter().map(to_bit_input).collect())
}

#[async_trait]
impl ReuseIndex for PostgresRecords {
    async fn find_exact_duplicates(
        &self,
        org: OrgId,
        sha256: &[u8; 32],
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        let sql = format!(
            "SELECT 0::int8 AS distance, {columns} FROM photo_hashes h {MATCH_JOINS} \
             WHERE ph.org_id = $1 AND ph.sha256 = $2 AND {earlier} \
             ORDER BY p.received_at, ph.id LIMIT $4",
            columns = crate::records::rows::MATCH_COLUMNS,
            earlier = registered_before(3),
        );
        let rows: Vec<ScoredRow> = sqlx::query_as(&sql)
            .bind(org.0)
            .bind(sha256.as_slice())
            .bind(before.0)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(ScoredRow::into_match).collect()
    }

    async fn find_similar(
        &self,
        org: OrgId,
        query: &[[u8; 32]],
        radius: u32,
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        let bits = query_bits(query)?;
        let probes = ChunkProbes::new(query, radius)
            .ok_or_else(|| RecordsError::Invalid(format!("PDQ radius {radius} exceeds {MAX_RADIUS}")))?;
        let (chunk_numbers, chunk_values) = probes.as_columns();
        let sql = similar_sql(bits.len());
        let mut search = sqlx::query_as::<_, ScoredRow>(&sql)
            .bind(org.0)
            .bind(chunk_numbers)
            .bind(chunk_values)
            .bind(before.0)
            .bind(i64::from(radius))
            .bind(i64::from(limit));
        for hash in bits {
            search = search.bind(hash);
        }
        let rows = search.fetch_all(&self.pool).await?;
        rows.into_iter().map(ScoredRow::into_match).collect()
    }

    async fn find_exif_twins(
        &self,
        org: OrgId,
        facts: &ExifFacts,
        query: &[[u8; 32]],
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        let bits = query_bits(query)?;
        let Some(captured) = &facts.datetime_original else { return Ok(Vec::new()) };
        let sql = format!(
            "WITH queries AS MATERIALIZED (SELECT q::bit(256) AS bits FROM unnest($6::text[]) AS q) \
             SELECT (SELECT min(bit_count(h.pdq # queries.bits)) FROM queries) AS distance, {columns} \
             FROM photo_facts twin \
             JOIN photo_hashes h ON h.org_id = twin.org_id AND h.photo_id = twin.photo_id {MATCH_JOINS} \
             WHERE twin.org_id = $1 AND twin.datetime_original = $2 \
               AND twin.make IS NOT DISTINCT FROM $3 AND twin.model IS NOT DISTINCT FROM $4 \
               AND {earlier} \
             ORDER BY p.received_at, h.photo_id LIMIT $7",
            columns = crate::records::rows::MATCH_COLUMNS,
            earlier = registered_before(5),
        );
        let rows: Vec<ScoredRow> = sqlx::query_as(&sql)
            .bind(org.0)
            .bind(captured)
            .bind(&facts.make)
            .bind(&facts.model)
            .bind(before.0)
            .bind(bits)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(ScoredRow::into_match).collect()
    }
}

/// The hash as its 32 bytes: `varbit_send` is `bit(256)`'s binary form (a 4-byte length,
/// then the bits), so the load moves 32 bytes a row rather than 256 binary digits.
const PDQ_BYTES: &str = "substring(varbit_send(h.pdq) from 5)";

#[async_trait]
impl ReuseSource for PostgresRecords {
    async fn indexed_hashes_after(
        &self,
        org: OrgId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<IndexedHash>, RecordsError> {
        let rows: Vec<(i64, uuid::Uuid, Vec<u8>)> = sqlx::query_as(&indexed_hashes_after_sql(PDQ_BYTES))
            .bind(org.0)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        indexed_hashes(rows)
    }

    async fn registration(&self, org: OrgId, photo: PhotoId) -> Result<Option<i64>, RecordsError> {
        Ok(sqlx::query_scalar(REGISTRATION_SQL).bind(org.0).bind(photo.0).fetch_optional(&self.pool).await?)
    }

    async fn reuse_matches(
        &self,
        org: OrgId,
        found: &[(PhotoId, u32)],
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<uuid::Uuid> = found.iter().map(|(photo, _)| photo.0).collect();
        let rows: Vec<MatchRow> =
            sqlx::query_as(&match_rows_sql("= ANY($2)")).bind(org.0).bind(ids).fetch_all(&self.pool).await?;
        with_distances(rows, found)
    }
}
