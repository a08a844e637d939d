//! Why a photo could not be processed: one typed error with a stable code per cause.

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
    TooLarge { bytes: u64, limit: u64 },
    /// The header announces more pixels than `limits.max_pixels` (or a side longer than
    /// `limits.max_dimension`): refused before anything is allocated.
    #[error("too many pixels: {width}x{height} exceeds the limit ({limit})")]
    TooManyPixels { width: u32, height: u32, limit: String },
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
    pub fn code(&self) -> &'static str {
        match self {
            ImageError::NotAnImage(_) => "not_an_image",
            ImageError::Truncated(_) => "truncated",
            ImageError::TooLarge { .. } => "too_large",
            ImageError::TooManyPixels { .. } => "too_many_pixels",
            ImageError::Unsupported(_) => "unsupported",
            ImageError::DecodeFailed(_) => "decode_failed",
            ImageError::EncodeFailed(_) => "encode_failed",
        }
    }
}
