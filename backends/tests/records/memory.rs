//! The in-memory reuse index over the records: what it reads (indexed hashes by seq, the
//! evidence of its matches), that it answers exactly as the database search does, that it
//! sees photos stored after it loaded (registrations of one org commit in number order),
//! and that it never crosses organisations.

use std::sync::Arc;
use std::time::Duration;

use punchline_backends::records::{Records, ReuseIndex};
use punchline_backends::reuse::{MemoryReuseIndex, MemorySettings};
use punchline_domain::{PhotoHashes, PhotoId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{Connection, PgConnection};

use crate::fixtures::{facts, hashes, job, processed, processed_photo, punch, tenant, uploaded};
use crate::harness::TestDb;
use crate::reuse::{flip, load, random_hashes, BACKGROUND, MAX_PLANTED, QUERIES};

/// Small pages, so the loads and deltas below take several of them.
fn memory_index(records: &Arc<dyn Records>) -> MemoryReuseIndex {
    let settings = MemorySettings { reread_every: Duration::from_millis(50), page_rows: 700 };
    MemoryReuseIndex::new(Arc::clone(records), settings)
}

pub async fn indexed_hashes_come_in_seq_order_without_blanks(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let mut stored = Vec::new();
    for i in 0..5u8 {
        let indexed = i != 2;
        let quality = if indexed { 90 } else { 0 };
        let p = processed_photo(
            &*records,
            &t,
            &format!("p{i}"),
            hashes([i; 32], quality, [i; 32]),
            facts("x"),
            indexed,
        )
        .await;
        stored.push((p.photo.id, [i; 32], indexed));
    }
    let rows = records.indexed_hashes_after(t.org, 0, 100).await.expect("read");
    let expected: Vec<(PhotoId, [u8; 32])> =
        stored.iter().filter(|(_, _, indexed)| *indexed).map(|(id, pdq, _)| (*id, *pdq)).collect();
    assert_eq!(rows.iter().map(|r| (r.photo, r.pdq)).collect::<Vec<_>>(), expected);
    assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq), "increasing seq");
    // Pages: after the second row's seq, with a limit.
    let page = records.indexed_hashes_after(t.org, rows[1].seq, 1).await.expect("read");
    assert_eq!(page.iter().map(|r| r.photo).collect::<Vec<_>>(), vec![rows[2].photo]);
    let last = rows.last().map_or(0, |r| r.seq);
    assert!(records.indexed_hashes_after(t.org, last, 100).await.expect("read").is_empty());

    // The evidence by id, in distance order, of this org's photos only.
    let found = [(rows[1].photo, 7), (rows[0].photo, 3), (PhotoId::new(), 1)];
    let matches = records.reuse_matches(t.org, &found).await.expect("read");
    assert_eq!(
        matches.iter().map(|m| (m.photo, m.distance)).collect::<Vec<_>>(),
        vec![(rows[0].photo, 3), (rows[1].photo, 7)]
    );
    assert!(matches.iter().all(|m| m.worker == t.worker && m.facts == Some(facts("x"))));
    assert!(records.reuse_matches(t.org, &[]).await.expect("read").is_empty());
}

