//! Multi-index hashing over 256-bit PDQ hashes (Norouzi, Punjani & Fleet, "Fast Search in
//! Hamming Space with Multi-Index Hashing"), the arithmetic both databases share.
//!
//! Each indexed hash is split into [`CHUNKS`] chunks of [`CHUNK_BITS`] bits, stored as
//! `(org_id, chunk_no, chunk_value, photo_id)` rows under an index. If two hashes are
//! within `r` bits, by pigeonhole at least one of their 16 chunks differs in at most
//! `r / 16` bits. So a radius search looks up, per chunk, every value within that many
//! bits of the query's chunk, and the union of the photos found is a complete candidate
//! set; exact distances on the candidates then drop those beyond `r`. Each chunk row also
//! carries its photo's whole PDQ (migration 0003), so the candidates are scored from the
//! rows the probes read, without a lookup per candidate.

/// Chunks per hash.
pub const CHUNKS: usize = 16;

/// Bits per chunk.
pub const CHUNK_BITS: u32 = 16;

/// The largest radius served. Beyond it a chunk radius of 4 means 2,517 probes per
/// chunk per query hash, and the candidate sets approach a scan; PDQ's own advice for
/// "same picture" is ≤ 31.
pub const MAX_RADIUS: u32 = 63;

/// The 16 chunk values of a hash: chunk `i` is bytes `2i` and `2i + 1`, big-endian.
pub fn chunks(bits: &[u8; 32]) -> [u16; CHUNKS] {
    std::array::from_fn(|i| u16::from_be_bytes([bits[2 * i], bits[2 * i + 1]]))
}

/// How many bits a chunk may differ by for a whole hash to be within `radius`.
pub fn chunk_radius(radius: u32) -> u32 {
    radius / CHUNKS as u32
}

/// Every 16-bit value within `within` bits of `value`, `value` first.
pub fn neighbours(value: u16, within: u32) -> Vec<u16> {
    let mut found = vec![value];
    flip_from(value, 0, within, &mut found);
    found
}

/// Appends every value reached by flipping up to `left` more bits of `value` at
/// positions `from..16` (each set of positions once, so nothing repeats).
fn flip_from(value: u16, from: u32, left: u32, found: &mut Vec<u16>) {
    if left == 0 {
        return;
    }
    for bit in from..CHUNK_BITS {
        let flipped = value ^ (1 << bit);
        found.push(flipped);
        flip_from(flipped, bit + 1, left - 1, found);
    }
}

/// What to look up for a radius search: per chunk number, the sorted distinct chunk
/// values within reach of any of the query hashes (the 8 dihedral variants of a photo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkProbes {
    /// `values[chunk_no]`: the chunk values to look up for that chunk number.
    pub values: [Vec<u16>; CHUNKS],
}

impl ChunkProbes {
    /// The probes for finding every indexed hash within `radius` of any of `queries`.
    /// `None` when `radius` exceeds [`MAX_RADIUS`].
    pub fn new(queries: &[[u8; 32]], radius: u32) -> Option<ChunkProbes> {
        if radius > MAX_RADIUS {
            return None;
        }
        let within = chunk_radius(radius);
        let mut values: [Vec<u16>; CHUNKS] = Default::default();
        for query in queries {
            for (chunk_no, value) in chunks(query).into_iter().enumerate() {
                values[chunk_no].extend(neighbours(value, within));
            }
        }
        for list in &mut values {
            list.sort_unstable();
            list.dedup();
        }
        Some(ChunkProbes { values })
    }

    /// The probes as parallel `(chunk_no, chunk_value)` columns, the shape an array bind
    /// (`unnest($1::int2[], $2::int4[])`) takes.
    pub fn as_columns(&self) -> (Vec<i16>, Vec<i32>) {
        let pairs = self
            .values
            .iter()
            .enumerate()
            .flat_map(|(chunk_no, values)| values.iter().map(move |v| (chunk_no as i16, i32::from(*v))));
        pairs.unzip()
    }

    /// How many `(chunk_no, chunk_value)` lookups the search makes.
    pub fn len(&self) -> usize {
        self.values.iter().map(Vec::len).sum()
    }

    /// Whether there is nothing to look up (never, for at least one query hash).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Hamming distance between two 256-bit hashes.
pub fn hamming(a: &[u8; 32], b: &[u8; 32]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// The smallest distance from `stored` to any of the query hashes (256 for none).
pub fn min_distance(queries: &[[u8; 32]], stored: &[u8; 32]) -> u32 {
    queries.iter().map(|q| hamming(q, stored)).min().unwrap_or(256)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binomial_sum(n: u32, k: u32) -> usize {
        (0..=k).map(|i| (0..i).fold(1usize, |acc, j| acc * (n - j) as usize / (j + 1) as usize)).sum()
    }

    #[test]
    fn neighbours_are_exactly_the_values_within_reach() {
        for within in 0..=3 {
            let value = 0b1010_0000_1111_0001;
            let found = neighbours(value, within);
            assert_eq!(found[0], value);
            assert_eq!(found.len(), binomial_sum(16, within), "within {within}");
            let mut distinct = found.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), found.len(), "no repeats within {within}");
            assert!(found.iter().all(|v| (v ^ value).count_ones() <= within));
        }
    }

    #[test]
    fn chunks_are_big_endian_byte_pairs() {
        let mut bits = [0u8; 32];
        bits[0] = 0xAB;
        bits[1] = 0xCD;
        bits[31] = 0x01;
        let c = chunks(&bits);
        assert_eq!(c[0], 0xABCD);
        assert_eq!(c[15], 0x0001);
        assert!(c[1..15].iter().all(|v| *v == 0));
    }

    #[test]
    fn radius_31_probes_each_value_and_its_16_one_bit_neighbours() {
        let query = [0x5Au8; 32];
        let probes = ChunkProbes::new(&[query], 31).expect("served");
        assert!(probes.values.iter().all(|v| v.len() == 17));
        assert_eq!(ChunkProbes::new(&[query], 15).expect("served").len(), 16);
        assert!(ChunkProbes::new(&[query], MAX_RADIUS + 1).is_none());
        let (numbers, values) = probes.as_columns();
        assert_eq!(numbers.len(), 16 * 17);
        assert_eq!(values.len(), numbers.len());
    }

    #[test]
    fn pigeonhole_guarantees_a_probed_chunk_for_any_hash_within_radius() {
        let query = [0x33u8; 32];
        let probes = ChunkProbes::new(&[query], 31).expect("served");
        // Spread 31 flipped bits as evenly as possible: 15 chunks get 2, one gets 1.
        let mut near = query;
        for chunk in 0..16 {
            let flips = if chunk == 7 { 1 } else { 2 };
            for bit in 0..flips {
                near[2 * chunk + bit] ^= 0x01;
            }
        }
        assert_eq!(hamming(&query, &near), 31);
        let hit = chunks(&near).iter().enumerate().any(|(no, v)| probes.values[no].binary_search(v).is_ok());
        assert!(hit);
    }

    #[test]
    fn min_distance_takes_the_closest_query() {
        let a = [0u8; 32];
        let mut b = [0u8; 32];
        b[0] = 0xFF;
        assert_eq!(hamming(&a, &b), 8);
        assert_eq!(min_distance(&[b, a], &a), 0);
        assert_eq!(min_distance(&[], &a), 256);
    }
}
