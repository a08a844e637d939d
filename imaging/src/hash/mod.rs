//! Hashes of a photo: SHA-256 of the bytes as uploaded (exact duplicates) and PDQ of the
//! displayed pixels (the same picture re-encoded, resized, rotated or mirrored).

pub mod pdq;

use sha2::{Digest, Sha256};

/// SHA-256 of the uploaded bytes.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
