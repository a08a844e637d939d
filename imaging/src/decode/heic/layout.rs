//! The HEIF items of a primary image, read from the `meta` box: what the avcodec fast path
//! needs to decode it without libheif (the coded tiles, their `hvcC`, the grid, the
//! transforms). Anything this does not understand is reported as `None`/`Err`, and the
//! caller falls back to libheif, which stays the reference for every file.

use std::borrow::Cow;

use crate::container::isobmff::{children, item_locations, read_uint, BoxCut, BoxRef, Location, Reader};

/// A four-character box or item type.
pub type FourCc = [u8; 4];

/// One item property from `ipco`, as far as the fast path cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Property<'a> {
    /// HEVC decoder configuration (`hvcC`), the whole payload.
    HvcC(&'a [u8]),
    /// Image spatial extents (`ispe`).
    Ispe { width: u32, height: u32 },
    /// `colr` of type `nclx`: ISO/IEC 23091-2 code points.
    Nclx { matrix: u16, full_range: bool },
    /// Rotation anti-clockwise by `quarters` × 90°.
    Irot { quarters: u8 },
    /// Mirroring (`imir`): libheif reads axis 0 as "flip vertically", 1 as "flip horizontally".
    Imir { horizontal: bool },
    /// A property with no effect on the pixels (`pixi`, `colr` ICC, ...).
    Informative,
    /// Anything else (`clap`, `iscl`, `lsel`, unknown): the fast path declines.
    Other(FourCc),
}

/// What the primary image is made of.
#[derive(Debug)]
pub struct PrimaryImage<'a> {
    /// The primary item's own properties, in association order (libheif applies the
    /// transforms in this order).
    pub properties: Vec<Property<'a>>,
    /// The coded HEVC images: one for an `hvc1` item, row-major tiles for a `grid`.
    pub tiles: Vec<Tile<'a>>,
    /// Tile columns and rows (1×1 for a plain `hvc1` item).
    pub columns: u32,
    pub rows: u32,
    /// The canvas size before the transforms: the grid's output size, or the tile's `ispe`.
    pub width: u32,
    pub height: u32,
}

/// One coded HEVC image item.
#[derive(Debug)]
pub struct Tile<'a> {
    pub data: Cow<'a, [u8]>,
    pub properties: Vec<Property<'a>>,
}

impl Tile<'_> {
    pub fn hvcc(&self) -> Option<&[u8]> {
        self.properties.iter().find_map(|p| match p {
            Property::HvcC(h) => Some(*h),
            _ => None,
        })
    }

    pub fn ispe(&self) -> Option<(u32, u32)> {
        self.properties.iter().find_map(|p| match p {
            Property::Ispe { width, height } => Some((*width, *height)),
            _ => None,
        })
    }
}

/// Why the fast path cannot take this file (the file may still be perfectly valid).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HEIF layout: {0}")]
pub struct LayoutError(pub String);

fn declined(what: impl Into<String>) -> LayoutError {
    LayoutError(what.into())
}

impl From<BoxCut> for LayoutError {
    fn from(_: BoxCut) -> LayoutError {
        declined("box cut short")
    }
}

/// Reads the primary image's layout from a complete HEIF file.
pub fn primary_image(bytes: &[u8]) -> Result<PrimaryImage<'_>, LayoutError> {
    let meta = children(bytes).find(|b| &b.kind == b"meta").ok_or_else(|| declined("no meta box"))?;
    let boxes: Vec<BoxRef<'_>> =
        children(meta.payload.get(4..).ok_or_else(|| declined("short meta"))?).collect();
    let find = |kind: &FourCc| boxes.iter().find(|b| &b.kind == kind).map(|b| b.payload);
    let pitm = find(b"pitm").ok_or_else(|| declined("no pitm"))?;
    let primary = {
        let mut r = Reader::new(pitm);
        let version = r.take(4)? >> 24;
        r.take(if version == 0 { 2 } else { 4 })?
    };
    let items = Items {
        bytes,
        types: item_types(find(b"iinf").ok_or_else(|| declined("no iinf"))?)?,
        locations: file_locations(find(b"iloc").ok_or_else(|| declined("no iloc"))?)?,
        idat: find(b"idat"),
        references: find(b"iref").map(item_references).transpose()?.unwrap_or_default(),
        properties: find(b"iprp").map(item_properties).transpose()?.unwrap_or_default(),
    };
    items.primary(primary)
}

