//! Exact radius search over 256-bit hashes in memory by multi-index hashing (Norouzi,
//! Punjani & Fleet, "Fast Search in Hamming Space with Multi-Index Hashing").
//!
//! Each hash is cut into [`CHUNK_COUNT`] chunks (8 × 23 bits + 3 × 24 bits). For a
//! radius `r` every chunk `i` gets a threshold `tᵢ` with `Σ(tᵢ + 1) ≥ r + 1`: if a hash
//! differed from the query by more than `tᵢ` bits in every chunk it would differ by at
//! least `r + 1` in all, so every hash within `r` agrees with the query within `tᵢ` bits
//! in at least one chunk (pigeonhole). Probing, per chunk, every value within `tᵢ` bits of
//! the query's chunk finds a complete candidate set; exact distances then keep those
//! within `r`. No false negatives.
//!
//! Why 11 chunks of ~23 bits: the probes per chunk grow as C(bits, t) and the candidates
//! per probe as N / 2^bits, and chunks of ~log2 N bits balance them at N ≈ 10 M. For
//! r = 31 ten chunks are probed within 2 bits and one within 1.
//!
//! Memory scales with N, not 2^23: each chunk's table is keyed on only the top `k` bits of
//! the chunk value, `k = clamp(ceil(log2 N), 8, chunk bits)`, as a CSR table (an offsets
//! array of `2^k + 1` and one `u32` position per hash). A probe value maps to its bucket;
//! buckets hold hashes whose low chunk bits may differ, which only adds candidates that
//! the exact scoring drops.
//!
//! New hashes are appended to a "recent" tail scanned linearly, and the tables are rebuilt
//! over everything once the tail outgrows [`MultiIndex::needs_rebuild`]'s bound.

use rayon::prelude::*;

use super::error::ReuseError;
use super::hash::{bit_field, min_distance, Hash256};
use super::pages::{advise_huge, prefetch, PREFETCH_AHEAD};

/// Chunks per hash.
pub const CHUNK_COUNT: usize = 11;

/// `(first bit, width)` of each chunk: 8 of 23 bits, then 3 of 24 (8·23 + 3·24 = 256).
pub const CHUNKS: [(u32, u32); CHUNK_COUNT] = chunk_layout();

const fn chunk_layout() -> [(u32, u32); CHUNK_COUNT] {
    let mut out = [(0, 0); CHUNK_COUNT];
    let mut start = 0;
    let mut i = 0;
    while i < CHUNK_COUNT {
        let bits = if i < 8 { 23 } else { 24 };
        out[i] = (start, bits);
        start += bits;
        i += 1;
    }
    out
}

/// The largest radius served, as by the database search: beyond it the thresholds reach 5
/// bits per chunk (tens of thousands of probes per chunk and query hash).
pub const MAX_RADIUS: u32 = 63;

/// Fewest key bits per table: below 256 buckets the offsets array is noise anyway.
const MIN_KEY_BITS: u32 = 8;

/// Hashes from which a search splits its queries across threads.
const MIN_SPLIT_HASHES: usize = 1 << 20;

/// At most this many threads per search (the 8 dihedral queries split in halves or
/// quarters).
const MAX_SEARCH_THREADS: usize = 4;

/// The smallest tail of unindexed hashes that triggers a rebuild.
const MIN_RECENT_BOUND: usize = 4096;

/// Per-chunk thresholds for `radius`: `Some(t)` probes the chunk within `t` bits, `None`
/// does not probe it (small radii need fewer than all chunks). The `r + 1` shares are
/// spread evenly, the larger ones to the 23-bit chunks, which have fewer neighbours.
pub fn thresholds(radius: u32) -> [Option<u32>; CHUNK_COUNT] {
    let shares = radius as usize + 1;
    let (base, extra) = (shares / CHUNK_COUNT, shares % CHUNK_COUNT);
    std::array::from_fn(|i| {
        let share = base + usize::from(i < extra);
        // share ≥ 1 means "within share - 1 bits"; 0 means the chunk is not needed.
        share.checked_sub(1).map(|t| t as u32)
    })
}

/// Key bits per table for `n` hashes: ~one hash per bucket.
fn key_bits_for(n: usize) -> u32 {
    let ceil_log2 = usize::BITS - n.saturating_sub(1).leading_zeros();
    ceil_log2.clamp(MIN_KEY_BITS, 24)
}

