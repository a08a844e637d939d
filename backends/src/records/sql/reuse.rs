//! The statements the in-memory reuse index reads through ([`ReuseSource`]), shared by
//! both databases; each backend binds them its own way (PostgreSQL takes an array of ids,
//! SQLite a list) in its `reuse.rs`.
//!
//! [`ReuseSource`]: crate::records::ReuseSource

/// A page of `org`'s indexed hashes after a `seq`. Binds: `$1` org, `$2` the `seq` to
/// start after, `$3` the page size. `pdq` is the database's expression for the hash as
/// 32 bytes. Served by the `(org_id, seq)` index (migration 0004), so a page costs its
/// rows, not the org's.
pub(crate) fn indexed_hashes_after_sql(pdq: &str) -> String {
    format!(
        "SELECT h.seq, h.photo_id, {pdq} AS pdq FROM photo_hashes h \
         WHERE h.org_id = $1 AND h.indexed AND h.seq > $2 ORDER BY h.seq LIMIT $3"
    )
}

/// A page read by [`indexed_hashes_after_sql`], `(seq, photo_id, pdq)` per row, as the
/// index takes it; a hash that is not 32 bytes is corrupt data, not a hash.
pub(crate) fn indexed_hashes(
    rows: Vec<(i64, uuid::Uuid, Vec<u8>)>,
) -> Result<Vec<crate::records::IndexedHash>, crate::records::RecordsError> {
    rows.into_iter()
        .map(|(seq, photo, pdq)| {
            let pdq = crate::records::rows::hash32(&pdq, "pdq")?;
            Ok(crate::records::IndexedHash { seq, photo: punchline_domain::PhotoId(photo), pdq })
        })
        .collect()
}

/// The condition on a candidate's hashes row `h` that makes it an earlier photo than the
/// photo bound as `$param`: registered before it, or, when that photo is not registered,
/// any other photo (see [`ReuseIndex`](crate::records::ReuseIndex)). Served by the
/// primary key of `photo_hashes`.
pub(crate) fn registered_before(param: usize) -> String {
    format!(
        "h.photo_id <> ${param} AND h.seq < coalesce((SELECT b.seq FROM photo_hashes b \
         WHERE b.org_id = h.org_id AND b.photo_id = ${param}), 9223372036854775807)"
    )
}

/// `photo`'s registration number, if it is registered.
pub(crate) const REGISTRATION_SQL: &str = "SELECT seq FROM photo_hashes WHERE org_id = $1 AND photo_id = $2";

/// The joins a match's evidence is read through: its hashes `h`, photo `ph`, punch `p`
/// and (if any) facts `f`, all within the org of `h`.
pub(crate) const MATCH_JOINS: &str = "JOIN photos ph ON ph.org_id = h.org_id AND ph.id = h.photo_id \
     JOIN punches p ON p.org_id = ph.org_id AND p.id = ph.punch_id \
     LEFT JOIN photo_facts f ON f.org_id = h.org_id AND f.photo_id = h.photo_id";

/// The evidence of some of `org`'s photos, by id: `$1` org, then the backend's id list.
/// (PostgreSQL binds the ids as one array; SQLite builds its `IN` lists in batches.)
#[cfg(feature = "postgres")]
pub(crate) fn match_rows_sql(ids: &str) -> String {
    format!(
        "SELECT {columns} FROM photo_hashes h {MATCH_JOINS} WHERE h.org_id = $1 AND h.photo_id {ids}",
        columns = crate::records::rows::MATCH_COLUMNS,
    )
}

/// `rows` (evidence read by photo id) as matches with the distances found for them,
/// closest first, then by photo id: the order of `find_similar`.
pub(crate) fn with_distances(
    rows: Vec<crate::records::rows::MatchRow>,
    found: &[(punchline_domain::PhotoId, u32)],
) -> Result<Vec<crate::records::ReuseMatch>, crate::records::RecordsError> {
    let distances: std::collections::HashMap<uuid::Uuid, u32> =
        found.iter().map(|(photo, distance)| (photo.0, *distance)).collect();
    let mut matches = Vec::with_capacity(rows.len());
    for row in rows {
        // Every row was asked for by id; a row not asked for would be a bug, never a match.
        let Some(distance) = distances.get(&row.photo_id).copied() else { continue };
        matches.push(row.into_match(distance)?);
    }
    matches.sort_unstable_by_key(|m| (m.distance, m.photo));
    Ok(matches)
}
