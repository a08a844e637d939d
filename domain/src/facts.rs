//! What the image pipeline learns about one photo. Verification consumes these.

use serde::{Deserialize, Serialize};

/// The container/codec detected from the photo's bytes (never from its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// JPEG (JFIF or EXIF), the apps' usual upload.
    Jpeg,
    /// PNG, typically a screenshot or an export; its EXIF, if any, is in an `eXIf` chunk.
    Png,
    /// HEIF with an HEVC-coded primary image (`.heic`, `.heif`, `.hif`).
    Heic,
}

impl ImageFormat {
    /// The stable lower-case name used in JSON, the database and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Png => "png",
            ImageFormat::Heic => "heic",
        }
    }

    /// The MIME type an upload of this format should carry.
    pub fn mime_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Heic => "image/heic",
        }
    }
}

impl std::fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A WGS-84 position in signed decimal degrees (south and west are negative).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Latitude in degrees, -90 to 90 (south negative).
    pub lat: f64,
    /// Longitude in degrees, -180 to 180 (west negative).
    pub lon: f64,
}

/// The EXIF facts verification needs. Every field is optional: broken or stripped EXIF
/// leaves fields absent, it never fails the photo.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExifFacts {
    /// Whether the photo carried an EXIF block at all (stripped photos: screenshots, exports).
    pub present: bool,
    /// The Make tag: the camera's or phone's manufacturer (`Apple`, `NIKON`).
    pub make: Option<String>,
    /// The Model tag: the camera or phone model (`iPhone XS`).
    pub model: Option<String>,
    /// DateTimeOriginal exactly as EXIF writes it: `YYYY:MM:DD HH:MM:SS`, local to the camera.
    pub datetime_original: Option<String>,
    /// OffsetTimeOriginal, e.g. `+03:00`: the camera's UTC offset at capture.
    pub offset: Option<String>,
    /// SubSecTimeOriginal: the digits of the second's fraction of `datetime_original`
    /// (`"644"` is .644 s). Not stored in the records: only the capture-time rule reads it,
    /// on the facts the pipeline has just read.
    #[serde(default)]
    pub subsec_original: Option<String>,
    /// DateTime (the file's last modification as the camera or an editor wrote it).
    pub datetime: Option<String>,
    /// OffsetTime: the UTC offset of `datetime`. Some cameras write it but not
    /// OffsetTimeOriginal; it is the capture's offset only while `datetime` is the capture
    /// time. Not stored in the records, like `subsec_original`.
    #[serde(default)]
    pub datetime_offset: Option<String>,
    /// The GPS fix, when both latitude and longitude are present and well-formed.
    pub gps: Option<GeoPoint>,
    /// GPSDateStamp + GPSTimeStamp as `YYYY:MM:DD HH:MM:SS` (UTC by definition).
    pub gps_utc: Option<String>,
    /// EXIF Orientation 1–8. Informational for HEIF, where the container's `irot`/`imir` rule.
    pub orientation: Option<u16>,
    /// The Software tag: editing software shows up here.
    pub software: Option<String>,
}

/// A 256-bit PDQ perceptual hash with its quality score (0–100; low means little
/// structure, e.g. a black frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerceptualHash {
    /// The 256 hash bits, 8 to a byte, in the order of PDQ's hex form ([`Self::to_hex`]).
    pub bits: [u8; 32],
    /// PDQ's quality score, 0–100: how much structure the image has. Below
    /// `hashing.blank_below_quality` the photo counts as blank and its hash never matches.
    pub quality: u8,
}

impl PerceptualHash {
    /// Hamming distance between two hashes (0–256).
    pub fn distance(&self, other: &PerceptualHash) -> u32 {
        self.bits.iter().zip(other.bits.iter()).map(|(a, b)| (a ^ b).count_ones()).sum()
    }

    /// The 64 lower-case hex digits PDQ's reference implementation prints.
    pub fn to_hex(&self) -> String {
        hex(&self.bits)
    }
}

/// Every hash the pipeline computes for one photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoHashes {
    /// SHA-256 of the uploaded bytes, exactly as received.
    pub sha256: [u8; 32],
    /// PDQ of the oriented (displayed) image.
    pub pdq: PerceptualHash,
    /// PDQ of the 8 rotations and mirrorings of the displayed image (index 0 is `pdq`
    /// itself), so a rotated or mirrored copy of an earlier photo can be matched.
    pub pdq_dihedral: [[u8; 32]; 8],
}

impl PhotoHashes {
    /// The SHA-256 as 64 lower-case hex digits, as `sha256sum` prints it.
    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }

    /// The smallest distance between any dihedral variant of `self` and `other`'s PDQ.
    pub fn min_distance(&self, other: &PerceptualHash) -> u32 {
        self.pdq_dihedral
            .iter()
            .map(|bits| PerceptualHash { bits: *bits, quality: 0 }.distance(other))
            .min()
            .unwrap_or(256)
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_differing_bits() {
        let a = PerceptualHash { bits: [0; 32], quality: 100 };
        let mut b = a;
        b.bits[0] = 0b1011;
        b.bits[31] = 0x80;
        assert_eq!(a.distance(&b), 4);
        assert_eq!(b.distance(&a), 4);
        assert_eq!(a.distance(&a), 0);
    }

    #[test]
    fn hex_is_lowercase_and_64_digits() {
        let mut bits = [0u8; 32];
        bits[0] = 0xAB;
        let h = PerceptualHash { bits, quality: 1 }.to_hex();
        assert_eq!(h.len(), 64);
        assert!(h.starts_with("ab00"));
    }
}
