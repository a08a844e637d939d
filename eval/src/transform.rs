//! The transformations of a photo that reuse detection must see through (or, where PDQ
//! cannot, that the evaluation must report): what a cheat or a messaging app does before
//! uploading an old picture again.
//!
//! Each starts from the photo as displayed, reduced to a long edge of at most
//! [`WORKING_EDGE`] (as messaging apps send photos), and ends as JPEG bytes for the image
//! pipeline, except `exif_stripped`, which removes the EXIF of the original file and keeps
//! every other byte.

use punchline_domain::config::LimitsConfig;
use punchline_domain::ImageFormat;
use punchline_imaging::orient::Orientation;
use punchline_imaging::{decode, detect, exif, variants, ImageError, Rgb8};

use crate::edits;
use crate::EvalError;

/// The long edge of the copy every pixel transformation starts from.
pub const WORKING_EDGE: u32 = 1600;
/// JPEG quality of transformed copies (other than the re-encodes), as phones save.
const SAVE_QUALITY: u8 = 90;

/// One way of altering a photo before uploading it again; named on the command line and in
/// the report by [`Transform::name`] (`jpeg_q30`, `crop_10`, `rotate_90`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transform {
    /// Re-encoded as JPEG at this quality.
    Jpeg {
        /// JPEG quality, 1–100.
        quality: u8,
    },
    /// Scaled to this percentage of each side.
    Resize {
        /// Each side's new length as a percentage of the old (25: a quarter).
        percent: u32,
    },
    /// This percentage of the width and of the height cut off, half on each side.
    Crop {
        /// Percentage of each dimension removed, split between the two edges.
        percent: u32,
    },
    /// Rotated clockwise.
    Rotate {
        /// 90, 180 or 270 (any other value turns by 270).
        degrees: u32,
    },
    /// Mirrored left–right.
    Mirror,
    /// Every channel scaled by 1 + percent/100.
    Brightness {
        /// Signed: 20 brightens by a fifth, -20 darkens by a fifth.
        percent: i32,
    },
    /// A slight Gaussian blur (σ ≈ 1 px).
    Blur,
    /// Screenshot-style dark bars above and below, each this percentage of the height.
    Border {
        /// Height of each bar as a percentage of the image's height.
        percent: u32,
    },
    /// The original file with its EXIF removed (JPEG only).
    ExifStripped,
}

