//! PDQ hashes as PostgreSQL `bit(256)` values, which XOR (`#`) and `bit_count()` work on.

use crate::records::RecordsError;

/// The `bit(256)` input text for a hash: `x` and 64 hex digits (bit_in's hex form).
pub(super) fn to_bit_input(bits: &[u8; 32]) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(65);
    text.push('x');
    for byte in bits {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// A hash from a `bit(256)` value's text output (256 `0`/`1` digits, first bit first).
pub(super) fn from_bit_output(text: &str) -> Result<[u8; 32], RecordsError> {
    let digits = text.as_bytes();
    if digits.len() != 256 || !digits.iter().all(|d| matches!(d, b'0' | b'1')) {
        return Err(RecordsError::corrupt("a stored PDQ is not 256 binary digits"));
    }
    let mut bits = [0u8; 32];
    for (i, digit) in digits.iter().enumerate() {
        if *digit == b'1' {
            bits[i / 8] |= 0x80 >> (i % 8);
        }
    }
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_x_and_hex_and_output_parses_back() {
        let mut bits = [0u8; 32];
        bits[0] = 0xA5;
        bits[31] = 0x01;
        let input = to_bit_input(&bits);
        assert_eq!(input.len(), 65);
        assert!(input.starts_with("xa5"));
        let output: String = bits.iter().map(|b| format!("{b:08b}")).collect();
        assert_eq!(from_bit_output(&output).ok(), Some(bits));
        assert!(from_bit_output("0101").is_err());
    }
}
