//! Reuse search in SQLite: exact SHA-256 lookups, and PDQ radius search by multi-index
//! hashing. SQLite has no popcount, and runs in-process, so candidates' hashes are read
//! and their exact distances computed here — from the chunk rows themselves, which carry
//! each photo's PDQ (migration 0003), so photo_hashes is not read per candidate.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use async_trait::async_trait;
use punchline_domain::{ExifFacts, OrgId, PhotoId};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use uuid::Uuid;

use super::SqliteRecords;
use crate::records::pdq_index::{min_distance, ChunkProbes, CHUNKS, MAX_RADIUS};
use crate::records::rows::{hash32, MatchRow, MATCH_COLUMNS};
use crate::records::sql::reuse::{
    indexed_hashes, indexed_hashes_after_sql, registered_before, with_distances, MATCH_JOINS,
    REGISTRATION_SQL,
};
use crate::records::{IndexedHash, RecordsError, ReuseIndex, ReuseMatch, ReuseSource};

/// Ids per `IN (…)` list: well under SQLite's bound-variable limit.
const IN_LIST_BATCH: usize = 500;

/// A match row with the stored PDQ to score it by.
#[derive(sqlx::FromRow)]
struct HashedRow {
    pdq: Vec<u8>,
    #[sqlx(flatten)]
    found: MatchRow,
}

fn check_query(query: &[[u8; 32]]) -> Result<(), RecordsError> {
    if query.is_empty() {
        return Err(RecordsError::Invalid("a PDQ search needs at least one query hash".into()));
    }
    Ok(())
}

/// Every photo whose indexed PDQ has a chunk among the probes and lies within `radius`
/// of any query hash, with its distance. The chunk rows carry the PDQ, so each probe's
/// candidates are scored as they are read.
async fn within_radius(
    conn: &mut SqliteConnection,
    org: OrgId,
    probes: &ChunkProbes,
    query: &[[u8; 32]],
    radius: u32,
) -> Result<HashMap<Uuid, u32>, RecordsError> {
    // A photo is found once per chunk it shares with the probes: score it once.
    let mut scored: HashMap<Uuid, Option<u32>> = HashMap::new();
    for chunk_no in 0..CHUNKS {
        for values in probes.values[chunk_no].chunks(IN_LIST_BATCH) {
            let mut lookup =
                QueryBuilder::<Sqlite>::new("SELECT photo_id, pdq FROM pdq_chunks WHERE org_id = ");
            lookup.push_bind(org.0).push(" AND chunk_no = ").push_bind(chunk_no as i64);
            lookup.push(" AND chunk_value IN (");
            let mut list = lookup.separated(", ");
            for value in values {
                list.push_bind(i64::from(*value));
            }
            lookup.push(")");
            let rows: Vec<(Uuid, Option<Vec<u8>>)> = lookup.build_query_as().fetch_all(&mut *conn).await?;
            for (id, pdq) in rows {
                let Entry::Vacant(slot) = scored.entry(id) else { continue };
                let pdq = pdq.ok_or_else(|| RecordsError::corrupt("a PDQ chunk row without its hash"))?;
                let distance = min_distance(query, &hash32(&pdq, "pdq")?);
                slot.insert((distance <= radius).then_some(distance));
            }
        }
    }
    Ok(scored.into_iter().filter_map(|(id, distance)| Some((id, distance?))).collect())
}

