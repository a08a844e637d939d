use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::table::key_bits_for;
use super::*;
use crate::reuse::hash::distance;

fn flip(rng: &mut StdRng, h: &Hash256, flips: usize) -> Hash256 {
    let mut out = *h;
    for bit in rand::seq::index::sample(rng, 256, flips) {
        out[bit / 64] ^= 1 << (63 - bit % 64);
    }
    out
}

fn brute_force(
    entries: &[(u32, Hash256)],
    queries: &[Hash256],
    radius: u32,
    exclude: Option<u32>,
) -> Vec<(u32, u32)> {
    let mut found: Vec<(u32, u32)> = entries
        .iter()
        .map(|(id, h)| (*id, min_distance(queries, h)))
        .filter(|(id, d)| *d <= radius && Some(*id) != exclude)
        .collect();
    found.sort_unstable_by_key(|&(id, d)| (d, id));
    found
}

#[test]
fn chunks_tile_the_hash_and_thresholds_satisfy_the_pigeonhole() {
    assert_eq!(CHUNKS[0], (0, 23));
    assert_eq!(CHUNKS[CHUNK_COUNT - 1], (232, 24));
    assert!(CHUNKS.windows(2).all(|w| w[0].0 + w[0].1 == w[1].0));
    for radius in 0..=MAX_RADIUS {
        let t = thresholds(radius);
        let shares: u32 = t.iter().map(|t| t.map_or(0, |t| t + 1)).sum();
        assert_eq!(shares, radius + 1, "radius {radius}");
        let probed: Vec<u32> = t.iter().flatten().copied().collect();
        let (lo, hi) = (probed.iter().min(), probed.iter().max());
        assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1), "even at radius {radius}");
    }
    let r31 = thresholds(31);
    assert_eq!(r31.iter().filter(|t| **t == Some(2)).count(), 10);
    assert_eq!(r31.iter().filter(|t| **t == Some(1)).count(), 1);
}

#[test]
fn key_bits_follow_log2_n_within_bounds() {
    assert_eq!(key_bits_for(0), 8);
    assert_eq!(key_bits_for(1), 8);
    assert_eq!(key_bits_for(1 << 20), 20);
    assert_eq!(key_bits_for((1 << 20) + 1), 21);
    assert_eq!(key_bits_for(10_000_000), 24);
}

#[test]
fn matches_brute_force_at_every_radius() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut entries: Vec<(u32, Hash256)> = (0..5000).map(|i| (i, rng.random())).collect();
    let queries: Vec<[Hash256; 8]> = (0..4).map(|_| rng.random()).collect();
    for (q, query) in queries.iter().enumerate() {
        for d in 0..=45 {
            let id = entries.len() as u32;
            entries.push((id, flip(&mut rng, &query[(q + d) % 8], d)));
        }
    }
    // Half in the big tables, a quarter in the small ones, the rest scanned: every path
    // is searched.
    let (first, rest) = entries.split_at(entries.len() / 2);
    let (second, third) = rest.split_at(rest.len() / 2);
    let mut index = MultiIndex::build(first.to_vec()).expect("built");
    for (id, h) in second {
        index.push(*id, *h).expect("room");
    }
    index.upkeep();
    for (id, h) in third {
        index.push(*id, *h).expect("room");
    }
    assert_eq!((index.recent(), index.unindexed()), (rest.len(), third.len()));
    for radius in 0..=40 {
        for query in &queries {
            let got = index.search(query, radius, |_| true, usize::MAX).expect("search");
            assert_eq!(got, brute_force(&entries, query, radius, None), "radius {radius}");
            assert!(got.len() > radius as usize, "planted copies at every distance");
        }
    }
    index.rebuild();
    assert_eq!(index.recent(), 0);
    for radius in [0, 15, 31, 40] {
        let got = index.search(&queries[1], radius, |_| true, usize::MAX).expect("search");
        assert_eq!(got, brute_force(&entries, &queries[1], radius, None), "rebuilt, radius {radius}");
    }
}

#[test]
fn a_search_split_over_threads_finds_what_one_thread_finds() {
    let mut rng = StdRng::seed_from_u64(5);
    let mut entries: Vec<(u32, Hash256)> = (0..3000).map(|i| (i, rng.random())).collect();
    let query: [Hash256; 8] = rng.random();
    for d in 0..=40 {
        let id = entries.len() as u32;
        entries.push((id, flip(&mut rng, &query[d % 8], d)));
    }
    let index = MultiIndex::build(entries.clone()).expect("built");
    for radius in [0, 15, 31, 40] {
        // Ids equal positions here, so the raw (position, distance) pairs compare
        // directly with the brute force.
        let expected = brute_force(&entries, &query, radius, None);
        for parts in [1, 2, 3, 4, 8] {
            let mut got = index.within_in_parts(&query, radius, parts);
            got.sort_unstable();
            got.dedup_by_key(|(position, _)| *position);
            got.sort_unstable_by_key(|&(id, d)| (d, id));
            assert_eq!(got, expected, "radius {radius}, {parts} threads");
        }
    }
}

