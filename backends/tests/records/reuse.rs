//! Reuse search: multi-index hashing agrees with a brute-force scan, blank hashes stay
//! out of the index, exact duplicates by SHA-256, and EXIF twins.

use std::collections::BTreeMap;
use std::sync::Arc;

use punchline_backends::records::pdq_index::{min_distance, MAX_RADIUS};
use punchline_backends::records::{Records, RecordsError};
use punchline_domain::{ExifFacts, PerceptualHash, PhotoHashes, PhotoId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::fixtures::{facts, hashes, new_photo, processed, processed_photo, punch_request, tenant, Tenant};

/// Background photos: enough that chunk values repeat across photos (several thousand
/// rows per chunk number), few enough to load in seconds.
pub const BACKGROUND: usize = 3000;
/// Query photos, each with near-duplicates planted at every distance 0..=MAX_PLANTED.
pub const QUERIES: usize = 5;
pub const MAX_PLANTED: usize = 40;

/// Stores processed photos with these hashes, a few at a time.
pub async fn load(
    records: &Arc<dyn Records>,
    tenant: &Tenant,
    photos: Vec<(PhotoHashes, bool)>,
) -> Vec<(PhotoId, PhotoHashes, bool)> {
    let mut stored = Vec::with_capacity(photos.len());
    for batch in photos.chunks(16) {
        let mut tasks = tokio::task::JoinSet::new();
        for (hashes, indexed) in batch.iter().cloned() {
            let records = Arc::clone(records);
            let tenant = *tenant;
            tasks.spawn(async move {
                let client_id = uuid::Uuid::new_v4().to_string();
                let created = records
                    .create_punch(tenant.org, &punch_request(&tenant, &client_id), &new_photo(&client_id))
                    .await
                    .expect("create punch");
                let result = processed(hashes.clone(), ExifFacts::default(), indexed);
                records.commit_result(tenant.org, created.photo.id, &result).await.expect("commit");
                (created.photo.id, hashes, indexed)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            stored.push(joined.expect("task ran"));
        }
    }
    stored
}

pub fn random_hashes(rng: &mut StdRng) -> PhotoHashes {
    let pdq: [u8; 32] = rng.random();
    let quality = rng.random_range(50..=100);
    let mut h = hashes(pdq, quality, rng.random());
    for variant in h.pdq_dihedral.iter_mut().skip(1) {
        *variant = rng.random();
    }
    h
}

/// `bits` with exactly `flips` distinct bits flipped.
pub fn flip(rng: &mut StdRng, bits: &[u8; 32], flips: usize) -> [u8; 32] {
    let mut out = *bits;
    for bit in rand::seq::index::sample(rng, 256, flips) {
        out[bit / 8] ^= 0x80 >> (bit % 8);
    }
    out
}

pub async fn multi_index_search_matches_brute_force(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let mut rng = StdRng::seed_from_u64(0x5EED);
    let queries: Vec<PhotoHashes> = (0..QUERIES).map(|_| random_hashes(&mut rng)).collect();
    let mut photos: Vec<(PhotoHashes, bool)> =
        (0..BACKGROUND).map(|_| (random_hashes(&mut rng), true)).collect();
    for query in &queries {
        for distance in 0..=MAX_PLANTED {
            // Near one of the query's dihedral variants: a rotated or mirrored copy.
            let variant = &query.pdq_dihedral[distance % 8];
            let mut planted = random_hashes(&mut rng);
            planted.pdq.bits = flip(&mut rng, variant, distance);
            planted.pdq_dihedral[0] = planted.pdq.bits;
            photos.push((planted, true));
        }
    }
    let stored = load(&records, &t, photos).await;
    let new_photo = PhotoId::new();

    for radius in [0, 15, 16, 31, 40] {
        for query in &queries {
            let expected: BTreeMap<PhotoId, u32> = stored
                .iter()
                .map(|(id, h, _)| (*id, min_distance(&query.pdq_dihedral, &h.pdq.bits)))
                .filter(|(_, distance)| *distance <= radius)
                .collect();
            let found = records
                .find_similar(t.org, &query.pdq_dihedral, radius, new_photo, 10_000)
                .await
                .expect("search");
            let got: BTreeMap<PhotoId, u32> = found.iter().map(|m| (m.photo, m.distance)).collect();
            assert_eq!(got.len(), found.len(), "no photo twice");
            assert_eq!(got, expected, "radius {radius}: same photos and distances as a scan");
            // Planted copies exist at every distance, so the expectation is never vacuous.
            assert_eq!(expected.len(), radius as usize + 1, "radius {radius}");
            assert!(found.windows(2).all(|w| w[0].distance <= w[1].distance), "closest first");
            assert!(found.iter().all(|m| m.worker == t.worker && m.facts == Some(ExifFacts::default())));
        }
    }

    // The limit keeps the closest.
    let query = &queries[0];
    let closest = records.find_similar(t.org, &query.pdq_dihedral, 31, new_photo, 3).await.expect("search");
    assert_eq!(closest.iter().map(|m| m.distance).collect::<Vec<_>>(), vec![0, 1, 2]);
    // A search for a registered photo (the one being verified) sees exactly the photos
    // registered before it, never itself.
    let near = records.find_similar(t.org, &query.pdq_dihedral, 31, new_photo, 1000).await.expect("search");
    let mut numbered = Vec::new();
    for m in &near {
        let seq = records.registration(t.org, m.photo).await.expect("read").expect("registered");
        numbered.push((seq, m.photo));
    }
    for &(seq, photo) in &numbered {
        let mut expected: Vec<PhotoId> = numbered.iter().filter(|(s, _)| *s < seq).map(|(_, p)| *p).collect();
        let found = records.find_similar(t.org, &query.pdq_dihedral, 31, photo, 1000).await.expect("search");
        let mut got: Vec<PhotoId> = found.iter().map(|m| m.photo).collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "the photos registered before #{seq}");
    }
    let quality = stored.iter().find(|(id, _, _)| *id == closest[0].photo).map(|(_, h, _)| h.pdq.quality);
    assert_eq!(Some(closest[0].quality), quality);
}

pub async fn blank_hashes_are_never_matched(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let black = [0u8; 32];
    let blank =
        processed_photo(&*records, &t, "lens-cap", hashes(black, 0, [1; 32]), facts("x"), false).await;
    let stored = records.photo_hashes(t.org, blank.photo.id).await.expect("read").expect("hashes");
    assert!(!stored.indexed);
    assert_eq!(stored.hashes.pdq.quality, 0);
    let query = hashes(black, 0, [2; 32]).pdq_dihedral;
    let found = records.find_similar(t.org, &query, 31, PhotoId::new(), 10).await.expect("search");
    assert!(found.is_empty(), "a blank hash is never a reuse candidate: {found:?}");

    // An indexed photo with the very same hash is found, and only it.
    let real = processed_photo(&*records, &t, "real", hashes(black, 60, [3; 32]), facts("x"), true).await;
    let found = records.find_similar(t.org, &query, 31, PhotoId::new(), 10).await.expect("search");
    assert_eq!(found.iter().map(|m| m.photo).collect::<Vec<_>>(), vec![real.photo.id]);
}

pub async fn exact_duplicates_by_sha256(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let sha = [0xEE; 32];
    let first = processed_photo(&*records, &t, "first", hashes([1; 32], 90, sha), facts("x"), true).await;
    let second = processed_photo(&*records, &t, "second", hashes([1; 32], 90, sha), facts("x"), true).await;
    processed_photo(&*records, &t, "other", hashes([1; 32], 90, [0xEF; 32]), facts("x"), true).await;
    let found = records.find_exact_duplicates(t.org, &sha, second.photo.id, 10).await.expect("search");
    assert_eq!(found.len(), 1);
    let evidence = &found[0];
    assert_eq!((evidence.photo, evidence.punch, evidence.worker), (first.photo.id, first.punch.id, t.worker));
    assert_eq!((evidence.distance, evidence.quality), (0, 90));
    assert_eq!(evidence.facts, Some(facts("x")));
    let all = records.find_exact_duplicates(t.org, &sha, PhotoId::new(), 10).await.expect("search");
    assert_eq!(all.iter().map(|m| m.photo).collect::<Vec<_>>(), vec![first.photo.id, second.photo.id]);
    assert!(records
        .find_exact_duplicates(t.org, &[0; 32], PhotoId::new(), 10)
        .await
        .expect("search")
        .is_empty());
}

pub async fn exif_twins_are_found_with_their_distance(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let captured = "2019:05:04 10:11:12";
    let original =
        processed_photo(&*records, &t, "pug1", hashes([0x0F; 32], 90, [1; 32]), facts(captured), true).await;
    // Another picture carrying the first one's EXIF.
    let copied = hashes([0xF0; 32], 90, [2; 32]);
    let suspect = processed_photo(&*records, &t, "pug-closeup", copied.clone(), facts(captured), true).await;
    let query = [copied.pdq.bits];
    let twins =
        records.find_exif_twins(t.org, &facts(captured), &query, suspect.photo.id, 10).await.expect("search");
    assert_eq!(twins.len(), 1);
    assert_eq!(twins[0].photo, original.photo.id);
    assert_eq!(twins[0].distance, 256, "every bit differs: other pixels");
    assert_eq!(twins[0].facts, Some(facts(captured)));

    let mut other_camera = facts(captured);
    other_camera.model = Some("Pixel 8".into());
    assert!(records
        .find_exif_twins(t.org, &other_camera, &query, suspect.photo.id, 10)
        .await
        .expect("search")
        .is_empty());
    let undated = ExifFacts { datetime_original: None, ..facts(captured) };
    assert!(records
        .find_exif_twins(t.org, &undated, &query, suspect.photo.id, 10)
        .await
        .expect("search")
        .is_empty());

    // Absent make and model match absent make and model.
    let bare = ExifFacts { make: None, model: None, ..facts("2020:01:01 00:00:00") };
    let pdq = PerceptualHash { bits: [0x33; 32], quality: 70 };
    let a = processed_photo(&*records, &t, "bare-a", hashes(pdq.bits, 70, [5; 32]), bare.clone(), true).await;
    let twins = records.find_exif_twins(t.org, &bare, &[pdq.bits], PhotoId::new(), 10).await.expect("search");
    assert_eq!(twins.iter().map(|m| (m.photo, m.distance)).collect::<Vec<_>>(), vec![(a.photo.id, 0)]);
}

pub async fn radius_beyond_the_index_is_refused(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let query = [[0u8; 32]; 8];
    let refused = records.find_similar(t.org, &query, MAX_RADIUS + 1, PhotoId::new(), 10).await;
    assert!(matches!(refused, Err(RecordsError::Invalid(_))), "{refused:?}");
    let refused = records.find_similar(t.org, &[], 31, PhotoId::new(), 10).await;
    assert!(matches!(refused, Err(RecordsError::Invalid(_))), "{refused:?}");
    assert!(records
        .find_similar(t.org, &query, MAX_RADIUS, PhotoId::new(), 10)
        .await
        .expect("served")
        .is_empty());
}
