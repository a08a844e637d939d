//! An owned 8-bit RGB raster: what every decoder produces and every later stage consumes.

/// Interleaved 8-bit RGB pixels, row-major, no padding (`data.len() == width * height * 3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgb8 {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` pixels of 3 bytes (R, G, B), top row first.
    pub data: Vec<u8>,
}

impl Rgb8 {
    /// Wraps `data`, which must hold exactly `width * height * 3` bytes.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Option<Rgb8> {
        (data.len() == width as usize * height as usize * 3).then_some(Rgb8 { width, height, data })
    }
}

/// Borrowed interleaved 8-bit RGB pixels, row-major, no padding.
#[derive(Debug, Clone, Copy)]
pub struct RgbRef<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` pixels of 3 bytes (R, G, B), top row first.
    pub data: &'a [u8],
}

impl Rgb8 {
    /// A borrowed view of these pixels.
    pub fn view(&self) -> RgbRef<'_> {
        RgbRef { width: self.width, height: self.height, data: &self.data }
    }
}