/// One chunk's table: positions of the hashes grouped by the top `key_bits` bits of
/// their chunk value (compressed sparse rows).
#[derive(Clone)]
struct ChunkTable {
    key_bits: u32,
    /// `offsets[b]..offsets[b + 1]` is bucket `b` in `positions`.
    offsets: Vec<u32>,
    positions: Vec<u32>,
}

impl ChunkTable {
    /// A counting sort of `hashes` by bucket: two linear passes, no comparison sort.
    fn build(hashes: &[Hash256], (start, bits): (u32, u32), key_bits: u32) -> ChunkTable {
        let key_bits = key_bits.min(bits);
        let shift = bits - key_bits;
        let bucket = |h: &Hash256| (bit_field(h, start, bits) >> shift) as usize;
        let mut offsets = vec![0u32; (1usize << key_bits) + 1];
        advise_huge(&offsets);
        for h in hashes {
            offsets[bucket(h) + 1] += 1;
        }
        for b in 1..offsets.len() {
            offsets[b] += offsets[b - 1];
        }
        let mut next = offsets.clone();
        let mut positions = vec![0u32; hashes.len()];
        advise_huge(&positions);
        for (position, h) in hashes.iter().enumerate() {
            let slot = &mut next[bucket(h)];
            positions[*slot as usize] = position as u32;
            *slot += 1;
        }
        ChunkTable { key_bits, offsets, positions }
    }

    fn bytes(&self) -> usize {
        (self.offsets.capacity() + self.positions.capacity()) * std::mem::size_of::<u32>()
    }
}

/// Appends every `width`-bit value reached by flipping up to `left` more bits of `value`
/// at positions `from..width` (each set of positions once, so nothing repeats).
fn push_neighbours(value: u32, from: u32, width: u32, left: u32, out: &mut Vec<u32>) {
    if left == 0 {
        return;
    }
    for bit in from..width {
        let flipped = value ^ (1 << bit);
        out.push(flipped);
        push_neighbours(flipped, bit + 1, width, left - 1, out);
    }
}

/// Hashes with their owners' ids, searchable by Hamming radius.
#[derive(Clone)]
pub struct MultiIndex<I> {
    ids: Vec<I>,
    hashes: Vec<Hash256>,
    /// Tables over `hashes[..indexed]`; the rest is the recent tail.
    tables: Vec<ChunkTable>,
    indexed: usize,
}

impl<I> Default for MultiIndex<I> {
    fn default() -> Self {
        MultiIndex { ids: Vec::new(), hashes: Vec::new(), tables: Vec::new(), indexed: 0 }
    }
}

impl<I: Copy + Ord + Send + Sync> MultiIndex<I> {
    /// An empty index.
    pub fn new() -> MultiIndex<I> {
        MultiIndex::default()
    }

    /// An index over `entries`, tables built (on rayon, one chunk per task).
    pub fn build(entries: Vec<(I, Hash256)>) -> Result<MultiIndex<I>, ReuseError> {
        let mut index = MultiIndex::new();
        index.ids.reserve_exact(entries.len());
        index.hashes.reserve_exact(entries.len());
        advise_huge(&index.hashes);
        advise_huge(&index.ids);
        for (id, hash) in entries {
            index.push(id, hash)?;
        }
        index.rebuild();
        Ok(index)
    }

    /// Hashes held.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether the index holds nothing.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Hashes in the recent tail (scanned linearly until the next rebuild).
    pub fn recent(&self) -> usize {
        self.hashes.len() - self.indexed
    }

    /// Adds a hash to the recent tail. [`ReuseError::Full`] past `u32::MAX` hashes (the
    /// tables hold `u32` positions, half the memory of `usize`).
    pub fn push(&mut self, id: I, hash: Hash256) -> Result<(), ReuseError> {
        if self.hashes.len() >= u32::MAX as usize {
            return Err(ReuseError::Full(self.hashes.len()));
        }
        self.ids.push(id);
        self.hashes.push(hash);
        Ok(())
    }

    /// Whether the tail has grown past `max(4096, indexed / 16)`: beyond it scanning the
    /// tail costs about as much as the table probes, so a rebuild pays for itself.
    pub fn needs_rebuild(&self) -> bool {
        self.recent() > MIN_RECENT_BOUND.max(self.indexed / 16)
    }

    /// Rebuilds every table over all hashes, tail included (CPU-heavy: call it off the
    /// async runtime).
    pub fn rebuild(&mut self) {
        let key_bits = key_bits_for(self.hashes.len());
        let hashes = &self.hashes;
        self.tables = CHUNKS.par_iter().map(|chunk| ChunkTable::build(hashes, *chunk, key_bits)).collect();
        self.indexed = self.hashes.len();
    }