pub async fn memory_index_matches_the_database_search(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let mut rng = StdRng::seed_from_u64(0xC0FFEE);
    let queries: Vec<PhotoHashes> = (0..QUERIES).map(|_| random_hashes(&mut rng)).collect();
    let mut photos: Vec<(PhotoHashes, bool)> =
        (0..BACKGROUND).map(|_| (random_hashes(&mut rng), true)).collect();
    for query in &queries {
        for distance in 0..=MAX_PLANTED {
            let mut planted = random_hashes(&mut rng);
            planted.pdq.bits = flip(&mut rng, &query.pdq_dihedral[distance % 8], distance);
            // Every fifth planted copy is a blank frame: never matched by either search.
            photos.push((planted, distance % 5 != 3));
        }
    }
    let stored = load(&records, &t, photos).await;
    let memory = memory_index(&records);
    let new_photo = PhotoId::new();
    for radius in 0..=40 {
        for query in &queries {
            let in_memory = memory
                .find_similar(t.org, &query.pdq_dihedral, radius, new_photo, 10_000)
                .await
                .expect("memory");
            let in_database = records
                .find_similar(t.org, &query.pdq_dihedral, radius, new_photo, 10_000)
                .await
                .expect("database");
            assert_eq!(in_memory, in_database, "radius {radius}");
        }
    }
    // Limit and exclusion as the database applies them.
    let query = &queries[0].pdq_dihedral;
    let closest = memory.find_similar(t.org, query, 31, new_photo, 3).await.expect("memory");
    assert_eq!(closest, records.find_similar(t.org, query, 31, new_photo, 3).await.expect("database"));
    let skip = closest[0].photo;
    assert_eq!(
        memory.find_similar(t.org, query, 31, skip, 3).await.expect("memory"),
        records.find_similar(t.org, query, 31, skip, 3).await.expect("database")
    );

    // Photos stored after the load are found by the next search (the delta), and the
    // re-read below the watermark adds nothing twice.
    let near = flip(&mut rng, &query[5], 9);
    let later = load(&records, &t, vec![(hashes(near, 80, rng.random()), true)]).await;
    let found = memory.find_similar(t.org, query, 9, new_photo, 100).await.expect("memory");
    assert!(found.iter().any(|m| m.photo == later[0].0 && m.distance == 9), "{found:?}");
    tokio::time::sleep(Duration::from_millis(120)).await;
    let again = memory.find_similar(t.org, query, 9, new_photo, 100).await.expect("memory");
    assert_eq!(again, found);
    assert_eq!(again, records.find_similar(t.org, query, 9, new_photo, 100).await.expect("database"));
    let stats = memory.prepare(t.org).await.expect("stats");
    assert_eq!(stats.hashes, stored.iter().filter(|(_, _, indexed)| *indexed).count() + 1);
    assert!(stats.memory_bytes > stats.hashes * 48);
}

pub async fn memory_index_never_crosses_orgs(records: Arc<dyn Records>) {
    let a = tenant(&*records, "a").await;
    let b = tenant(&*records, "b").await;
    let pdq = [0x3C; 32];
    let query = hashes(pdq, 90, [9; 32]).pdq_dihedral;
    let a_photo = processed_photo(&*records, &a, "a-1", hashes(pdq, 90, [9; 32]), facts("x"), true).await;
    let memory = memory_index(&records);
    assert!(memory.find_similar(b.org, &query, 31, PhotoId::new(), 10).await.expect("search").is_empty());
    assert!(records.indexed_hashes_after(b.org, 0, 100).await.expect("read").is_empty());
    // Another org's photo id asked for by id is not returned either.
    assert!(records.reuse_matches(b.org, &[(a_photo.photo.id, 0)]).await.expect("read").is_empty());

    let found = memory.find_similar(a.org, &query, 31, PhotoId::new(), 10).await.expect("search");
    assert_eq!(found.iter().map(|m| m.photo).collect::<Vec<_>>(), vec![a_photo.photo.id]);
    // B stores the same picture after both indexes loaded: each org finds only its own.
    let b_photo = processed_photo(&*records, &b, "b-1", hashes(pdq, 90, [9; 32]), facts("x"), true).await;
    let found = memory.find_similar(b.org, &query, 31, PhotoId::new(), 10).await.expect("search");
    assert_eq!(
        found.iter().map(|m| (m.photo, m.worker)).collect::<Vec<_>>(),
        vec![(b_photo.photo.id, b.worker)]
    );
    let found = memory.find_similar(a.org, &query, 31, PhotoId::new(), 10).await.expect("search");
    assert_eq!(found.iter().map(|m| m.photo).collect::<Vec<_>>(), vec![a_photo.photo.id]);
    // A radius beyond the index is refused, as by the database.
    assert!(memory.find_similar(a.org, &query, 64, PhotoId::new(), 10).await.is_err());
}

