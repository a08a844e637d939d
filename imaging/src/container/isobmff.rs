//! Just enough of ISO-BMFF (the HEIF container) to notice truncation and find items.
//! Decoding stays libheif's job; this only reads box headers. The `ftyp` brands that make
//! a file a HEIC photo are judged in `punchline_domain::media`, shared with ingest.

/// Why the file looks cut short, if it does. Checked, in order: a top-level box that runs
/// past the end; an item (`iloc`) whose data does; and an HEVC item that ends exactly at the
/// end of the file while its last NAL unit claims more bytes than remain. libheif decodes
/// such files without error (it conceals the missing HEVC data), so truncation has to be
/// caught here.
pub fn truncation(bytes: &[u8]) -> Option<String> {
    let len = bytes.len() as u64;
    if let Some(end) = boxes_end_beyond(bytes) {
        return Some(format!("HEIF boxes declare {end} bytes but the file has {len}"));
    }
    let items = ItemTable::read(bytes)?;
    if let Some(end) = items.extents.iter().map(Extent::end).max().filter(|&end| end > len) {
        return Some(format!("HEIF items reference data up to byte {end} but the file has {len}"));
    }
    items
        .extents
        .iter()
        .filter(|e| e.end() == len && items.hevc_items.contains(&e.item))
        .find_map(|e| nal_overrun(bytes, e))
        .map(|missing| format!("the last HEVC unit needs {missing} more bytes than the file has"))
}

fn boxes_end_beyond(bytes: &[u8]) -> Option<u64> {
    let len = bytes.len() as u64;
    let mut at: u64 = 0;
    while at + 8 <= len {
        let i = at as usize;
        let size = match read_uint(&bytes[i..i + 4])? {
            0 => return None, // the box runs to the end of the file
            1 => read_uint(bytes.get(i + 8..i + 16)?)?,
            n => n,
        };
        if size < 8 {
            return None; // malformed: libheif will say more than we can
        }
        let end = at.checked_add(size)?;
        if end > len {
            return Some(end);
        }
        at = end;
    }
    None
}

/// Bytes missing from the 4-byte-length-prefixed NAL units of one extent, if any.
fn nal_overrun(bytes: &[u8], extent: &Extent) -> Option<u64> {
    let end = extent.end();
    let mut at = extent.offset;
    while at + 4 <= end {
        let i = usize::try_from(at).ok()?;
        at += 4 + read_uint(bytes.get(i..i + 4)?)?;
    }
    (at > end).then(|| at - end)
}

/// A box: its type and payload.
pub(crate) struct BoxRef<'a> {
    pub(crate) kind: [u8; 4],
    pub(crate) payload: &'a [u8],
}

/// The complete boxes inside `bytes`, stopping at the first malformed or cut one.
pub(crate) fn children(bytes: &[u8]) -> impl Iterator<Item = BoxRef<'_>> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let header = bytes.get(at..at.checked_add(8)?)?;
        let kind = [header[4], header[5], header[6], header[7]];
        let (size, header_len) = match read_uint(&header[..4])? {
            0 => (bytes.len() - at, 8),
            1 => (usize::try_from(read_uint(bytes.get(at + 8..at + 16)?)?).ok()?, 16),
            n => (usize::try_from(n).ok()?, 8),
        };
        if size < header_len {
            return None;
        }
        let payload = bytes.get(at + header_len..at.checked_add(size)?)?;
        at += size;
        Some(BoxRef { kind, payload })
    })
}

/// A big-endian unsigned integer of 0–8 bytes.
pub(crate) fn read_uint(bytes: &[u8]) -> Option<u64> {
    (bytes.len() <= 8).then(|| bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// A box's fields ran past its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BoxCut;

/// Reads a box's fields in order.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, at: 0 }
    }

    /// The next `n` bytes as a big-endian unsigned integer.
    pub(crate) fn take(&mut self, n: usize) -> Result<u64, BoxCut> {
        let end = self.at.checked_add(n).ok_or(BoxCut)?;
        let v = self.data.get(self.at..end).and_then(read_uint).ok_or(BoxCut)?;
        self.at = end;
        Ok(v)
    }

    /// The next four bytes as a box or item type.
    pub(crate) fn fourcc(&mut self) -> Result<[u8; 4], BoxCut> {
        Ok((self.take(4)? as u32).to_be_bytes())
    }

    /// What is left after the fields read so far.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.data.get(self.at..).unwrap_or_default()
    }
}

