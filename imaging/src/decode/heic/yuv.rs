//! YCbCr 4:2:0 → RGB exactly as libheif 1.23 converts 8-bit full-range 4:2:0 to interleaved
//! RGB (`Op_YCbCr420_to_RGB24`: nearest-neighbour chroma, 8-bit fixed-point coefficients),
//! written straight into the displayed image through the HEIF transforms.
//!
//! libheif applies `irot`/`imir` to the YCbCr planes and converts afterwards. As long as a
//! transform keeps each 2×2 luma block with its one chroma sample (no odd side is reversed),
//! converting first and moving the RGB pixels gives the same bytes; the caller declines the
//! other cases (libheif then upsamples to 4:4:4 first).

use std::ops::Range;

/// Pixels per block of `Coefficients::convert_row`'s vectorised loop.
const PIXELS: usize = 32;

/// The fixed-point YCbCr → RGB factors (×256) libheif derives from the matrix coefficients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coefficients {
    r_cr: i32,
    g_cb: i32,
    g_cr: i32,
    b_cb: i32,
}

impl Coefficients {
    /// libheif's factors for ISO/IEC 23091-2 `matrix_coefficients`, or `None` where libheif
    /// takes another conversion route (0 identity/GBR, 8 YCgCo, 11 and 14) or derives them
    /// from the colour primaries (12, 13: not done here).
    pub fn for_matrix(matrix: u16) -> Option<Coefficients> {
        // get_Kr_Kb in libheif's nclx.cc; anything it does not list falls back to BT.601.
        let kr_kb: Option<(f32, f32)> = match matrix {
            0 | 8 | 11..=14 => return None,
            1 => Some((0.2126, 0.0722)),
            4 => Some((0.30, 0.11)),
            5 | 6 => Some((0.299, 0.114)),
            7 => Some((0.212, 0.087)),
            9 | 10 => Some((0.2627, 0.0593)),
            _ => None,
        };
        // get_YCbCr_to_RGB_coefficients, in f32 and in libheif's order of operations, so the
        // rounded factors are the same.
        let (r_cr, g_cb, g_cr, b_cb) = match kr_kb {
            Some((kr, kb)) => (
                2.0 * (-kr + 1.0),
                2.0 * kb * (-kb + 1.0) / (kb + kr - 1.0),
                2.0 * kr * (-kr + 1.0) / (kb + kr - 1.0),
                2.0 * (-kb + 1.0),
            ),
            None => (1.402f32, -0.344136f32, -0.714136f32, 1.772f32),
        };
        // std::lround: halves away from zero, as f32::round.
        let fixed = |c: f32| (256.0 * c).round() as i32;
        Some(Coefficients { r_cr: fixed(r_cr), g_cb: fixed(g_cb), g_cr: fixed(g_cr), b_cb: fixed(b_cb) })
    }

    /// One row: `y` luma samples with their `ceil(len/2)` chroma samples, into `rgb`.
    /// Blocks of 32 pixels go through planar arrays the compiler vectorises (~4× faster
    /// than pixel by pixel); the rest of the row pixel by pixel. Same arithmetic either way.
    pub fn convert_row(&self, y: &[u8], cb: &[u8], cr: &[u8], rgb: &mut [u8]) {
        let blocks = y.chunks_exact(PIXELS).zip(cb.chunks_exact(PIXELS / 2)).zip(cr.chunks_exact(PIXELS / 2));
        let mut done = 0;
        for (((y, cb), cr), out) in blocks.zip(rgb.chunks_exact_mut(PIXELS * 3)) {
            let (Ok(y), Ok(cb), Ok(cr), Ok(out)) =
                (y.try_into(), cb.try_into(), cr.try_into(), <&mut [u8; PIXELS * 3]>::try_from(out))
            else {
                break;
            };
            self.convert_block(y, cb, cr, out);
            done += PIXELS;
        }
        let out = rgb.get_mut(done * 3..).unwrap_or_default();
        self.convert_pixels(rest(y, done), rest(cb, done / 2), rest(cr, done / 2), out);
    }