struct Items<'a> {
    bytes: &'a [u8],
    types: Vec<(u64, FourCc)>,
    locations: Vec<Location>,
    idat: Option<&'a [u8]>,
    /// (type, from, to)
    references: Vec<(FourCc, u64, Vec<u64>)>,
    /// Each item's properties in association order.
    properties: Vec<(u64, Vec<Property<'a>>)>,
}

impl<'a> Items<'a> {
    fn primary(&self, id: u64) -> Result<PrimaryImage<'a>, LayoutError> {
        let properties = self.properties_of(id);
        match &self.kind(id)? {
            b"hvc1" => {
                let tile = self.tile(id)?;
                let (width, height) = tile.ispe().ok_or_else(|| declined("hvc1 without ispe"))?;
                Ok(PrimaryImage { properties, tiles: vec![tile], columns: 1, rows: 1, width, height })
            }
            b"grid" => {
                let descriptor = self.data(id)?;
                let mut r = Reader::new(&descriptor);
                let flags = r.take(2)? & 0xFF;
                let rows = r.take(1)? as u32 + 1;
                let columns = r.take(1)? as u32 + 1;
                let field = if flags & 1 == 1 { 4 } else { 2 };
                let (width, height) = (r.take(field)? as u32, r.take(field)? as u32);
                let ids = self
                    .references
                    .iter()
                    .find(|(kind, from, _)| kind == b"dimg" && *from == id)
                    .map(|(_, _, to)| to.clone())
                    .ok_or_else(|| declined("grid without dimg"))?;
                if ids.len() as u64 != u64::from(rows) * u64::from(columns) {
                    return Err(declined("grid tile count"));
                }
                let tiles = ids.iter().map(|&t| self.tile(t)).collect::<Result<Vec<_>, _>>()?;
                Ok(PrimaryImage { properties, tiles, columns, rows, width, height })
            }
            other => Err(declined(format!("primary item of type {}", String::from_utf8_lossy(other)))),
        }
    }

    fn kind(&self, id: u64) -> Result<FourCc, LayoutError> {
        self.types
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, k)| *k)
            .ok_or_else(|| declined("item without infe"))
    }

    fn tile(&self, id: u64) -> Result<Tile<'a>, LayoutError> {
        if &self.kind(id)? != b"hvc1" {
            return Err(declined("a tile that is not hvc1"));
        }
        Ok(Tile { data: self.data(id)?, properties: self.properties_of(id) })
    }

    fn properties_of(&self, id: u64) -> Vec<Property<'a>> {
        self.properties.iter().find(|(i, _)| *i == id).map(|(_, p)| p.clone()).unwrap_or_default()
    }

    /// An item's bytes: borrowed when it is one extent, concatenated otherwise.
    fn data(&self, id: u64) -> Result<Cow<'a, [u8]>, LayoutError> {
        let location =
            self.locations.iter().find(|l| l.item == id).ok_or_else(|| declined("item without iloc"))?;
        let source = match location.method {
            0 => self.bytes,
            1 => self.idat.ok_or_else(|| declined("idat item without idat"))?,
            _ => return Err(declined("item constructed from other items")),
        };
        let slice = |&(offset, length): &(u64, u64)| -> Result<&'a [u8], LayoutError> {
            let start = usize::try_from(location.base.checked_add(offset).ok_or_else(|| declined("offset"))?)
                .map_err(|_| declined("offset"))?;
            let length = usize::try_from(length).map_err(|_| declined("length"))?;
            // Length 0 means "to the end": libheif's job, not ours.
            (length > 0)
                .then(|| source.get(start..start.checked_add(length)?))
                .flatten()
                .ok_or_else(|| declined("extent outside its source"))
        };
        match location.extents.as_slice() {
            [one] => slice(one).map(Cow::Borrowed),
            many => many.iter().map(slice).collect::<Result<Vec<_>, _>>().map(|s| Cow::Owned(s.concat())),
        }
    }
}

