//! A PDQ hash as four 64-bit words, the shape the in-memory index scores with: four
//! XOR + popcount per comparison instead of 32 byte operations.

/// A 256-bit hash, word 0 holding bits 0–63 (the first 8 bytes, big-endian), so bit `i`
/// of the hash is bit `63 - i % 64` of word `i / 64`.
pub type Hash256 = [u64; 4];

/// The words of a hash given as 32 bytes (first byte = first 8 bits).
pub fn from_bytes(bytes: &[u8; 32]) -> Hash256 {
    std::array::from_fn(|w| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[8 * w..8 * w + 8]);
        u64::from_be_bytes(word)
    })
}

/// Hamming distance between two hashes.
#[inline]
pub fn distance(a: &Hash256, b: &Hash256) -> u32 {
    (a[0] ^ b[0]).count_ones()
        + (a[1] ^ b[1]).count_ones()
        + (a[2] ^ b[2]).count_ones()
        + (a[3] ^ b[3]).count_ones()
}

/// The smallest distance from `stored` to any of `queries` (257 for none, beyond any
/// radius).
#[inline]
pub fn min_distance(queries: &[Hash256], stored: &Hash256) -> u32 {
    let mut best = 257;
    for q in queries {
        best = best.min(distance(q, stored));
    }
    best
}

/// `bits` consecutive bits of `hash` starting at bit `start` (1 ≤ bits ≤ 32, start +
/// bits ≤ 256), as an unsigned number whose most significant bit is bit `start`.
#[inline]
pub fn bit_field(hash: &Hash256, start: u32, bits: u32) -> u32 {
    debug_assert!((1..=32).contains(&bits) && start + bits <= 256);
    let word = (start / 64) as usize;
    let offset = start % 64;
    // The field left-aligned in 64 bits: the rest of this word, then the next word's head
    // when the field straddles the boundary.
    let mut aligned = hash[word] << offset;
    if offset != 0 && word + 1 < 4 {
        aligned |= hash[word + 1] >> (64 - offset);
    }
    (aligned >> (64 - bits)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_big_endian_and_fields_read_across_words() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0x80;
        bytes[7] = 0x01;
        bytes[8] = 0xFF;
        let h = from_bytes(&bytes);
        assert_eq!(h[0], 0x8000_0000_0000_0001);
        assert_eq!(h[1], 0xFF00_0000_0000_0000);
        assert_eq!(bit_field(&h, 0, 1), 1);
        assert_eq!(bit_field(&h, 1, 23), 0);
        // Bits 60..68: 0001 (end of word 0) then 1111 (start of word 1).
        assert_eq!(bit_field(&h, 60, 8), 0b0001_1111);
        assert_eq!(bit_field(&h, 232, 24), 0);
        let ones = [u64::MAX; 4];
        assert_eq!(bit_field(&ones, 232, 24), 0xFF_FFFF);
    }

    #[test]
    fn distances_count_differing_bits() {
        let a = [0u64; 4];
        let b = [1u64, 3, 0, u64::MAX];
        assert_eq!(distance(&a, &b), 67);
        assert_eq!(min_distance(&[b, a], &a), 0);
        assert_eq!(min_distance(&[], &a), 257);
    }
}