    fn convert_block(
        &self,
        y: &[u8; PIXELS],
        cb: &[u8; PIXELS / 2],
        cr: &[u8; PIXELS / 2],
        out: &mut [u8; PIXELS * 3],
    ) {
        let (mut r, mut g, mut b) = ([0i16; PIXELS], [0i16; PIXELS], [0i16; PIXELS]);
        for j in 0..PIXELS / 2 {
            let (cb, cr) = (i32::from(cb[j]) - 128, i32::from(cr[j]) - 128);
            // |offset| ≤ 227: fits i16, as does luma + offset.
            let ro = ((self.r_cr * cr + 128) >> 8) as i16;
            let go = ((self.g_cb * cb + self.g_cr * cr + 128) >> 8) as i16;
            let bo = ((self.b_cb * cb + 128) >> 8) as i16;
            (r[2 * j], r[2 * j + 1], g[2 * j], g[2 * j + 1], b[2 * j], b[2 * j + 1]) =
                (ro, ro, go, go, bo, bo);
        }
        let (mut rp, mut gp, mut bp) = ([0u8; PIXELS], [0u8; PIXELS], [0u8; PIXELS]);
        for k in 0..PIXELS {
            let l = i16::from(y[k]);
            rp[k] = (l + r[k]).clamp(0, 255) as u8;
            gp[k] = (l + g[k]).clamp(0, 255) as u8;
            bp[k] = (l + b[k]).clamp(0, 255) as u8;
        }
        for k in 0..PIXELS {
            (out[3 * k], out[3 * k + 1], out[3 * k + 2]) = (rp[k], gp[k], bp[k]);
        }
    }

    /// libheif's loop, pixel by pixel.
    fn convert_pixels(&self, y: &[u8], cb: &[u8], cr: &[u8], rgb: &mut [u8]) {
        let clip = |v: i32| v.clamp(0, 255) as u8;
        let pairs = y.chunks(2).zip(cb).zip(cr).zip(rgb.chunks_mut(6));
        for (((luma, &cb), &cr), out) in pairs {
            let (cb, cr) = (i32::from(cb) - 128, i32::from(cr) - 128);
            let r = (self.r_cr * cr + 128) >> 8;
            let g = (self.g_cb * cb + self.g_cr * cr + 128) >> 8;
            let b = (self.b_cb * cb + 128) >> 8;
            for (&l, px) in luma.iter().zip(out.chunks_exact_mut(3)) {
                let l = i32::from(l);
                px[0] = clip(l + r);
                px[1] = clip(l + g);
                px[2] = clip(l + b);
            }
        }
    }
}

/// `s` from `from` on (empty past its end).
fn rest(s: &[u8], from: usize) -> &[u8] {
    s.get(from..).unwrap_or_default()
}

/// `value = x·x_factor + y·y_factor + constant`, for one output coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Linear {
    x: i64,
    y: i64,
    c: i64,
}

impl Linear {
    fn at(&self, x: i64, y: i64) -> i64 {
        self.x * x + self.y * y + self.c
    }

    /// `size - 1 - self`: the coordinate seen from the other edge.
    fn flipped(self, size: u32) -> Linear {
        Linear { x: -self.x, y: -self.y, c: i64::from(size) - 1 - self.c }
    }
}

/// Where each canvas pixel lands in the displayed image: the composition of the HEIF
/// transforms, in the order they are associated with the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    out_x: Linear,
    out_y: Linear,
    /// The displayed width and height.
    pub width: u32,
    pub height: u32,
}

impl Geometry {
    pub fn identity(width: u32, height: u32) -> Geometry {
        Geometry { out_x: Linear { x: 1, y: 0, c: 0 }, out_y: Linear { x: 0, y: 1, c: 0 }, width, height }
    }

