//! JPEG segment structure: the frame size, the EXIF block, and whether the file reaches
//! its end-of-image marker.
//!
//! Lenient decoders fill a cut-short JPEG with grey and call it fine; punchline decides on
//! purpose that a JPEG whose entropy-coded data runs off the end of the file is
//! `truncated`, whatever a decoder would make of it.

use memchr::memchr;

use crate::error::ImageError;

/// What the segment walk found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JpegStructure<'a> {
    /// Width and height from the first start-of-frame segment.
    pub frame: Option<(u32, u32)>,
    /// The TIFF bytes of the first `APP1 Exif` segment (after the `Exif\0\0` header).
    pub exif: Option<&'a [u8]>,
    /// Whether an end-of-image marker ends the entropy-coded data.
    pub complete: bool,
}

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP1: u8 = 0xE1;

/// Walks the segments from SOI to EOI. Never reads past the end of `bytes`.
pub fn structure(bytes: &[u8]) -> Result<JpegStructure<'_>, ImageError> {
    let mut found = JpegStructure::default();
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != SOI {
        return Err(ImageError::NotAnImage("no JPEG start-of-image marker".into()));
    }
    let mut at = 2usize;
    loop {
        let Some(marker_at) = next_marker(bytes, at) else {
            return Ok(found);
        };
        let marker = bytes[marker_at + 1];
        at = marker_at + 2;
        match marker {
            EOI => {
                found.complete = true;
                return Ok(found);
            }
            SOI | 0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = bytes.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]) as usize) else {
            return Ok(found);
        };
        let Some(payload) = bytes.get(at + 2..at + len.max(2)) else {
            return Ok(found); // the segment runs off the end
        };
        read_segment(marker, payload, &mut found);
        at += len.max(2);
        if marker == SOS {
            at = skip_entropy_coded(bytes, at);
        }
    }
}

fn read_segment<'a>(marker: u8, payload: &'a [u8], found: &mut JpegStructure<'a>) {
    match marker {
        // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        0xC0..=0xCF
            if !matches!(marker, 0xC4 | 0xC8 | 0xCC) && found.frame.is_none() && payload.len() >= 5 =>
        {
            let height = u16::from_be_bytes([payload[1], payload[2]]) as u32;
            let width = u16::from_be_bytes([payload[3], payload[4]]) as u32;
            found.frame = Some((width, height));
        }
        APP1 if found.exif.is_none() && payload.starts_with(b"Exif\0\0") => {
            found.exif = Some(&payload[6..]);
        }
        _ => {}
    }
}

/// The position of the next marker (0xFF followed by a marker byte) at or after `from`.
fn next_marker(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at + 1 < bytes.len() {
        if bytes[at] == 0xFF && bytes[at + 1] != 0xFF && bytes[at + 1] != 0x00 {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// Skips scan data to the next marker that is not a stuffed byte or a restart marker.
fn skip_entropy_coded(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(offset) = bytes.get(at..).and_then(|rest| memchr(0xFF, rest)) {
        let ff = at + offset;
        match bytes.get(ff + 1) {
            None => return bytes.len(),
            Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => at = ff + 1,
            Some(_) => return ff,
        }
    }
    bytes.len()
}

/// The frame size, or why it cannot be read.
pub fn dimensions(found: &JpegStructure<'_>) -> Result<(u32, u32), ImageError> {
    match found.frame {
        Some((w, h)) if w > 0 && h > 0 => Ok((w, h)),
        Some((w, h)) => Err(ImageError::DecodeFailed(format!("JPEG frame declares {w}x{h}"))),
        None if found.complete => Err(ImageError::DecodeFailed("JPEG has no start-of-frame segment".into())),
        None => Err(ImageError::Truncated("JPEG ends before its frame header".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, marker];
        v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    fn tiny_jpeg(with_eoi: bool) -> Vec<u8> {
        let mut v = vec![0xFF, SOI];
        v.extend(segment(APP1, b"Exif\0\0MM\0*"));
        v.extend(segment(0xC0, &[8, 0, 10, 0, 20, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]));
        v.extend(segment(SOS, &[3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]));
        // Scan data with a stuffed 0xFF00 and a restart marker, neither of which ends it.
        v.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        if with_eoi {
            v.extend_from_slice(&[0xFF, EOI]);
        }
        v
    }

    #[test]
    fn reads_frame_exif_and_end() {
        let bytes = tiny_jpeg(true);
        let s = structure(&bytes).unwrap();
        assert_eq!(s.frame, Some((20, 10)));
        assert_eq!(s.exif, Some(&b"MM\0*"[..]));
        assert!(s.complete);
    }

    #[test]
    fn a_cut_scan_is_incomplete_at_every_length() {
        let bytes = tiny_jpeg(true);
        // Every strict prefix lacks its EOI; none panics.
        for cut in 0..bytes.len() {
            if let Ok(s) = structure(&bytes[..cut]) {
                assert!(!s.complete, "cut at {cut}");
            }
        }
        assert!(!structure(&tiny_jpeg(false)).unwrap().complete);
    }
}
