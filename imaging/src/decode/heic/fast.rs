//! The fast path for the common HEIC: an `hvc1` image or a grid of `hvc1` tiles, 8-bit
//! 4:2:0, full range, no alpha, transforms limited to `irot`/`imir`. The tiles are decoded
//! by avcodec, converted to RGB as libheif converts them and written straight into the
//! displayed image. Anything else is `Declined` and the caller decodes with libheif.

use super::avcodec::{self, Decoder, Picture, INPUT_PADDING};
use super::layout::{self, PrimaryImage, Property, Tile};
use super::yuv::{place_row, Coefficients, Geometry};
use crate::raster::Rgb8;

/// Why the fast path did not decode a file. Never shown to users: libheif takes over.
#[derive(Debug, thiserror::Error)]
pub enum Declined {
    #[error(transparent)]
    Layout(#[from] layout::LayoutError),
    #[error(transparent)]
    Avcodec(#[from] avcodec::AvError),
    #[error("not the simple case: {0}")]
    Unsupported(&'static str),
}

/// Decodes the primary image of a complete, untruncated HEIF file into displayed RGB.
pub fn decode(bytes: &[u8]) -> Result<Rgb8, Declined> {
    let image = layout::primary_image(bytes)?;
    let plan = Plan::new(&image)?;
    let mut out = Rgb8 {
        width: plan.geometry.width,
        height: plan.geometry.height,
        // Zeroed lazily by the allocator; the tiles then cover every pixel.
        data: vec![0; plan.geometry.width as usize * plan.geometry.height as usize * 3],
    };
    let mut decoder = Decoder::new()?;
    let mut packet = Vec::new();
    let mut coefficients = None;
    for (index, tile) in image.tiles.iter().enumerate() {
        annex_b(tile, &mut packet)?;
        let picture = decoder.decode(&packet)?;
        if (picture.width, picture.height) != plan.tile {
            return Err(Declined::Unsupported("a tile whose size differs from its ispe"));
        }
        let c = match coefficients {
            Some(c) => c,
            None => *coefficients.insert(plan.coefficients(&picture)?),
        };
        let (column, row) = (index % plan.columns, index / plan.columns);
        plan.place(&picture, &c, column * plan.tile.0, row * plan.tile.1, &mut out.data)?;
    }
    Ok(out)
}

/// What `decode` needs to know before the first tile, all checked up front.
struct Plan {
    columns: usize,
    /// Every tile's width and height (libheif places tiles by the first one's size).
    tile: (usize, usize),
    canvas: (usize, usize),
    geometry: Geometry,
    /// `colr` nclx (matrix, full range): the item's, else the first tile's; else the VUI.
    nclx: Option<(u16, bool)>,
}

impl Plan {
    fn new(image: &PrimaryImage<'_>) -> Result<Plan, Declined> {
        let mut geometry = Geometry::identity(image.width, image.height);
        let mut nclx = None;
        for property in &image.properties {
            let (even_w, even_h) = (geometry.width % 2 == 0, geometry.height % 2 == 0);
            // libheif turns 4:2:0 into 4:4:4 (upsampling the chroma) before a rotation or
            // mirror that would split a 2×2 block: exactly these cases (pixelimage.cc).
            let splits_blocks = match property {
                Property::Irot { quarters: 1 } => !even_w,
                Property::Irot { quarters: 2 } | Property::Imir { .. } => !(even_w && even_h),
                Property::Irot { quarters: 3 } => !even_h,
                _ => false,
            };
            if splits_blocks {
                return Err(Declined::Unsupported("a transform that splits the chroma blocks"));
            }
            match property {
                Property::Irot { quarters } => geometry = geometry.rotate(*quarters),
                Property::Imir { horizontal } => geometry = geometry.mirror(*horizontal),
                Property::Nclx { matrix, full_range } => nclx = nclx.or(Some((*matrix, *full_range))),
                Property::HvcC(_) | Property::Ispe { .. } | Property::Informative => {}
                Property::Other(_) => {
                    return Err(Declined::Unsupported("a property other than irot/imir/colr"))
                }
            }
        }
        let first = image.tiles.first().ok_or(Declined::Unsupported("no tiles"))?;
        let tile = first.ispe().ok_or(Declined::Unsupported("a tile without ispe"))?;
        for t in &image.tiles {
            if t.ispe() != Some(tile) {
                return Err(Declined::Unsupported("tiles of different sizes"));
            }
            if t.properties
                .iter()
                .any(|p| matches!(p, Property::Irot { .. } | Property::Imir { .. } | Property::Other(_)))
            {
                return Err(Declined::Unsupported("a tile with transforms of its own"));
            }
            let hvcc = t.hvcc().ok_or(Declined::Unsupported("a tile without hvcC"))?;
            // hvcC: chroma_format_idc (1 = 4:2:0) and both bit depths minus 8.
            match (hvcc.get(16).map(|b| b & 3), hvcc.get(17).map(|b| b & 7), hvcc.get(18).map(|b| b & 7)) {
                (Some(1), Some(0), Some(0)) => {}
                _ => return Err(Declined::Unsupported("not 8-bit 4:2:0")),
            }
        }
        let tile_nclx = first.properties.iter().find_map(|p| match p {
            Property::Nclx { matrix, full_range } => Some((*matrix, *full_range)),
            _ => None,
        });
        let (columns, rows) = (image.columns as usize, image.rows as usize);
        let tile = (tile.0 as usize, tile.1 as usize);
        let canvas = (image.width as usize, image.height as usize);
        // Tiles start on even pixels so that each keeps its own chroma samples; together
        // they must cover the canvas, or libheif leaves holes we would not reproduce.
        if (columns > 1 && tile.0 % 2 == 1) || (rows > 1 && tile.1 % 2 == 1) {
            return Err(Declined::Unsupported("odd-sized grid tiles"));
        }
        if columns * tile.0 < canvas.0 || rows * tile.1 < canvas.1 || canvas.0 == 0 || canvas.1 == 0 {
            return Err(Declined::Unsupported("a grid that does not cover its output"));
        }
        Ok(Plan { columns, tile, canvas, geometry, nclx: nclx.or(tile_nclx) })
    }

    /// The conversion factors, from `colr` or else from the stream's VUI (read once the
    /// first picture is decoded), as libheif chooses them. Only full range is taken:
    /// libheif converts limited range through another routine.
    fn coefficients(&self, first: &Picture<'_>) -> Result<Coefficients, Declined> {
        let (matrix, full_range) = self.nclx.unwrap_or((first.matrix, first.full_range));
        if !full_range {
            return Err(Declined::Unsupported("limited-range YCbCr"));
        }
        Coefficients::for_matrix(matrix).ok_or(Declined::Unsupported("a matrix libheif converts otherwise"))
    }

    /// Converts one tile at canvas (x0, y0), cropped to the canvas, into the output.
    fn place(
        &self,
        picture: &Picture<'_>,
        c: &Coefficients,
        x0: usize,
        y0: usize,
        out: &mut [u8],
    ) -> Result<(), Declined> {
        let width = picture.width.min(self.canvas.0.saturating_sub(x0));
        let height = picture.height.min(self.canvas.1.saturating_sub(y0));
        let mut rgb = vec![0u8; width * 3];
        let [(y_plane, y_stride), (cb_plane, cb_stride), (cr_plane, cr_stride)] = picture.planes;
        let short = || Declined::Unsupported("a plane shorter than its frame");
        for row in 0..height {
            let luma = y_plane.get(row * y_stride..row * y_stride + width).ok_or_else(short)?;
            let chroma = width.div_ceil(2);
            let cb = cb_plane.get(row / 2 * cb_stride..row / 2 * cb_stride + chroma).ok_or_else(short)?;
            let cr = cr_plane.get(row / 2 * cr_stride..row / 2 * cr_stride + chroma).ok_or_else(short)?;
            c.convert_row(luma, cb, cr, &mut rgb);
            place_row(&self.geometry, x0, y0 + row, &rgb, out)
                .ok_or(Declined::Unsupported("a pixel outside the displayed image"))?;
        }
        Ok(())
    }
}

/// One tile as avcodec reads it: the `hvcC` parameter sets then the tile's NAL units, each
/// behind a start code, then the zero padding avcodec may over-read. Parameter sets go with
/// every tile (tiles may carry their own); avcodec skips one identical to the active one.
fn annex_b(tile: &Tile<'_>, packet: &mut Vec<u8>) -> Result<(), Declined> {
    const START: [u8; 4] = [0, 0, 0, 1];
    let malformed = || Declined::Unsupported("malformed hvcC or NAL lengths");
    let hvcc = tile.hvcc().ok_or_else(malformed)?;
    packet.clear();
    // hvcC: 22 bytes of profile and flags (the last holds lengthSizeMinusOne), then arrays.
    let length_size = usize::from(hvcc.get(21).ok_or_else(malformed)? & 3) + 1;
    let arrays = *hvcc.get(22).ok_or_else(malformed)?;
    let mut at = 23;
    let read = |at: &mut usize, n: usize| -> Result<usize, Declined> {
        let bytes = hvcc.get(*at..*at + n).ok_or_else(malformed)?;
        *at += n;
        Ok(bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)))
    };
    for _ in 0..arrays {
        read(&mut at, 1)?; // completeness and NAL unit type
        for _ in 0..read(&mut at, 2)? {
            let len = read(&mut at, 2)?;
            packet.extend_from_slice(&START);
            packet.extend_from_slice(hvcc.get(at..at + len).ok_or_else(malformed)?);
            at += len;
        }
    }
    let data: &[u8] = &tile.data;
    let mut at = 0;
    while at < data.len() {
        let len = data.get(at..at + length_size).ok_or_else(malformed)?;
        let len = len.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        let start = at + length_size;
        packet.extend_from_slice(&START);
        packet.extend_from_slice(
            data.get(start..start.checked_add(len).ok_or_else(malformed)?).ok_or_else(malformed)?,
        );
        at = start + len;
    }
    packet.extend_from_slice(&[0; INPUT_PADDING]);
    Ok(())
}