    /// Then rotate anti-clockwise by `quarters` × 90° (`irot`).
    pub fn rotate(self, quarters: u8) -> Geometry {
        let Geometry { out_x, out_y, width, height } = self;
        match quarters & 3 {
            0 => self,
            // (x, y) → (y, W-1-x): the top-right corner becomes the top-left.
            1 => Geometry { out_x: out_y, out_y: out_x.flipped(width), width: height, height: width },
            2 => Geometry { out_x: out_x.flipped(width), out_y: out_y.flipped(height), width, height },
            // (x, y) → (H-1-y, x)
            _ => Geometry { out_x: out_y.flipped(height), out_y: out_x, width: height, height: width },
        }
    }

    /// Then mirror left–right (`horizontal`) or top–bottom (`imir`, as libheif reads it).
    pub fn mirror(self, horizontal: bool) -> Geometry {
        match horizontal {
            true => Geometry { out_x: self.out_x.flipped(self.width), ..self },
            false => Geometry { out_y: self.out_y.flipped(self.height), ..self },
        }
    }

    /// The displayed rows that the canvas rectangle at (x, y) of `width` × `height` pixels
    /// lands on, or `None` if it is empty or falls outside the displayed image.
    pub fn rows_of(&self, x: usize, y: usize, width: usize, height: usize) -> Option<Range<usize>> {
        let (x0, y0) = (i64::try_from(x).ok()?, i64::try_from(y).ok()?);
        let (x1, y1) = (x0 + i64::try_from(width).ok()? - 1, y0 + i64::try_from(height).ok()? - 1);
        if x1 < x0 || y1 < y0 {
            return None;
        }
        // A linear map: the extremes are at the corners.
        let corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)].map(|(x, y)| self.out_y.at(x, y));
        let (first, last) = (corners.iter().min()?, corners.iter().max()?);
        if *first < 0 || *last >= i64::from(self.height) {
            return None;
        }
        Some(usize::try_from(*first).ok()?..usize::try_from(*last).ok()? + 1)
    }

    /// Byte offset in the displayed RGB image of canvas pixel (x, y), and the offset step
    /// from one canvas pixel to the next on its row.
    fn offset_and_step(&self, x: usize, y: usize) -> Option<(usize, isize)> {
        let (x, y) = (i64::try_from(x).ok()?, i64::try_from(y).ok()?);
        let (ox, oy) = (self.out_x.at(x, y), self.out_y.at(x, y));
        let w = i64::from(self.width);
        if !(0..w).contains(&ox) || !(0..i64::from(self.height)).contains(&oy) {
            return None;
        }
        let offset = usize::try_from((oy * w + ox) * 3).ok()?;
        let step = isize::try_from((self.out_y.x * w + self.out_x.x) * 3).ok()?;
        Some((offset, step))
    }
}

/// Byte offset in `out`, which holds the displayed rows from `first_row` on, of canvas pixel
/// (x, y), and the step to the next canvas pixel on its row.
fn target(geometry: &Geometry, (x, y): (usize, usize), first_row: usize) -> Option<(usize, isize)> {
    let (start, step) = geometry.offset_and_step(x, y)?;
    Some((start.checked_sub(first_row * geometry.width as usize * 3)?, step))
}

/// Where a row of `pixels` canvas pixels from canvas (x, y) lands in `out` (the displayed rows
/// from `first_row` on) when it lands on consecutive pixels left to right, so that it can
/// be converted in place; `None` otherwise (then convert, and `place_row`).
pub fn contiguous_row<'o>(
    geometry: &Geometry,
    (x, y): (usize, usize),
    pixels: usize,
    out: &'o mut [u8],
    first_row: usize,
) -> Option<&'o mut [u8]> {
    let (start, step) = target(geometry, (x, y), first_row)?;
    (step == 3).then_some(())?;
    out.get_mut(start..start.checked_add(pixels * 3)?)
}