/// PostgreSQL numbers `photo_hashes.seq` at INSERT, not at COMMIT, so without an order a
/// slow transaction could commit a lower number after a search read past it, and a copy
/// registered at that moment would miss it. Registrations of one org are serialised: one
/// held open makes the next of the same org wait (never overtake), while another org's
/// goes ahead; the numbers commit in order, so the index needs no re-read to see them.
/// (SQLite runs one writer at a time: this scenario is PostgreSQL's alone.)
pub async fn registrations_of_one_org_commit_in_number_order(db: &TestDb) {
    let records = db.records();
    let (t, other_org) = (tenant(&*records, "a").await, tenant(&*records, "b").await);
    // No re-read within the test: what the index finds, it finds by reading forward.
    let memory = MemoryReuseIndex::new(
        Arc::clone(&records),
        MemorySettings { reread_every: Duration::from_secs(3600), page_rows: 700 },
    );
    let (slow_pdq, fast_pdq) = ([0x5A; 32], [0xA5; 32]);
    let slow_punch = punch(&*records, &t, "slow").await;
    let slow = slow_punch.photo.id;
    let fast = punch(&*records, &t, "fast").await.photo.id;
    let other = punch(&*records, &t, "other").await.photo.id;
    let elsewhere = punch(&*records, &other_org, "elsewhere").await.photo.id;
    for (org, photo) in [(t.org, slow), (t.org, fast), (other_org.org, elsewhere)] {
        records.complete_upload(org, photo, &uploaded(), &job(photo)).await.expect("complete upload");
    }
    assert!(memory.find_similar(t.org, &[slow_pdq], 0, PhotoId::new(), 10).await.expect("search").is_empty());

    // Hold the slow commit (which registers its photo) open after its photo_hashes INSERT,
    // at its verdict: an uncommitted verdict of another photo for the same punch makes the
    // verdict INSERT wait on the (org_id, punch_id) key.
    let mut blocker = PgConnection::connect(db.url()).await.expect("connect");
    sqlx::query("BEGIN").execute(&mut blocker).await.expect("begin");
    sqlx::query("INSERT INTO verdicts VALUES ($1, $2, $3, 'verified', '[]', 'blocker', now())")
        .bind(t.org.0)
        .bind(other.0)
        .bind(slow_punch.punch.id.0)
        .execute(&mut blocker)
        .await
        .expect("blocking row");
    let slow_commit = {
        let (records, org) = (Arc::clone(&records), t.org);
        let result = processed(hashes(slow_pdq, 90, [1; 32]), facts("x"), true);
        tokio::spawn(async move { records.commit_result(org, slow, &result).await })
    };
    wait_for_lock_waits(&mut blocker, 1).await;
    let fast_registration = {
        let (records, org) = (Arc::clone(&records), t.org);
        let h = hashes(fast_pdq, 90, [2; 32]);
        tokio::spawn(async move { records.register_photo(org, fast, &facts("x"), &h, true).await })
    };
    wait_for_lock_waits(&mut blocker, 2).await;
    // Another organisation registers meanwhile, without waiting.
    let h = hashes(fast_pdq, 90, [3; 32]);
    records.register_photo(other_org.org, elsewhere, &facts("x"), &h, true).await.expect("other org");
    assert!(!fast_registration.is_finished(), "the same org's registration waited for the open one");

    sqlx::query("ROLLBACK").execute(&mut blocker).await.expect("rollback");
    slow_commit.await.expect("task").expect("slow commit");
    let fast_seq = fast_registration.await.expect("task").expect("fast registration");
    let slow_seq = records.registration(t.org, slow).await.expect("read").expect("slow is registered");
    assert!(slow_seq < fast_seq, "numbered in commit order: {slow_seq} < {fast_seq}");
    // Registering again keeps the number.
    let again = records.register_photo(t.org, fast, &facts("x"), &hashes(fast_pdq, 90, [2; 32]), true).await;
    assert_eq!(again.expect("again"), fast_seq);

    // Read forward only: the index holds both, and a search for the fast photo sees the slow
    // one (registered before it) but a search for the slow one does not see the fast one.
    let both = [slow_pdq, fast_pdq];
    let found = memory.find_similar(t.org, &both, 0, PhotoId::new(), 10).await.expect("search");
    assert_eq!(found.len(), 2, "{found:?}");
    let for_fast = memory.find_similar(t.org, &both, 0, fast, 10).await.expect("search");
    assert_eq!(for_fast.iter().map(|m| m.photo).collect::<Vec<_>>(), vec![slow]);
    assert!(memory.find_similar(t.org, &both, 0, slow, 10).await.expect("search").is_empty());
}

/// Waits (up to 10 s) until `sessions` sessions of this database wait for a lock.
async fn wait_for_lock_waits(conn: &mut PgConnection, sessions: i64) {
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("pg_stat_activity");
        if waiting >= sessions {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {sessions} sessions ever waited for a lock");
}
