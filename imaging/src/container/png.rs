//! The PNG header: the size is in the IHDR chunk, the first after the signature.

use crate::error::ImageError;

/// Width and height from IHDR.
pub fn dimensions(bytes: &[u8]) -> Result<(u32, u32), ImageError> {
    // 8-byte signature, 4-byte length, "IHDR", then width and height (big-endian).
    let ihdr = bytes.get(8..24).ok_or_else(|| {
        ImageError::Truncated(format!("PNG ends inside its header ({} bytes)", bytes.len()))
    })?;
    if &ihdr[4..8] != b"IHDR" {
        return Err(ImageError::DecodeFailed("PNG does not start with an IHDR chunk".into()));
    }
    let width = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
    let height = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
    if width == 0 || height == 0 {
        return Err(ImageError::DecodeFailed(format!("PNG declares an empty {width}x{height} image")));
    }
    Ok((width, height))
}

/// Whether the IEND chunk is present (a PNG without it was cut short).
pub fn has_end(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[bytes.len() - 8..bytes.len() - 4] == b"IEND"
}

/// The payload of the `eXIf` chunk (a TIFF-structured EXIF block), if present.
pub fn exif_chunk(bytes: &[u8]) -> Option<&[u8]> {
    let mut at = 8usize;
    while let Some(header) = bytes.get(at..at + 8) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        let data = bytes.get(at + 8..at + 8 + len)?;
        match kind {
            b"eXIf" => return Some(data),
            b"IDAT" | b"IEND" => return None, // eXIf must precede the image data
            _ => at += 12 + len,
        }
    }
    None
}
