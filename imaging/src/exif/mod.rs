//! EXIF facts from a raw TIFF-structured EXIF block (kamadak-exif).
//!
//! The block comes from the container: the `APP1 Exif` segment of a JPEG, the primary
//! image's `Exif` item of a HEIF (via libheif), the `eXIf` chunk of a PNG. Broken EXIF never
//! fails a photo: whatever could be read is kept, the rest is absent.

mod gps;

use exif::{Exif, Field, In, Tag, Value};
use punchline_domain::ExifFacts;

/// Reads the facts from a TIFF-structured EXIF block. `None` means no block at all.
pub fn read_facts(tiff: Option<&[u8]>) -> ExifFacts {
    let Some(tiff) = tiff else {
        return ExifFacts::default();
    };
    let mut facts = ExifFacts { present: true, ..ExifFacts::default() };
    let Some(exif) = parse(tiff) else {
        return facts;
    };
    facts.make = text(&exif, Tag::Make);
    facts.model = text(&exif, Tag::Model);
    facts.datetime_original = text(&exif, Tag::DateTimeOriginal).filter(|s| looks_like_exif_datetime(s));
    facts.offset = text(&exif, Tag::OffsetTimeOriginal).filter(|s| looks_like_offset(s));
    facts.subsec_original =
        text(&exif, Tag::SubSecTimeOriginal).filter(|s| s.bytes().all(|c| c.is_ascii_digit()));
    facts.datetime = text(&exif, Tag::DateTime).filter(|s| looks_like_exif_datetime(s));
    facts.datetime_offset = text(&exif, Tag::OffsetTime).filter(|s| looks_like_offset(s));
    facts.software = text(&exif, Tag::Software);
    facts.orientation =
        field(&exif, Tag::Orientation).and_then(first_uint).and_then(|v| u16::try_from(v).ok());
    facts.orientation = facts.orientation.filter(|o| (1..=8).contains(o));
    facts.gps = gps::position(&exif);
    facts.gps_utc = gps::utc_timestamp(&exif);
    facts
}

/// Parses leniently: a block with some broken entries still yields the readable ones.
fn parse(tiff: &[u8]) -> Option<Exif> {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    match reader.read_raw(tiff.to_vec()) {
        Ok(exif) => Some(exif),
        Err(e) => e.distill_partial_result(|_errors| {}).ok(),
    }
}

fn field(exif: &Exif, tag: Tag) -> Option<&Field> {
    exif.get_field(tag, In::PRIMARY)
}

/// An ASCII tag as a trimmed string; empty or blank values are absent.
fn text(exif: &Exif, tag: Tag) -> Option<String> {
    let Value::Ascii(parts) = &field(exif, tag)?.value else {
        return None;
    };
    let raw = parts.first()?;
    let s = String::from_utf8_lossy(raw);
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

fn first_uint(f: &Field) -> Option<u32> {
    f.value.get_uint(0)
}

/// `YYYY:MM:DD HH:MM:SS` with digits where digits belong (cameras write blanks when unset).
fn looks_like_exif_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[..19].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b':' || *c == b'-',
            10 => *c == b' ' || *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
        && &b[..4] != b"0000"
}

/// `+HH:MM` / `-HH:MM`.
fn looks_like_offset(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6
        && (b[0] == b'+' || b[0] == b'-')
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
        && b[3] == b':'
        && b[4].is_ascii_digit()
        && b[5].is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_block_is_absent_and_garbage_is_present_but_empty() {
        assert_eq!(read_facts(None), ExifFacts::default());
        let facts = read_facts(Some(b"this is not TIFF at all"));
        assert!(facts.present);
        assert_eq!(facts.make, None);
        assert_eq!(facts.gps, None);
    }

    #[test]
    fn datetime_shapes() {
        assert!(looks_like_exif_datetime("2021:07:06 16:08:14"));
        assert!(!looks_like_exif_datetime("    :  :     :  :  "));
        assert!(!looks_like_exif_datetime("0000:00:00 00:00:00"));
        assert!(looks_like_offset("+03:00") && looks_like_offset("-04:00"));
        assert!(!looks_like_offset("03:00"));
    }
}