/// `iinf`: item ids and types (`infe` versions 2 and 3 only, as HEIF requires).
fn item_types(iinf: &[u8]) -> Result<Vec<(u64, FourCc)>, LayoutError> {
    let mut r = Reader::new(iinf);
    let version = r.take(4)? >> 24;
    r.take(if version == 0 { 2 } else { 4 })?;
    children(r.rest())
        .filter(|b| &b.kind == b"infe")
        .map(|infe| {
            let mut r = Reader::new(infe.payload);
            let version = r.take(4)? >> 24;
            if version < 2 {
                return Err(declined("infe version < 2"));
            }
            let id = r.take(if version >= 3 { 4 } else { 2 })?;
            r.take(2)?; // protection index
            Ok((id, r.fourcc()?))
        })
        .collect()
}

/// `iloc`, with every item's data in this file (data reference 0).
fn file_locations(iloc: &[u8]) -> Result<Vec<Location>, LayoutError> {
    let locations = item_locations(iloc)?;
    if locations.iter().any(|l| l.data_reference != 0) {
        return Err(declined("item data in another file"));
    }
    Ok(locations)
}

/// `iref`: every reference box as (type, from, to).
fn item_references(iref: &[u8]) -> Result<Vec<(FourCc, u64, Vec<u64>)>, LayoutError> {
    let mut r = Reader::new(iref);
    let id_size = if r.take(4)? >> 24 == 0 { 2 } else { 4 };
    children(r.rest())
        .map(|b| {
            let mut r = Reader::new(b.payload);
            let from = r.take(id_size)?;
            let count = r.take(2)?;
            let to = (0..count).map(|_| r.take(id_size)).collect::<Result<Vec<_>, _>>()?;
            Ok((b.kind, from, to))
        })
        .collect()
}

/// `iprp`: the `ipco` properties joined to the items through `ipma`.
fn item_properties(iprp: &[u8]) -> Result<Vec<(u64, Vec<Property<'_>>)>, LayoutError> {
    let ipco_box = children(iprp).find(|b| &b.kind == b"ipco").ok_or_else(|| declined("no ipco"))?;
    let ipco: Vec<Property<'_>> = children(ipco_box.payload).map(property).collect();
    let mut associations = Vec::new();
    for ipma in children(iprp).filter(|b| &b.kind == b"ipma") {
        let mut r = Reader::new(ipma.payload);
        let version_flags = r.take(4)?;
        let (version, wide) = (version_flags >> 24, version_flags & 1 == 1);
        for _ in 0..r.take(4)? {
            let item = r.take(if version < 1 { 2 } else { 4 })?;
            let mut props = Vec::new();
            for _ in 0..r.take(1)? {
                let index = if wide { r.take(2)? & 0x7FFF } else { r.take(1)? & 0x7F };
                // Index 0 means "no property".
                if index > 0 {
                    let p = usize::try_from(index - 1).ok().and_then(|i| ipco.get(i));
                    props.push(p.cloned().ok_or_else(|| declined("ipma points past ipco"))?);
                }
            }
            associations.push((item, props));
        }
    }
    Ok(associations)
}

fn property(b: BoxRef<'_>) -> Property<'_> {
    let p = b.payload;
    let u32_at = |i: usize| p.get(i..i + 4).and_then(read_uint).map(|v| v as u32);
    let parsed = match &b.kind {
        b"hvcC" => Some(Property::HvcC(p)),
        // Full box: 4 bytes of version and flags first.
        b"ispe" => u32_at(4).zip(u32_at(8)).map(|(width, height)| Property::Ispe { width, height }),
        b"irot" => p.first().map(|a| Property::Irot { quarters: a & 3 }),
        b"imir" => p.first().map(|a| Property::Imir { horizontal: a & 1 == 1 }),
        b"colr" if p.get(..4) == Some(b"nclx") => p.get(8..11).map(|s| Property::Nclx {
            matrix: u16::from_be_bytes([s[0], s[1]]),
            full_range: s[2] & 0x80 != 0,
        }),
        b"colr" | b"pixi" => Some(Property::Informative),
        _ => None,
    };
    parsed.unwrap_or(Property::Other(b.kind))
}
