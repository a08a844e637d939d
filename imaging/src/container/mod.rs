//! Reading the structure of a photo file (segments, boxes, chunks) without decoding pixels:
//! the header facts the limits are checked against, the embedded EXIF block, truncation.

pub mod isobmff;
pub mod jpeg;
pub mod png;
