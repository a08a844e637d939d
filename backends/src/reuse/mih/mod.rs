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
//! New hashes go to two small places before the big tables (like an LSM tree's levels):
//! the last few thousand are scanned linearly, and those since the last full build are
//! in a second, small set of tables rebuilt every few thousand hashes
//! ([`MultiIndex::upkeep`]). The big tables are rebuilt over everything only once that
//! second level reaches 1/16 of them, so neither a search nor an upkeep ever scans more
//! than [`MAX_UNINDEXED`] hashes linearly or rebuilds the big tables often.

mod table;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use super::error::ReuseError;
use super::hash::{bit_field, min_distance, Hash256};
use super::pages::{advise_huge, prefetch, PREFETCH_AHEAD};
use table::{ChunkTable, Level};

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

/// Hashes from which a search splits its queries across threads.
const MIN_SPLIT_HASHES: usize = 1 << 20;

/// At most this many threads per search (the 8 dihedral queries split in halves or
/// quarters).
const MAX_SEARCH_THREADS: usize = 4;

/// Newest hashes scanned linearly before [`MultiIndex::upkeep`] indexes them: scoring
/// 4096 hashes against 8 queries costs about what the table probes of a 10 M search do
/// per level.
pub const MAX_UNINDEXED: usize = 4096;

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
    /// The big tables, over `hashes[..main.end]`.
    main: Level,
    /// The small tables over `hashes[main.end..recent.end]`; the rest is scanned.
    recent: Level,
}

impl<I> Default for MultiIndex<I> {
    fn default() -> Self {
        MultiIndex { ids: Vec::new(), hashes: Vec::new(), main: Level::empty(0), recent: Level::empty(0) }
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

    /// Hashes added since the big tables were built (in the small tables or scanned).
    pub fn recent(&self) -> usize {
        self.hashes.len() - self.main.end
    }

    /// Hashes in no table yet, scored linearly by every search.
    pub fn unindexed(&self) -> usize {
        self.hashes.len() - self.recent.end
    }

    /// Adds a hash, at first scanned linearly. [`ReuseError::Full`] past `u32::MAX`
    /// hashes (the tables hold `u32` positions, half the memory of `usize`).
    pub fn push(&mut self, id: I, hash: Hash256) -> Result<(), ReuseError> {
        if self.hashes.len() >= u32::MAX as usize {
            return Err(ReuseError::Full(self.hashes.len()));
        }
        self.ids.push(id);
        self.hashes.push(hash);
        Ok(())
    }

    /// Whether [`Self::upkeep`] has work: more than [`MAX_UNINDEXED`] hashes unindexed.
    pub fn needs_upkeep(&self) -> bool {
        self.unindexed() > MAX_UNINDEXED
    }

    /// Indexes the unindexed hashes: rebuilds the small tables over everything since the
    /// big ones, or, once that exceeds `max(4096, big / 16)`, the big tables over all
    /// (CPU-heavy: call it off the async runtime). At 10 M hashes the small rebuild reads
    /// at most ~625,000 hashes; the big one all 10 M, once per ~625,000 new ones.
    pub fn upkeep(&mut self) {
        if self.recent() > MAX_UNINDEXED.max(self.main.len() / 16) {
            self.rebuild();
        } else if self.unindexed() > 0 {
            self.recent = Level::build(&self.hashes, self.main.end);
        }
    }

    /// Rebuilds the big tables over all hashes (CPU-heavy: call it off the async runtime).
    pub fn rebuild(&mut self) {
        self.main = Level::build(&self.hashes, 0);
        self.recent = Level::empty(self.hashes.len());
    }

    /// Bytes held by the ids, hashes and tables (capacities, not lengths).
    pub fn memory_bytes(&self) -> usize {
        self.ids.capacity() * std::mem::size_of::<I>()
            + self.hashes.capacity() * std::mem::size_of::<Hash256>()
            + self.main.bytes()
            + self.recent.bytes()
    }

    /// The ids of the hashes within `radius` of any of `queries` that `keep` accepts, with
    /// their smallest distance, ordered by (distance, id), at most `limit`.
    pub fn search(
        &self,
        queries: &[Hash256],
        radius: u32,
        keep: impl Fn(I) -> bool,
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
            .filter(|&(id, _)| keep(id))
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
        // Read once: on Linux `available_parallelism` reads the cgroup's CPU quota from
        // files, which a hot path should not do per search.
        static CORES: OnceLock<usize> = OnceLock::new();
        let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from));
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
        // on the one before; each loop also prefetches the reads a few steps ahead. At 1 M
        // (radius 31, whole lookup): p50 12.6 ms nested, 4.5 ms in passes.
        let probed: Vec<(&Level, &ChunkTable, (u32, u32), u32)> = [&self.main, &self.recent]
            .into_iter()
            .flat_map(|level| {
                level.tables.iter().zip(CHUNKS.iter().zip(thresholds(radius))).filter_map(
                    move |(table, (chunk, threshold))| threshold.map(|t| (level, table, *chunk, t)),
                )
            })
            .collect();
        // Pass 1: each probed bucket's range (one read of two adjacent offsets), tagged
        // with its table's index in `probed`.
        let mut ranges: Vec<(u32, u32, u32)> = Vec::new();
        let mut probes = Vec::new();
        for (tag, &(_, table, (start, bits), threshold)) in probed.iter().enumerate() {
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
            for (i, &bucket) in probes.iter().enumerate() {
                if let Some(&ahead) = probes.get(i + PREFETCH_AHEAD) {
                    prefetch(table.offsets.as_ptr().wrapping_add(ahead as usize));
                }
                let b = bucket as usize;
                ranges.push((tag as u32, table.offsets[b], table.offsets[b + 1]));
            }
        }
        // Pass 2: the candidates' positions (made absolute), then the unindexed hashes.
        let mut candidates: Vec<u32> = Vec::with_capacity(ranges.len() + self.unindexed());
        for (i, &(tag, from, to)) in ranges.iter().enumerate() {
            if let Some(&(tag, ahead, _)) = ranges.get(i + PREFETCH_AHEAD) {
                prefetch(probed[tag as usize].1.positions.as_ptr().wrapping_add(ahead as usize));
            }
            let (level, table, ..) = probed[tag as usize];
            let first = level.start as u32;
            candidates.extend(table.positions[from as usize..to as usize].iter().map(|p| first + p));
        }
        candidates.extend(self.recent.end as u32..self.hashes.len() as u32);
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