    /// Bytes held by the ids, hashes and tables (capacities, not lengths).
    pub fn memory_bytes(&self) -> usize {
        self.ids.capacity() * std::mem::size_of::<I>()
            + self.hashes.capacity() * std::mem::size_of::<Hash256>()
            + self.tables.iter().map(ChunkTable::bytes).sum::<usize>()
    }

    /// The ids of the hashes within `radius` of any of `queries`, except `exclude`, with
    /// their smallest distance, ordered by (distance, id), at most `limit`.
    pub fn search(
        &self,
        queries: &[Hash256],
        radius: u32,
        exclude: Option<I>,
        limit: usize,
    ) -> Result<Vec<(I, u32)>, ReuseError> {
        if radius > MAX_RADIUS {
            return Err(ReuseError::RadiusTooLarge { radius, max: MAX_RADIUS });
        }
        if queries.is_empty() {
            return Err(ReuseError::NoQuery);
        }
        let mut within = self.within_in_parts(queries, radius, self.search_threads(queries.len()));
        // A hash found through several chunks (or by both halves of a split search) is
        // scored each time: keep it once, at its smallest distance.
        within.sort_unstable();
        within.dedup_by_key(|(position, _)| *position);
        let mut found: Vec<(I, u32)> = within
            .into_iter()
            .map(|(position, d)| (self.ids[position as usize], d))
            .filter(|(id, _)| Some(*id) != exclude)
            .collect();
        found.sort_unstable_by_key(|&(id, d)| (d, id));
        found.truncate(limit);
        Ok(found)
    }

