//! The multi-index's lookup tables: per chunk, the hashes grouped by the top bits of their
//! chunk value, and a [`Level`] of such tables over one contiguous range of hashes.

use rayon::prelude::*;

use super::CHUNKS;
use crate::reuse::hash::{bit_field, Hash256};
use crate::reuse::pages::advise_huge;

/// Fewest key bits per table: below 256 buckets the offsets array is noise anyway.
const MIN_KEY_BITS: u32 = 8;

/// Key bits per table for `n` hashes: ~one hash per bucket.
pub(super) fn key_bits_for(n: usize) -> u32 {
    let ceil_log2 = usize::BITS - n.saturating_sub(1).leading_zeros();
    ceil_log2.clamp(MIN_KEY_BITS, 24)
}

/// One chunk's table: positions of the hashes grouped by the top `key_bits` bits of
/// their chunk value (compressed sparse rows).
#[derive(Clone)]
pub(super) struct ChunkTable {
    pub(super) key_bits: u32,
    /// `offsets[b]..offsets[b + 1]` is bucket `b` in `positions`.
    pub(super) offsets: Vec<u32>,
    /// Positions relative to the level's first hash.
    pub(super) positions: Vec<u32>,
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

/// The tables of every chunk over `hashes[start..end]`.
#[derive(Clone)]
pub(super) struct Level {
    pub(super) start: usize,
    pub(super) end: usize,
    /// One per chunk of [`CHUNKS`]; empty for an empty level.
    pub(super) tables: Vec<ChunkTable>,
}

impl Level {
    /// An empty level at `at` (nothing indexed from there yet).
    pub(super) fn empty(at: usize) -> Level {
        Level { start: at, end: at, tables: Vec::new() }
    }

    /// Tables over `hashes[start..]`, built on rayon, one chunk per task (CPU-heavy: call
    /// it off the async runtime).
    pub(super) fn build(hashes: &[Hash256], start: usize) -> Level {
        let covered = &hashes[start..];
        let key_bits = key_bits_for(covered.len());
        let tables = CHUNKS.par_iter().map(|chunk| ChunkTable::build(covered, *chunk, key_bits)).collect();
        Level { start, end: hashes.len(), tables }
    }

    pub(super) fn len(&self) -> usize {
        self.end - self.start
    }

    pub(super) fn bytes(&self) -> usize {
        self.tables.iter().map(ChunkTable::bytes).sum()
    }
}