/// Where one item's data lies, as `iloc` says.
pub(crate) struct Location {
    pub(crate) item: u64,
    /// 0: file offsets; 1: offsets into `idat`; 2: item references.
    pub(crate) method: u64,
    /// 0: this file.
    pub(crate) data_reference: u64,
    pub(crate) base: u64,
    /// `(offset from base, length)`; length 0 means "to the end".
    pub(crate) extents: Vec<(u64, u64)>,
}

/// `iloc`, ISO/IEC 14496-12 §8.11.3, versions 0–2.
pub(crate) fn item_locations(iloc: &[u8]) -> Result<Vec<Location>, BoxCut> {
    let mut r = Reader::new(iloc);
    let version = r.take(4)? >> 24;
    let sizes = r.take(2)?;
    let field = |shift: u64| ((sizes >> shift) & 0xF) as usize;
    let (offset_size, length_size, base_size) = (field(12), field(8), field(4));
    let index_size = if version >= 1 { field(0) } else { 0 };
    let id_size = if version >= 2 { 4 } else { 2 };
    let count = r.take(id_size)?;
    let mut locations = Vec::new();
    for _ in 0..count {
        let item = r.take(id_size)?;
        let method = if version >= 1 { r.take(2)? & 0xF } else { 0 };
        let data_reference = r.take(2)?;
        let base = r.take(base_size)?;
        let mut extents = Vec::new();
        for _ in 0..r.take(2)? {
            r.take(index_size)?;
            extents.push((r.take(offset_size)?, r.take(length_size)?));
        }
        locations.push(Location { item, method, data_reference, base, extents });
    }
    Ok(locations)
}

/// One piece of an item's data, addressed by file offset.
struct Extent {
    item: u64,
    offset: u64,
    length: u64,
}

impl Extent {
    fn end(&self) -> u64 {
        self.offset.saturating_add(self.length)
    }
}

/// The items of the `meta` box: where their data lies (`iloc`) and which are HEVC (`iinf`).
struct ItemTable {
    extents: Vec<Extent>,
    hevc_items: Vec<u64>,
}

impl ItemTable {
    fn read(bytes: &[u8]) -> Option<ItemTable> {
        let meta = children(bytes).find(|b| &b.kind == b"meta")?;
        // `meta` is a full box: 4 bytes of version and flags before its children.
        let boxes: Vec<BoxRef<'_>> = children(meta.payload.get(4..)?).collect();
        let iloc = boxes.iter().find(|b| &b.kind == b"iloc")?;
        // Extents stored in this file by offset (construction method 0, data reference 0)
        // with a known length: the ones a cut file can be missing.
        let extents =
            item_locations(iloc.payload)
                .ok()?
                .into_iter()
                .filter(|l| l.method == 0 && l.data_reference == 0)
                .flat_map(|l| {
                    l.extents.into_iter().filter(|(_, length)| *length > 0).map(move |(offset, length)| {
                        Extent { item: l.item, offset: l.base.saturating_add(offset), length }
                    })
                })
                .collect();
        let hevc_items = boxes
            .iter()
            .find(|b| &b.kind == b"iinf")
            .and_then(|b| hevc_item_ids(b.payload))
            .unwrap_or_default();
        Some(ItemTable { extents, hevc_items })
    }
}

/// `iinf`: the ids of items of type `hvc1` (HEVC-coded images and grid tiles).
fn hevc_item_ids(iinf: &[u8]) -> Option<Vec<u64>> {
    let mut r = Reader::new(iinf);
    let version = r.take(4).ok()? >> 24;
    r.take(if version == 0 { 2 } else { 4 }).ok()?; // entry count
    Some(
        children(r.rest())
            .filter(|b| &b.kind == b"infe")
            .filter_map(|infe| {
                let version = *infe.payload.first()?;
                let id_size = if version >= 3 { 4 } else { 2 };
                let id = read_uint(infe.payload.get(4..4 + id_size)?)?;
                let kind = infe.payload.get(4 + id_size + 2..4 + id_size + 6)?;
                (version >= 2 && kind == b"hvc1").then_some(id)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], payload: usize) -> Vec<u8> {
        let mut v = ((payload + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.resize(payload + 8, 0);
        v
    }

    #[test]
    fn complete_files_are_not_truncated() {
        let mut f = boxed(b"ftyp", 8);
        f.extend(boxed(b"meta", 40));
        f.extend(boxed(b"mdat", 1000));
        assert_eq!(truncation(&f), None);
    }

    #[test]
    fn a_short_mdat_is_truncation() {
        let mut f = boxed(b"ftyp", 8);
        f.extend(boxed(b"mdat", 1000));
        let cut = &f[..f.len() - 10];
        assert!(truncation(cut).is_some_and(|r| r.contains(&f.len().to_string())));
    }
}
