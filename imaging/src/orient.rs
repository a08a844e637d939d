//! EXIF Orientation (1–8): the transform that turns stored pixels into the displayed image.

use crate::raster::{Rgb8, RgbRef};

/// The eight EXIF orientations, named for what must be done to display the stored image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// 1: as stored.
    Normal,
    /// 2: mirror left–right.
    FlipHorizontal,
    /// 3: rotate 180°.
    Rotate180,
    /// 4: mirror top–bottom.
    FlipVertical,
    /// 5: mirror along the main diagonal.
    Transpose,
    /// 6: rotate 90° clockwise.
    Rotate90,
    /// 7: mirror along the anti-diagonal.
    Transverse,
    /// 8: rotate 90° counter-clockwise.
    Rotate270,
}

impl Orientation {
    /// The orientation for an EXIF tag value; anything outside 1–8 is treated as 1.
    pub fn from_exif(value: Option<u16>) -> Orientation {
        match value {
            Some(2) => Orientation::FlipHorizontal,
            Some(3) => Orientation::Rotate180,
            Some(4) => Orientation::FlipVertical,
            Some(5) => Orientation::Transpose,
            Some(6) => Orientation::Rotate90,
            Some(7) => Orientation::Transverse,
            Some(8) => Orientation::Rotate270,
            _ => Orientation::Normal,
        }
    }

    /// Whether displaying swaps width and height.
    pub fn swaps_axes(self) -> bool {
        matches!(
            self,
            Orientation::Transpose | Orientation::Rotate90 | Orientation::Transverse | Orientation::Rotate270
        )
    }

    /// The displayed size of a stored `width × height` image.
    pub fn display_size(self, width: u32, height: u32) -> (u32, u32) {
        if self.swaps_axes() {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// The displayed image. For each output pixel, finds the stored pixel it comes from;
    /// the work is done in square tiles so that column-wise reads (rotations) stay in cache.
    pub fn apply(self, src: RgbRef<'_>) -> Rgb8 {
        if self == Orientation::Normal {
            return Rgb8 { width: src.width, height: src.height, data: src.data.to_vec() };
        }
        const TILE: usize = 64;
        let (sw, sh) = (src.width as usize, src.height as usize);
        let (dw, dh) = self.display_size(src.width, src.height);
        let (dw_us, dh_us) = (dw as usize, dh as usize);
        let mut data = vec![0u8; dw_us * dh_us * 3];
        for ty in (0..dh_us).step_by(TILE) {
            for tx in (0..dw_us).step_by(TILE) {
                for y in ty..(ty + TILE).min(dh_us) {
                    let row = &mut data[y * dw_us * 3..(y + 1) * dw_us * 3];
                    for x in tx..(tx + TILE).min(dw_us) {
                        let (sx, sy) = self.source_of(x, y, sw, sh);
                        let at = (sy * sw + sx) * 3;
                        row[x * 3..x * 3 + 3].copy_from_slice(&src.data[at..at + 3]);
                    }
                }
            }
        }
        Rgb8 { width: dw, height: dh, data }
    }

    /// The stored pixel shown at display position `(x, y)` of a `sw × sh` stored image.
    fn source_of(self, x: usize, y: usize, sw: usize, sh: usize) -> (usize, usize) {
        match self {
            Orientation::Normal => (x, y),
            Orientation::FlipHorizontal => (sw - 1 - x, y),
            Orientation::Rotate180 => (sw - 1 - x, sh - 1 - y),
            Orientation::FlipVertical => (x, sh - 1 - y),
            Orientation::Transpose => (y, x),
            Orientation::Rotate90 => (y, sh - 1 - x),
            Orientation::Transverse => (sw - 1 - y, sh - 1 - x),
            Orientation::Rotate270 => (sw - 1 - y, x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 image whose pixels are numbered 0..6 in the red channel.
    fn numbered() -> Rgb8 {
        Rgb8::new(3, 2, (0..6u8).flat_map(|i| [i, 0, 0]).collect()).unwrap()
    }

    fn reds(img: &Rgb8) -> Vec<u8> {
        img.data.chunks_exact(3).map(|p| p[0]).collect()
    }

    #[test]
    fn every_orientation_maps_pixels_as_exif_defines() {
        // Stored:  0 1 2
        //          3 4 5
        let cases: [(u16, (u32, u32), [u8; 6]); 8] = [
            (1, (3, 2), [0, 1, 2, 3, 4, 5]),
            (2, (3, 2), [2, 1, 0, 5, 4, 3]),
            (3, (3, 2), [5, 4, 3, 2, 1, 0]),
            (4, (3, 2), [3, 4, 5, 0, 1, 2]),
            (5, (2, 3), [0, 3, 1, 4, 2, 5]),
            (6, (2, 3), [3, 0, 4, 1, 5, 2]),
            (7, (2, 3), [5, 2, 4, 1, 3, 0]),
            (8, (2, 3), [2, 5, 1, 4, 0, 3]),
        ];
        for (tag, size, expected) in cases {
            let out = Orientation::from_exif(Some(tag)).apply(numbered().view());
            assert_eq!((out.width, out.height), size, "orientation {tag}");
            assert_eq!(reds(&out), expected, "orientation {tag}");
        }
    }

    #[test]
    fn out_of_range_tags_mean_normal() {
        assert_eq!(Orientation::from_exif(Some(0)), Orientation::Normal);
        assert_eq!(Orientation::from_exif(Some(9)), Orientation::Normal);
        assert_eq!(Orientation::from_exif(None), Orientation::Normal);
    }
}