impl Transform {
    /// Every transformation `punchline eval` applies.
    pub const ALL: &'static [Transform] = &[
        Transform::Jpeg { quality: 30 },
        Transform::Jpeg { quality: 50 },
        Transform::Resize { percent: 25 },
        Transform::Crop { percent: 5 },
        Transform::Crop { percent: 10 },
        Transform::Crop { percent: 20 },
        Transform::Rotate { degrees: 90 },
        Transform::Rotate { degrees: 180 },
        Transform::Rotate { degrees: 270 },
        Transform::Mirror,
        Transform::Brightness { percent: 20 },
        Transform::Brightness { percent: -20 },
        Transform::Blur,
        Transform::Border { percent: 10 },
        Transform::ExifStripped,
    ];

    /// The stable name used on the command line and in the report.
    pub fn name(self) -> String {
        match self {
            Transform::Jpeg { quality } => format!("jpeg_q{quality}"),
            Transform::Resize { percent } => format!("resize_{percent}"),
            Transform::Crop { percent } => format!("crop_{percent}"),
            Transform::Rotate { degrees } => format!("rotate_{degrees}"),
            Transform::Mirror => "mirror".into(),
            Transform::Brightness { percent } => format!("brightness_{percent:+}"),
            Transform::Blur => "blur".into(),
            Transform::Border { percent } => format!("border_{percent}"),
            Transform::ExifStripped => "exif_stripped".into(),
        }
    }

    /// The transformation of [`ALL`](Self::ALL) with this [`name`](Self::name);
    /// [`EvalError::UnknownTransform`] for any other.
    pub fn parse(name: &str) -> Result<Transform, EvalError> {
        Transform::ALL
            .iter()
            .copied()
            .find(|t| t.name() == name)
            .ok_or_else(|| EvalError::UnknownTransform(name.to_owned()))
    }

    /// One phrase for the report.
    pub fn describe(self) -> String {
        match self {
            Transform::Jpeg { quality } => format!("re-encoded as JPEG at quality {quality}"),
            Transform::Resize { percent } => format!("resized to {percent} % of each side"),
            Transform::Crop { percent } => format!("{percent} % of width and height cut, centred"),
            Transform::Rotate { degrees } => format!("rotated {degrees}° clockwise"),
            Transform::Mirror => "mirrored left–right".into(),
            Transform::Brightness { percent } => format!("brightness {percent:+} %"),
            Transform::Blur => "slight Gaussian blur (σ ≈ 1 px)".into(),
            Transform::Border { percent } => format!("screenshot bars of {percent} % above and below"),
            Transform::ExifStripped => "EXIF removed from the original JPEG".into(),
        }
    }

    /// The transformed photo's bytes; `None` when it does not apply (EXIF stripping of a
    /// HEIF, whose container this evaluation does not rewrite).
    pub fn apply(self, source: &Source<'_>) -> Result<Option<Vec<u8>>, ImageError> {
        let view = source.displayed.view();
        let (pixels, quality) = match self {
            Transform::ExifStripped => return Ok(edits::strip_app1(source.bytes)),
            Transform::Jpeg { quality } => (None, quality),
            Transform::Resize { percent } => {
                let scaled = |n: u32| (n * percent / 100).max(1);
                (Some(variants::resize(view, (scaled(view.width), scaled(view.height)))?), SAVE_QUALITY)
            }
            Transform::Crop { percent } => (Some(edits::crop_centre(view, percent)), SAVE_QUALITY),
            Transform::Rotate { degrees } => {
                let turn = match degrees {
                    90 => Orientation::Rotate90,
                    180 => Orientation::Rotate180,
                    _ => Orientation::Rotate270,
                };
                (Some(turn.apply(view)), SAVE_QUALITY)
            }
            Transform::Mirror => (Some(Orientation::FlipHorizontal.apply(view)), SAVE_QUALITY),
            Transform::Brightness { percent } => (Some(edits::brightness(view, percent)), SAVE_QUALITY),
            Transform::Blur => (Some(edits::blur(view)), SAVE_QUALITY),
            Transform::Border { percent } => (Some(edits::screenshot_bars(view, percent)), SAVE_QUALITY),
        };
        let image = pixels.as_ref().unwrap_or(&source.displayed);
        variants::encode_jpeg(image, quality).map(Some)
    }
}

/// A photo ready to transform: its original bytes and its displayed pixels.
pub struct Source<'a> {
    pub bytes: &'a [u8],
    pub format: ImageFormat,
    /// Oriented as displayed, long edge at most [`WORKING_EDGE`].
    pub displayed: Rgb8,
}

impl<'a> Source<'a> {
    /// Decodes and orients `bytes` as the pipeline does, reduced to [`WORKING_EDGE`].
    pub fn decode(bytes: &'a [u8], limits: &LimitsConfig) -> Result<Source<'a>, ImageError> {
        let format = detect::detect(bytes)?;
        let opened = decode::open(bytes, format, limits)?;
        let facts = exif::read_facts(opened.exif.as_deref());
        let decoded = opened.decode(WORKING_EDGE, facts.orientation)?;
        let upright = match decoded.orientation {
            Orientation::Normal => None,
            o => Some(o.apply(decoded.pixels.view())),
        };
        let full = upright.as_ref().map_or_else(|| decoded.pixels.view(), Rgb8::view);
        let target = variants::fitted((full.width, full.height), WORKING_EDGE);
        let displayed = if (full.width, full.height) == target {
            Rgb8::new(full.width, full.height, full.data.to_vec()).expect("same size")
        } else {
            variants::resize(full, target)?
        };
        Ok(Source { bytes, format, displayed })
    }
}
