//! The content types a punch may declare for its photo. What the uploaded bytes really
//! are is checked when the upload is completed, by `punchline_ingest::sniff` (magic bytes
//! only: the API never decodes an image).

use punchline_domain::ImageFormat;

/// The MIME types an upload may be declared as, with the format each must turn out to be.
pub const ACCEPTED_TYPES: &[(&str, ImageFormat)] = &[
    ("image/jpeg", ImageFormat::Jpeg),
    ("image/png", ImageFormat::Png),
    ("image/heic", ImageFormat::Heic),
    ("image/heif", ImageFormat::Heic),
];

/// The format a declared content type stands for, if it is accepted.
pub fn accepted_type(content_type: &str) -> Option<ImageFormat> {
    ACCEPTED_TYPES.iter().find(|(name, _)| name.eq_ignore_ascii_case(content_type)).map(|(_, format)| *format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_photo_types_are_accepted() {
        assert_eq!(accepted_type("image/jpeg"), Some(ImageFormat::Jpeg));
        assert_eq!(accepted_type("IMAGE/HEIC"), Some(ImageFormat::Heic));
        assert_eq!(accepted_type("image/gif"), None);
    }
}