/// Writes one row of converted canvas pixels, starting at canvas (x, y), into the displayed
/// rows from `first_row` on (`out` holds those rows, not necessarily all of the image).
/// `None` if the geometry sends a pixel outside `out` (a bug, never a panic).
pub fn place_row(
    geometry: &Geometry,
    (x, y): (usize, usize),
    row: &[u8],
    out: &mut [u8],
    first_row: usize,
) -> Option<()> {
    let (start, step) = target(geometry, (x, y), first_row)?;
    if step == 3 {
        out.get_mut(start..start.checked_add(row.len())?)?.copy_from_slice(row);
        return Some(());
    }
    let mut at = start;
    for (i, px) in row.chunks_exact(3).enumerate() {
        if i > 0 {
            at = at.checked_add_signed(step)?;
        }
        out.get_mut(at..at + 3)?.copy_from_slice(px);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bt601_matches_libheif_defaults() {
        // lround(256 × {1.402, -0.344136, -0.714136, 1.772})
        let c = Coefficients::for_matrix(6).unwrap();
        assert_eq!(c, Coefficients { r_cr: 359, g_cb: -88, g_cr: -183, b_cb: 454 });
        assert_eq!(Coefficients::for_matrix(2), Some(c));
        assert_eq!(Coefficients::for_matrix(0), None);
    }

    #[test]
    fn blocks_convert_like_single_pixels() {
        let c = Coefficients::for_matrix(1).unwrap();
        for width in [1usize, 2, 31, 32, 33, 64, 77] {
            let y: Vec<u8> = (0..width).map(|i| (i * 37 % 256) as u8).collect();
            let chroma = width.div_ceil(2);
            let cb: Vec<u8> = (0..chroma).map(|i| (i * 91 % 256) as u8).collect();
            let cr: Vec<u8> = (0..chroma).map(|i| (255 - i * 53 % 256) as u8).collect();
            let (mut fast, mut slow) = (vec![0; width * 3], vec![0; width * 3]);
            c.convert_row(&y, &cb, &cr, &mut fast);
            c.convert_pixels(&y, &cb, &cr, &mut slow);
            assert_eq!(fast, slow, "width {width}");
        }
    }

    #[test]
    fn rows_of_follows_the_transform() {
        // A 4×2 canvas: its rows stay rows; turned a quarter, its columns become rows.
        let g = Geometry::identity(4, 2);
        assert_eq!(g.rows_of(0, 1, 4, 1), Some(1..2));
        assert_eq!(g.rotate(2).rows_of(0, 1, 4, 1), Some(0..1));
        // (x, y) → (y, 3 - x): canvas column 0 is displayed row 3, columns 2–3 rows 0–1.
        let turned = g.rotate(1);
        assert_eq!(turned.rows_of(0, 0, 1, 2), Some(3..4));
        assert_eq!(turned.rows_of(2, 0, 2, 2), Some(0..2));
        assert_eq!(g.rows_of(0, 2, 4, 1), None, "below the canvas");
        assert_eq!(g.rows_of(0, 0, 0, 1), None, "empty");
    }

    #[test]
    fn rotations_land_every_pixel_once() {
        for (quarters, mirror) in [(1, None), (2, None), (3, Some(true)), (0, Some(false))] {
            let mut g = Geometry::identity(4, 2).rotate(quarters);
            if let Some(m) = mirror {
                g = g.mirror(m);
            }
            let mut seen = [false; 8];
            for y in 0..2 {
                for x in 0..4 {
                    let (offset, _) = g.offset_and_step(x, y).unwrap();
                    assert!(!std::mem::replace(&mut seen[offset / 3], true));
                }
            }
        }
        // 90° anti-clockwise: the top-right corner becomes the top-left one.
        assert_eq!(Geometry::identity(4, 2).rotate(1).offset_and_step(3, 0).unwrap().0, 0);
    }
}