/// The evidence of the given photos (hashes, photo, punch, facts), of those registered
/// below `below` if given.
async fn evidence(
    conn: &mut SqliteConnection,
    org: OrgId,
    photos: &[Uuid],
    below: Option<i64>,
) -> Result<Vec<MatchRow>, RecordsError> {
    let mut rows = Vec::with_capacity(photos.len());
    for batch in photos.chunks(IN_LIST_BATCH) {
        let mut read = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {MATCH_COLUMNS} FROM photo_hashes h {MATCH_JOINS} WHERE h.org_id = "
        ));
        read.push_bind(org.0);
        if let Some(below) = below {
            read.push(" AND h.seq < ").push_bind(below);
        }
        read.push(" AND h.photo_id IN (");
        let mut list = read.separated(", ");
        for id in batch {
            list.push_bind(*id);
        }
        read.push(")");
        rows.extend(read.build_query_as::<MatchRow>().fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

#[async_trait]
impl ReuseIndex for SqliteRecords {
    async fn find_exact_duplicates(
        &self,
        org: OrgId,
        sha256: &[u8; 32],
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM photo_hashes h {MATCH_JOINS} \
             WHERE ph.org_id = $1 AND ph.sha256 = $2 AND {earlier} \
             ORDER BY p.received_at, ph.id LIMIT $4",
            earlier = registered_before(3),
        );
        let rows: Vec<MatchRow> = sqlx::query_as(&sql)
            .bind(org.0)
            .bind(sha256.as_slice())
            .bind(before.0)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(|row| row.into_match(0)).collect()
    }

    async fn find_similar(
        &self,
        org: OrgId,
        query: &[[u8; 32]],
        radius: u32,
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        check_query(query)?;
        let probes = ChunkProbes::new(query, radius)
            .ok_or_else(|| RecordsError::Invalid(format!("PDQ radius {radius} exceeds {MAX_RADIUS}")))?;
        // One read transaction: every step sees the same snapshot of the file.
        let mut tx = self.pool.begin().await?;
        let below: Option<i64> =
            sqlx::query_scalar(REGISTRATION_SQL).bind(org.0).bind(before.0).fetch_optional(&mut *tx).await?;
        let mut found = within_radius(&mut tx, org, &probes, query, radius).await?;
        found.remove(&before.0);
        let ids: Vec<Uuid> = found.keys().copied().collect();
        let rows = evidence(&mut tx, org, &ids, below).await?;
        tx.commit().await?;
        let found: Vec<(PhotoId, u32)> = found.into_iter().map(|(id, d)| (PhotoId(id), d)).collect();
        let mut matches = with_distances(rows, &found)?;
        matches.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(matches)
    }

    async fn find_exif_twins(
        &self,
        org: OrgId,
        facts: &ExifFacts,
        query: &[[u8; 32]],
        before: PhotoId,
        limit: u32,
    ) -> Result<Vec<ReuseMatch>, RecordsError> {
        check_query(query)?;
        let Some(captured) = &facts.datetime_original else { return Ok(Vec::new()) };
        let sql = format!(
            "SELECT h.pdq, {MATCH_COLUMNS} FROM photo_facts twin \
             JOIN photo_hashes h ON h.org_id = twin.org_id AND h.photo_id = twin.photo_id {MATCH_JOINS} \
             WHERE twin.org_id = $1 AND twin.datetime_original = $2 \
               AND twin.make IS $3 AND twin.model IS $4 AND {earlier} \
             ORDER BY p.received_at, h.photo_id LIMIT $6",
            earlier = registered_before(5),
        );
        let rows: Vec<HashedRow> = sqlx::query_as(&sql)
            .bind(org.0)
            .bind(captured)
            .bind(&facts.make)
            .bind(&facts.model)
            .bind(before.0)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|row| {
                let distance = min_distance(query, &hash32(&row.pdq, "pdq")?);
                row.found.into_match(distance)
            })
            .collect()
    }
}

#[async_trait]
impl ReuseSource for SqliteRecords {
    async fn indexed_hashes_after(
        &self,
        org: OrgId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<IndexedHash>, RecordsError> {
        let rows: Vec<(i64, Uuid, Vec<u8>)> = sqlx::query_as(&indexed_hashes_after_sql("h.pdq"))
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
        let mut conn = self.pool.acquire().await?;
        let ids: Vec<Uuid> = found.iter().map(|(photo, _)| photo.0).collect();
        let rows = evidence(&mut conn, org, &ids, None).await?;
        with_distances(rows, found)
    }
}
