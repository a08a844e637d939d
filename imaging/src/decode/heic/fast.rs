//! The fast path for the common HEIC: an `hvc1` image or a grid of `hvc1` tiles, 8-bit
//! 4:2:0, full range, no alpha, transforms limited to `irot`/`imir`. The tiles are decoded
//! by avcodec, converted to RGB as libheif converts them and written straight into the
//! displayed image. Anything else is `Declined` and the caller decodes with libheif.

use std::ops::Range;

use rayon::prelude::*;

use super::avcodec::{self, Decoder, Picture, INPUT_PADDING};
use super::layout::{self, PrimaryImage, Property, Tile};
use super::yuv::{contiguous_row, place_row, Coefficients, Geometry};
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
///
/// The tiles are decoded in bands on rayon, one avcodec decoder per band. A band is the tiles
/// that land on the same displayed rows (a grid row; a grid column when the image turns a
/// quarter), so each band writes rows of its own. On a busy pool the bands of a photo run one
/// after the other on its thread; a core with nothing else to do (the last photo of a batch,
/// a quiet worker) takes bands of the photo still decoding.
pub fn decode(bytes: &[u8]) -> Result<Rgb8, Declined> {
    let image = layout::primary_image(bytes)?;
    let plan = Plan::new(&image)?;
    let (width, height) = (plan.geometry.width, plan.geometry.height);
    // Zeroed lazily by the allocator; the bands then cover every pixel.
    let mut data = vec![0; width as usize * height as usize * 3];
    let bands = plan.bands(image.tiles.len())?;
    let outputs = split_rows(&mut data, &bands, width as usize * 3)?;
    let coefficients = bands
        .par_iter()
        .zip(outputs)
        .map(|(band, out)| plan.decode_band(&image.tiles, band, out))
        .collect::<Result<Vec<_>, _>>()?;
    // libheif converts every tile with the first one's factors.
    if coefficients.windows(2).any(|pair| pair[0] != pair[1]) {
        return Err(Declined::Unsupported("tiles whose colour matrices differ"));
    }
    Ok(Rgb8 { width, height, data })
}

/// Tiles that land on the same displayed rows, and those rows.
#[derive(Debug, PartialEq, Eq)]
struct Band {
    tiles: Vec<usize>,
    rows: Range<usize>,
}

/// `data`'s rows of `row_bytes` bytes, cut into one slice per band (sorted, not overlapping).
fn split_rows<'a>(
    mut data: &'a mut [u8],
    bands: &[Band],
    row_bytes: usize,
) -> Result<Vec<&'a mut [u8]>, Declined> {
    let outside = || Declined::Unsupported("a band outside the displayed image");
    let mut at = 0;
    let mut slices = Vec::with_capacity(bands.len());
    for band in bands {
        let skip = band.rows.start.checked_sub(at).ok_or_else(outside)? * row_bytes;
        let (_, rest) = std::mem::take(&mut data).split_at_mut_checked(skip).ok_or_else(outside)?;
        let (rows, rest) = rest.split_at_mut_checked(band.rows.len() * row_bytes).ok_or_else(outside)?;
        slices.push(rows);
        (data, at) = (rest, band.rows.end);
    }
    Ok(slices)
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

    /// Where tile `index` starts on the canvas, and its width and height cropped to it.
    fn tile_rect(&self, index: usize) -> ((usize, usize), (usize, usize)) {
        let (x0, y0) = (index % self.columns * self.tile.0, index / self.columns * self.tile.1);
        let width = self.tile.0.min(self.canvas.0.saturating_sub(x0));
        let height = self.tile.1.min(self.canvas.1.saturating_sub(y0));
        ((x0, y0), (width, height))
    }

    /// The tiles grouped by the displayed rows they land on, in the order of those rows.
    /// Tiles wholly outside the canvas (a grid larger than its output) are left out.
    fn bands(&self, tiles: usize) -> Result<Vec<Band>, Declined> {
        let mut bands: Vec<Band> = Vec::new();
        for index in 0..tiles {
            let ((x0, y0), (width, height)) = self.tile_rect(index);
            if width == 0 || height == 0 {
                continue;
            }
            let rows = self
                .geometry
                .rows_of(x0, y0, width, height)
                .ok_or(Declined::Unsupported("a tile outside the displayed image"))?;
            match bands.iter_mut().find(|band| band.rows == rows) {
                Some(band) => band.tiles.push(index),
                None => bands.push(Band { tiles: vec![index], rows }),
            }
        }
        bands.sort_by_key(|band| band.rows.start);
        if bands.windows(2).any(|pair| pair[1].rows.start < pair[0].rows.end) {
            return Err(Declined::Unsupported("tiles whose displayed rows overlap"));
        }
        Ok(bands)
    }

    /// Decodes one band's tiles with a decoder of its own into `out`, the band's rows;
    /// returns the conversion factors it used.
    fn decode_band(&self, tiles: &[Tile<'_>], band: &Band, out: &mut [u8]) -> Result<Coefficients, Declined> {
        let mut decoder = Decoder::new()?;
        let mut packet = Vec::new();
        let mut coefficients = None;
        for &index in &band.tiles {
            let tile = tiles.get(index).ok_or(Declined::Unsupported("a tile index past the grid"))?;
            annex_b(tile, &mut packet)?;
            let picture = decoder.decode(&packet)?;
            if (picture.width, picture.height) != self.tile {
                return Err(Declined::Unsupported("a tile whose size differs from its ispe"));
            }
            let c = match coefficients {
                Some(c) => c,
                None => *coefficients.insert(self.coefficients(&picture)?),
            };
            self.place(&picture, &c, self.tile_rect(index).0, out, band.rows.start)?;
        }
        coefficients.ok_or(Declined::Unsupported("an empty band"))
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

    /// Converts one tile at canvas (x0, y0), cropped to the canvas, into `out`: the displayed
    /// rows from `first_row` on.
    fn place(
        &self,
        picture: &Picture<'_>,
        c: &Coefficients,
        (x0, y0): (usize, usize),
        out: &mut [u8],
        first_row: usize,
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
            if let Some(target) = contiguous_row(&self.geometry, (x0, y0 + row), width, out, first_row) {
                c.convert_row(luma, cb, cr, target);
                continue;
            }
            c.convert_row(luma, cb, cr, &mut rgb);
            place_row(&self.geometry, (x0, y0 + row), &rgb, out, first_row)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn band(rows: Range<usize>) -> Band {
        Band { tiles: vec![0], rows }
    }

    #[test]
    fn split_rows_gives_each_band_its_rows() {
        let mut data: Vec<u8> = (0..12).collect();
        let bands = [band(0..2), band(2..3), band(5..6)];
        let slices = split_rows(&mut data, &bands, 2).unwrap();
        let slices: Vec<&[u8]> = slices.iter().map(|s| &s[..]).collect();
        assert_eq!(slices, [&[0, 1, 2, 3][..], &[4, 5], &[10, 11]]);
    }

    #[test]
    fn split_rows_declines_overlaps_and_overruns() {
        let mut data = vec![0u8; 12];
        assert!(split_rows(&mut data, &[band(0..3), band(2..4)], 2).is_err());
        assert!(split_rows(&mut data, &[band(4..7)], 2).is_err());
    }
}
