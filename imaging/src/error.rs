//! Why a photo could not be processed: one typed error with a stable code per cause.

use punchline_domain::PhotoFailureCode;

/// A photo the pipeline refuses or cannot read. Every variant is permanent: the same bytes
/// fail the same way on every attempt, so a job carrying them should not be retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The bytes are not a JPEG, PNG or HEIC photo (empty, a video, a PDF, random bytes…).
    #[error("not an image: {0}")]
    NotAnImage(String),
    /// The photo ends before its data does: an upload cut short.
    #[error("truncated: {0}")]
    Truncated(String),
    /// More bytes than `limits.max_bytes` allows.
    #[error("too large: {bytes} bytes, the limit is {limit} bytes")]
    TooLarge {
        /// The upload's size in bytes.
        bytes: u64,
        /// `limits.max_bytes`.
        limit: u64,
    },
    /// The header announces more pixels than `limits.max_pixels` (or a side longer than
    /// `limits.max_dimension`): refused before anything is allocated.
    #[error("too many pixels: {width}x{height} exceeds the limit ({limit})")]
    TooManyPixels {
        /// Width in pixels from the header (0 when it is libheif that refused the image).
        width: u32,
        /// Height in pixels from the header (0 when it is libheif that refused the image).
        height: u32,
        /// The limit exceeded, for people: `"210000000 pixels"`, `"32768 px per side"`, or
        /// libheif's reason for refusing.
        limit: String,
    },
    /// A recognised container whose content punchline cannot decode (e.g. AVIF in HEIF).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A recognised format whose data the decoders reject.
    #[error("decode failed: {0}")]
    DecodeFailed(String),
    /// A variant could not be encoded. Not the photo's fault; reported, never panicked on.
    #[error("encode failed: {0}")]
    EncodeFailed(String),
}

impl ImageError {
    /// The stable, machine-readable code stored with a failed photo and shown to clients.
    pub fn code(&self) -> PhotoFailureCode {
        match self {
            ImageError::NotAnImage(_) => PhotoFailureCode::NotAnImage,
            ImageError::Truncated(_) => PhotoFailureCode::Truncated,
            ImageError::TooLarge { .. } => PhotoFailureCode::TooLarge,
            ImageError::TooManyPixels { .. } => PhotoFailureCode::TooManyPixels,
            ImageError::Unsupported(_) => PhotoFailureCode::Unsupported,
            ImageError::DecodeFailed(_) => PhotoFailureCode::DecodeFailed,
            ImageError::EncodeFailed(_) => PhotoFailureCode::EncodeFailed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of every variant (`code`'s exhaustive match is what makes every variant
    /// have a code; add a new variant here too).
    fn one_of_each() -> Vec<ImageError> {
        vec![
            ImageError::NotAnImage("n".into()),
            ImageError::Truncated("t".into()),
            ImageError::TooLarge { bytes: 2, limit: 1 },
            ImageError::TooManyPixels { width: 2, height: 2, limit: "1".into() },
            ImageError::Unsupported("u".into()),
            ImageError::DecodeFailed("d".into()),
            ImageError::EncodeFailed("e".into()),
        ]
    }

    #[test]
    fn every_variant_has_its_own_code_and_the_codes_round_trip() {
        let errors = one_of_each();
        let mut codes: Vec<PhotoFailureCode> = errors.iter().map(ImageError::code).collect();
        for code in &codes {
            let json = serde_json::to_string(code).expect("serialises");
            assert_eq!(json, format!("\"{code}\""));
            assert_eq!(serde_json::from_str::<PhotoFailureCode>(&json).expect("parses"), *code);
            assert_eq!(code.as_str().parse::<PhotoFailureCode>(), Ok(*code));
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len(), "no two variants share a code");
        // The codes clients have always been sent.
        let names: Vec<&str> = errors.iter().map(|e| e.code().as_str()).collect();
        assert_eq!(
            names,
            [
                "not_an_image",
                "truncated",
                "too_large",
                "too_many_pixels",
                "unsupported",
                "decode_failed",
                "encode_failed"
            ]
        );
    }
}
