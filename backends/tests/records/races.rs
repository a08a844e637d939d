//! Copies that arrive together: K photos of one organisation registered and searched at
//! the same moment, as K workers' jobs do it (register, then search). Whatever the timing,
//! exactly one of them finds no earlier copy (the original, the first registered), and
//! every other one finds it. For the three kinds of copy (same bytes, the same picture
//! re-encoded, copied capture metadata), through the database's search and the in-memory
//! index.

use std::sync::Arc;
use std::time::Duration;

use punchline_backends::records::{Records, ReuseIndex, ReuseMatch};
use punchline_backends::reuse::{MemoryReuseIndex, MemorySettings};
use punchline_domain::config::{HashingConfig, ReuseSearch};
use punchline_domain::{ExifFacts, PhotoHashes, PhotoId};
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::fixtures::{facts, job, punch, tenant, uploaded, Tenant};
use crate::reuse::{flip, random_hashes};

/// Rounds per number of simultaneous copies.
const ROUNDS: usize = 50;

/// What the copies share.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Byte-identical files: the same SHA-256.
    SameBytes,
    /// The same picture re-encoded: PDQs a few bits apart, different bytes.
    Reencoded,
    /// Different pictures carrying the same capture metadata.
    CopiedExif,
}

pub async fn simultaneous_copies_have_exactly_one_original(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    // Another org holds the very same photos: never a match.
    let elsewhere = tenant(&*records, "b").await;
    let memory: Arc<dyn ReuseIndex> = Arc::new(MemoryReuseIndex::new(
        Arc::clone(&records),
        MemorySettings { reread_every: Duration::from_secs(3600), page_rows: 1000 },
    ));
    let database_search = HashingConfig { reuse_search: ReuseSearch::Database, ..HashingConfig::default() };
    let database = punchline_backends::reuse::index_for(Arc::clone(&records), &database_search);
    let mut rng = StdRng::seed_from_u64(0xC0_FFEE);
    for kind in [Kind::SameBytes, Kind::Reencoded, Kind::CopiedExif] {
        for k in [2, 4, 8] {
            for round in 0..ROUNDS {
                // Alternate the two searches, so each meets every K and kind.
                let index = if round % 2 == 0 { Arc::clone(&memory) } else { Arc::clone(&database) };
                let copies = copies(kind, k, round, &mut rng);
                let other = copies.clone();
                let (mine, theirs) = tokio::join!(
                    race(&records, &index, &t, kind, copies),
                    race(&records, &index, &elsewhere, kind, other),
                );
                for (tenant, found) in [(&t, mine), (&elsewhere, theirs)] {
                    check(&records, tenant, &found, kind, k, round).await;
                }
            }
        }
    }
}

/// `k` copies of a new picture (or, for copied EXIF, `k` pictures with one capture).
fn copies(kind: Kind, k: usize, round: usize, rng: &mut StdRng) -> Vec<(PhotoHashes, ExifFacts)> {
    let picture = random_hashes(rng);
    // A capture no other round or kind uses.
    let capture = facts(&format!("2026:12:{:02} 07:{round:02}:{k:02}", 1 + kind as u8));
    (0..k)
        .map(|i| match kind {
            Kind::SameBytes => (picture.clone(), capture.clone()),
            Kind::Reencoded => {
                let mut copy = random_hashes(rng);
                copy.pdq.bits = flip(rng, &picture.pdq.bits, 2 + i);
                copy.pdq_dihedral[0] = copy.pdq.bits;
                (copy, ExifFacts::default())
            }
            Kind::CopiedExif => (random_hashes(rng), capture.clone()),
        })
        .collect()
}

/// Registers and searches every copy at once, each on its own task; returns each photo
/// with what its search found.
async fn race(
    records: &Arc<dyn Records>,
    index: &Arc<dyn ReuseIndex>,
    t: &Tenant,
    kind: Kind,
    copies: Vec<(PhotoHashes, ExifFacts)>,
) -> Vec<(PhotoId, Vec<ReuseMatch>)> {
    let mut photos = Vec::with_capacity(copies.len());
    for _ in &copies {
        let photo = punch(&**records, t, &uuid::Uuid::new_v4().to_string()).await.photo.id;
        records.complete_upload(t.org, photo, &uploaded(), &job(photo)).await.expect("complete upload");
        photos.push(photo);
    }
    let start = Arc::new(tokio::sync::Barrier::new(copies.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for (photo, (hashes, facts)) in photos.into_iter().zip(copies) {
        let (records, index, start, org) =
            (Arc::clone(records), Arc::clone(index), Arc::clone(&start), t.org);
        tasks.spawn(async move {
            start.wait().await;
            records.register_photo(org, photo, &facts, &hashes, true).await.expect("register");
            let found = match kind {
                Kind::SameBytes => index.find_exact_duplicates(org, &hashes.sha256, photo, 20).await,
                Kind::Reencoded => index.find_similar(org, &hashes.pdq_dihedral, 31, photo, 20).await,
                Kind::CopiedExif => index.find_exif_twins(org, &facts, &hashes.pdq_dihedral, photo, 20).await,
            };
            (photo, found.expect("search"))
        });
    }
    let mut found = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        found.push(joined.expect("task ran"));
    }
    found
}

/// Exactly one photo found nothing, and it is the first registered; every other photo
/// found it, and exactly the photos of the round registered before itself.
async fn check(
    records: &Arc<dyn Records>,
    t: &Tenant,
    found: &[(PhotoId, Vec<ReuseMatch>)],
    kind: Kind,
    k: usize,
    round: usize,
) {
    let at = format!("{kind:?}, K = {k}, round {round}");
    let mut numbered = Vec::with_capacity(found.len());
    for (photo, matches) in found {
        let seq = records.registration(t.org, *photo).await.expect("read").expect("registered");
        numbered.push((seq, *photo, matches));
    }
    numbered.sort_by_key(|(seq, _, _)| *seq);
    let originals: Vec<PhotoId> = found.iter().filter(|(_, m)| m.is_empty()).map(|(p, _)| *p).collect();
    assert_eq!(originals, vec![numbered[0].1], "{at}: exactly one original, the first registered");
    for (i, (_, photo, matches)) in numbered.iter().enumerate() {
        let mut got: Vec<PhotoId> = matches.iter().map(|m| m.photo).collect();
        let mut earlier: Vec<PhotoId> = numbered[..i].iter().map(|(_, p, _)| *p).collect();
        got.sort();
        earlier.sort();
        assert_eq!(got, earlier, "{at}: {photo} finds exactly the copies registered before it");
    }
}
