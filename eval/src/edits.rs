//! The pixel edits a cheat or a messaging app makes to a photo, on displayed RGB pixels.
//! Rotations and mirroring are the pipeline's own orientation transforms.

use punchline_imaging::{Rgb8, RgbRef};

fn image(width: u32, height: u32, data: Vec<u8>) -> Rgb8 {
    Rgb8::new(width, height, data).expect("width × height × 3 bytes")
}

/// Keeps the centre, cutting `percent` % of the width and of the height (half each side).
pub fn crop_centre(src: RgbRef<'_>, percent: u32) -> Rgb8 {
    let keep = |n: u32| (u64::from(n) * u64::from(100 - percent) / 100).max(1) as u32;
    let (w, h) = (keep(src.width), keep(src.height));
    let (x0, y0) = ((src.width - w) / 2, (src.height - h) / 2);
    let row_bytes = src.width as usize * 3;
    let mut data = Vec::with_capacity(w as usize * h as usize * 3);
    for y in y0..y0 + h {
        let start = y as usize * row_bytes + x0 as usize * 3;
        data.extend_from_slice(&src.data[start..start + w as usize * 3]);
    }
    image(w, h, data)
}

/// Every channel scaled by `1 + percent/100`, clamped.
pub fn brightness(src: RgbRef<'_>, percent: i32) -> Rgb8 {
    let factor = 1.0 + percent as f32 / 100.0;
    let data = src.data.iter().map(|&v| (f32::from(v) * factor).round().clamp(0.0, 255.0) as u8).collect();
    image(src.width, src.height, data)
}

/// A slight Gaussian blur (σ ≈ 1 px): the binomial kernel 1-4-6-4-1 across, then down.
pub fn blur(src: RgbRef<'_>) -> Rgb8 {
    const KERNEL: [u32; 5] = [1, 4, 6, 4, 1];
    let (w, h) = (src.width as usize, src.height as usize);
    let pass = |data: &[u8], step: usize, len: usize, pos: &dyn Fn(usize) -> usize| -> Vec<u8> {
        let mut out = vec![0u8; data.len()];
        for i in 0..w * h {
            let at = pos(i);
            for c in 0..3 {
                let mut sum = 0;
                for (k, weight) in KERNEL.iter().enumerate() {
                    // Edges repeat the border pixel.
                    let offset = (at as isize + k as isize - 2).clamp(0, len as isize - 1) as usize;
                    sum += weight * u32::from(data[(i - at * step + offset * step) * 3 + c]);
                }
                out[i * 3 + c] = ((sum + 8) / 16) as u8;
            }
        }
        out
    };
    let across = pass(src.data, 1, w, &|i| i % w);
    let down = pass(&across, w, h, &|i| i / w);
    image(src.width, src.height, down)
}

/// The photo as a phone screenshot shows it: near-black bars above and below (status bar and
/// toolbar), each `percent` % of the photo's height.
pub fn screenshot_bars(src: RgbRef<'_>, percent: u32) -> Rgb8 {
    let bar = (src.height * percent / 100).max(1);
    let row_bytes = src.width as usize * 3;
    let dark = vec![18u8; row_bytes * bar as usize];
    let mut data = Vec::with_capacity(src.data.len() + 2 * dark.len());
    data.extend_from_slice(&dark);
    data.extend_from_slice(src.data);
    data.extend_from_slice(&dark);
    image(src.width, src.height + 2 * bar, data)
}

/// The JPEG with its APP1 segments (EXIF, XMP) removed and every other byte kept: what an
/// EXIF stripper or a privacy setting does. `None` if it is not a JPEG.
pub fn strip_app1(jpeg: &[u8]) -> Option<Vec<u8>> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = jpeg[..2].to_vec();
    let mut at = 2;
    // Segments up to the start of scan; the entropy-coded data after it is copied whole.
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF && jpeg[at + 1] != 0xDA {
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        let end = (at + 2 + len).min(jpeg.len());
        if jpeg[at + 1] != 0xE1 {
            out.extend_from_slice(&jpeg[at..end]);
        }
        at = end;
    }
    out.extend_from_slice(&jpeg[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(width: u32, height: u32) -> Rgb8 {
        let data = (0..width * height * 3).map(|i| (i / 3 % 251) as u8).collect();
        image(width, height, data)
    }

    #[test]
    fn crop_keeps_the_centre() {
        let src = ramp(100, 50);
        let cropped = crop_centre(src.view(), 10);
        assert_eq!((cropped.width, cropped.height), (90, 45));
        // The first kept pixel is (5, 2) of the source.
        assert_eq!(cropped.data[0], src.data[(2 * 100 + 5) * 3]);
    }

    #[test]
    fn blur_keeps_flat_areas_and_softens_edges() {
        let mut data = vec![0u8; 20 * 10 * 3];
        for y in 0..10 {
            for x in 10..20 {
                data[(y * 20 + x) * 3..(y * 20 + x) * 3 + 3].copy_from_slice(&[200, 200, 200]);
            }
        }
        let out = blur(image(20, 10, data).view());
        let at = |x: usize, y: usize| out.data[(y * 20 + x) * 3];
        assert_eq!((at(0, 5), at(19, 5)), (0, 200));
        assert!(at(9, 5) > 0 && at(10, 5) < 200, "{} {}", at(9, 5), at(10, 5));
    }

    #[test]
    fn bars_and_brightness() {
        let src = ramp(40, 20);
        let framed = screenshot_bars(src.view(), 10);
        assert_eq!((framed.width, framed.height), (40, 24));
        let photo = 2 * 40 * 3..2 * 40 * 3 + src.data.len();
        assert_eq!(&framed.data[photo], &src.data[..], "the photo between the bars");
        let brighter = brightness(src.view(), 20);
        assert_eq!(brighter.data[3 * 100], 120);
        assert_eq!(brightness(src.view(), -20).data[3 * 100], 80);
    }
}