#[test]
fn a_hash_exactly_r_bits_away_spread_over_every_chunk_is_found_and_r_plus_1_is_not() {
    let mut rng = StdRng::seed_from_u64(12);
    let query: Hash256 = rng.random();
    for radius in [11, 22, 31, 40] {
        // Spread the flips like the thresholds: each chunk one bit past its threshold
        // would be r + 1 in all; exactly at it in every chunk but one is r.
        let mut at = query;
        let mut flipped = 0;
        for ((start, _), t) in CHUNKS.iter().zip(thresholds(radius)) {
            let share = t.map_or(0, |t| t + 1);
            for bit in 0..share {
                let b = start + bit;
                at[(b / 64) as usize] ^= 1 << (63 - b % 64);
            }
            flipped += share;
        }
        assert_eq!(flipped, radius + 1);
        // `at` is r + 1 away with every chunk just past its threshold: must not match.
        // Undo one flip in the last chunk that has one: r away, must match.
        let beyond = at;
        let last = CHUNKS.iter().zip(thresholds(radius)).rev().find(|(_, t)| t.is_some());
        let Some(((start, _), _)) = last else { panic!("some chunk is probed") };
        let mut within = beyond;
        within[(start / 64) as usize] ^= 1 << (63 - start % 64);
        assert_eq!(distance(&query, &within), radius);
        assert_eq!(distance(&query, &beyond), radius + 1);
        let mut entries: Vec<(u32, Hash256)> = (0..3000).map(|i| (i, rng.random())).collect();
        entries.push((9000, within));
        entries.push((9001, beyond));
        let index = MultiIndex::build(entries).expect("built");
        let got = index.search(&[query], radius, |_| true, 10).expect("search");
        assert_eq!(got, vec![(9000, radius)], "radius {radius}");
    }
}

#[test]
fn empty_single_limit_exclude_and_refusals() {
    let index: MultiIndex<u32> = MultiIndex::new();
    let q = [[7u64; 4]];
    assert_eq!(index.search(&q, 31, |_| true, 10).expect("search"), vec![]);
    let built: MultiIndex<u32> = MultiIndex::build(Vec::new()).expect("built");
    assert_eq!(built.search(&q, 31, |_| true, 10).expect("search"), vec![]);
    let one = MultiIndex::build(vec![(5u32, q[0])]).expect("built");
    assert_eq!(one.search(&q, 0, |_| true, 10).expect("search"), vec![(5, 0)]);
    assert_eq!(one.search(&q, 31, |id| id != 5, 10).expect("search"), vec![]);
    let mut twins = MultiIndex::build(vec![(3u32, q[0]), (1, q[0]), (2, q[0])]).expect("built");
    assert_eq!(twins.search(&q, 0, |_| true, 2).expect("search"), vec![(1, 0), (2, 0)]);
    assert!(matches!(twins.search(&q, MAX_RADIUS + 1, |_| true, 2), Err(ReuseError::RadiusTooLarge { .. })));
    assert!(matches!(twins.search(&[], 3, |_| true, 2), Err(ReuseError::NoQuery)));
    assert!(twins.memory_bytes() > 0);
    twins.push(4, q[0]).expect("room");
    assert_eq!(twins.search(&q, 0, |id| id != 1, 10).expect("search"), vec![(2, 0), (3, 0), (4, 0)]);
}

#[test]
fn upkeep_indexes_new_hashes_in_the_small_tables_then_rebuilds_the_big_ones() {
    let mut rng = StdRng::seed_from_u64(13);
    let mut index = MultiIndex::new();
    for i in 0..=MAX_UNINDEXED as u32 {
        assert!(!index.needs_upkeep());
        index.push(i, rng.random()).expect("room");
    }
    assert!(index.needs_upkeep());
    // Nothing built yet: the first upkeep builds the big tables.
    index.upkeep();
    assert_eq!((index.recent(), index.unindexed()), (0, 0));

    let mut entries: Vec<(u32, Hash256)> = (0..100_000).map(|i| (i, rng.random())).collect();
    let query: [Hash256; 8] = rng.random();
    let mut index = MultiIndex::build(entries.clone()).expect("built");
    let mut add = |index: &mut MultiIndex<u32>, entries: &mut Vec<(u32, Hash256)>, count: usize| {
        for k in 0..count {
            let id = entries.len() as u32;
            let hash = flip(&mut rng, &query[k % 8], k % 40);
            entries.push((id, hash));
            index.push(id, hash).expect("room");
        }
    };
    // Past MAX_UNINDEXED but under 1/16 of the big tables: only the small ones are built.
    add(&mut index, &mut entries, MAX_UNINDEXED + 1);
    assert!(index.needs_upkeep());
    index.upkeep();
    assert_eq!((index.recent(), index.unindexed()), (MAX_UNINDEXED + 1, 0));
    add(&mut index, &mut entries, 1000);
    assert_eq!((index.recent(), index.unindexed()), (MAX_UNINDEXED + 1001, 1000));
    // Big tables, small tables and the scanned tail all answer, exactly.
    for radius in [0, 15, 31, 40] {
        let got = index.search(&query, radius, |_| true, usize::MAX).expect("search");
        assert_eq!(got, brute_force(&entries, &query, radius, None), "radius {radius}");
        assert!(got.len() >= 5000 * (radius as usize).min(39) / 40, "the planted copies are found");
    }
    // Past 100,000 / 16 = 6,250 since the big tables: they are rebuilt over everything.
    add(&mut index, &mut entries, 2000);
    index.upkeep();
    assert_eq!((index.recent(), index.unindexed()), (0, 0));
    let got = index.search(&query, 31, |_| true, usize::MAX).expect("search");
    assert_eq!(got, brute_force(&entries, &query, 31, None), "rebuilt");
}