    /// Threads for a search of `queries` hashes: one per core (at most
    /// [`MAX_SEARCH_THREADS`]) for large indexes, since a search is a chain of cache misses
    /// bounded by memory latency, not bandwidth, and two cores walking half the queries
    /// each take about half the time (10 M hashes, radius 31: docs/benchmarks.md). Small
    /// indexes answer faster than a thread starts.
    fn search_threads(&self, queries: usize) -> usize {
        if self.hashes.len() < MIN_SPLIT_HASHES {
            return 1;
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        cores.min(MAX_SEARCH_THREADS).min(queries)
    }

    /// [`Self::within`] with the queries split over `parts` threads (this one included).
    fn within_in_parts(&self, queries: &[Hash256], radius: u32, parts: usize) -> Vec<(u32, u32)> {
        if parts < 2 {
            return self.within(queries, radius);
        }
        let per_part = queries.len().div_ceil(parts);
        std::thread::scope(|scope| {
            let others: Vec<_> = queries[per_part..]
                .chunks(per_part)
                .map(|part| scope.spawn(move || self.within(part, radius)))
                .collect();
            let mut within = self.within(&queries[..per_part], radius);
            for other in others {
                // A panic in a helper thread is a bug in this function: pass it on.
                within.extend(other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            }
            within
        })
    }

    /// `(position, distance)` of every hash within `radius` of `queries` (a hash may
    /// appear more than once).
    fn within(&self, queries: &[Hash256], radius: u32) -> Vec<(u32, u32)> {
        // Three passes, each a loop of independent memory reads, rather than one nested
        // loop: at 10 M hashes every probe misses the cache three times (offsets, positions,
        // the candidate's hash), and a CPU overlaps misses only when one read does not wait
        // on the one before. At 1 M (radius 31, whole lookup): p50 12.6 ms nested, 4.5 ms so.
        let mut ranges: Vec<(u32, u32, u32)> = Vec::new();
        if self.indexed > 0 {
            let mut probes = Vec::new();
            for (t, (table, (chunk, threshold))) in
                self.tables.iter().zip(CHUNKS.iter().zip(thresholds(radius))).enumerate()
            {
                let Some(threshold) = threshold else { continue };
                let (start, bits) = *chunk;
                probes.clear();
                for q in queries {
                    let key = bit_field(q, start, bits) >> (bits - table.key_bits);
                    probes.push(key);
                    push_neighbours(key, 0, table.key_bits, threshold, &mut probes);
                }
                // The 8 dihedral queries rarely share buckets, but a bucket probed twice
                // would only score its hashes twice: dedup is cheap insurance.
                probes.sort_unstable();
                probes.dedup();
                // Pass 1: each probed bucket's range (one read of two adjacent offsets).
                for (i, &bucket) in probes.iter().enumerate() {
                    if let Some(&ahead) = probes.get(i + PREFETCH_AHEAD) {
                        prefetch(table.offsets.as_ptr().wrapping_add(ahead as usize));
                    }
                    let b = bucket as usize;
                    ranges.push((t as u32, table.offsets[b], table.offsets[b + 1]));
                }
            }
        }
        // Pass 2: the candidates' positions.
        let mut candidates: Vec<u32> = Vec::with_capacity(ranges.len() + self.recent());
        for (i, &(t, from, to)) in ranges.iter().enumerate() {
            if let Some(&(t, ahead, _)) = ranges.get(i + PREFETCH_AHEAD) {
                prefetch(self.tables[t as usize].positions.as_ptr().wrapping_add(ahead as usize));
            }
            candidates.extend_from_slice(&self.tables[t as usize].positions[from as usize..to as usize]);
        }
        candidates.extend(self.indexed as u32..self.hashes.len() as u32);
        // Pass 3: exact distances.
        let mut within: Vec<(u32, u32)> = Vec::new();
        for (i, &position) in candidates.iter().enumerate() {
            if let Some(&ahead) = candidates.get(i + PREFETCH_AHEAD) {
                prefetch(self.hashes.as_ptr().wrapping_add(ahead as usize));
            }
            let d = min_distance(queries, &self.hashes[position as usize]);
            if d <= radius {
                within.push((position, d));
            }
        }
        within
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

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
        // Half indexed in tables, the rest in the recent tail: both paths are searched.
        let (first, rest) = entries.split_at(entries.len() / 2);
        let mut index = MultiIndex::build(first.to_vec()).expect("built");
        for (id, h) in rest {
            index.push(*id, *h).expect("room");
        }
        assert!(index.recent() > 0);
        for radius in 0..=40 {
            for query in &queries {
                let got = index.search(query, radius, None, usize::MAX).expect("search");
                assert_eq!(got, brute_force(&entries, query, radius, None), "radius {radius}");
                assert!(got.len() > radius as usize, "planted copies at every distance");
            }
        }
        index.rebuild();
        assert_eq!(index.recent(), 0);
        for radius in [0, 15, 31, 40] {
            let got = index.search(&queries[1], radius, None, usize::MAX).expect("search");
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
            let got = index.search(&[query], radius, None, 10).expect("search");
            assert_eq!(got, vec![(9000, radius)], "radius {radius}");
        }
    }

    #[test]
    fn empty_single_limit_exclude_and_refusals() {
        let index: MultiIndex<u32> = MultiIndex::new();
        let q = [[7u64; 4]];
        assert_eq!(index.search(&q, 31, None, 10).expect("search"), vec![]);
        let built: MultiIndex<u32> = MultiIndex::build(Vec::new()).expect("built");
        assert_eq!(built.search(&q, 31, None, 10).expect("search"), vec![]);
        let one = MultiIndex::build(vec![(5u32, q[0])]).expect("built");
        assert_eq!(one.search(&q, 0, None, 10).expect("search"), vec![(5, 0)]);
        assert_eq!(one.search(&q, 31, Some(5), 10).expect("search"), vec![]);
        let mut twins = MultiIndex::build(vec![(3u32, q[0]), (1, q[0]), (2, q[0])]).expect("built");
        assert_eq!(twins.search(&q, 0, None, 2).expect("search"), vec![(1, 0), (2, 0)]);
        assert!(matches!(twins.search(&q, MAX_RADIUS + 1, None, 2), Err(ReuseError::RadiusTooLarge { .. })));
        assert!(matches!(twins.search(&[], 3, None, 2), Err(ReuseError::NoQuery)));
        assert!(twins.memory_bytes() > 0);
        twins.push(4, q[0]).expect("room");
        assert_eq!(twins.search(&q, 0, Some(1), 10).expect("search"), vec![(2, 0), (3, 0), (4, 0)]);
    }

    #[test]
    fn the_tail_triggers_a_rebuild_past_its_bound() {
        let mut rng = StdRng::seed_from_u64(13);
        let mut index = MultiIndex::new();
        for i in 0..=MIN_RECENT_BOUND as u32 {
            assert!(!index.needs_rebuild());
            index.push(i, rng.random()).expect("room");
        }
        assert!(index.needs_rebuild());
        index.rebuild();
        assert!(!index.needs_rebuild());
    }
}
