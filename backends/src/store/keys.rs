//! The object key layout: `{org}/{photo}/original` and `{org}/{photo}/{size}.jpg`.
//!
//! Keys are built from typed ids only, so no client-chosen text ever names an object, and
//! everything of one organisation (or one photo) shares a prefix that a bucket policy or a
//! lifecycle rule can act on.

use std::fmt;
use std::str::FromStr;

use punchline_domain::{OrgId, PhotoId};

use super::StoreError;

/// The name of an object in the store. Only the constructors below (and [`FromStr`], which
/// accepts exactly the same layout) make one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    text: String,
    org: OrgId,
    photo: PhotoId,
}

/// The last segment of the original's key.
const ORIGINAL: &str = "original";
/// The suffix of a variant's key.
const VARIANT_SUFFIX: &str = ".jpg";

impl ObjectKey {
    /// The photo as the app uploaded it.
    pub fn original(org: OrgId, photo: PhotoId) -> ObjectKey {
        ObjectKey { text: format!("{org}/{photo}/{ORIGINAL}"), org, photo }
    }

    /// A resized JPEG of the photo, `size_px` on its configured long edge.
    pub fn variant(org: OrgId, photo: PhotoId, size_px: u32) -> ObjectKey {
        ObjectKey { text: format!("{org}/{photo}/{size_px}{VARIANT_SUFFIX}"), org, photo }
    }

    /// The common prefix of every object of one photo (`{org}/{photo}/`).
    pub fn photo_prefix(org: OrgId, photo: PhotoId) -> String {
        format!("{org}/{photo}/")
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The organisation the object belongs to.
    pub fn org(&self) -> OrgId {
        self.org
    }

    /// The photo the object belongs to.
    pub fn photo(&self) -> PhotoId {
        self.photo
    }

    /// The variant's size in pixels, or `None` for the original.
    pub fn variant_size(&self) -> Option<u32> {
        self.text.rsplit('/').next()?.strip_suffix(VARIANT_SUFFIX)?.parse().ok()
    }
}

/// Splits `{org}/{photo}/{name}`, requiring canonical ids (so one object has one key) and
/// a name of the layout.
fn parse_segments(text: &str) -> Option<(OrgId, PhotoId)> {
    let mut parts = text.split('/');
    let (org, photo, name) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let org: OrgId = org.parse().ok().filter(|id: &OrgId| id.to_string() == org)?;
    let photo: PhotoId = photo.parse().ok().filter(|id: &PhotoId| id.to_string() == photo)?;
    let valid_variant = name
        .strip_suffix(VARIANT_SUFFIX)
        .is_some_and(|size| size.parse::<u32>().is_ok_and(|px| px > 0 && px.to_string() == size));
    (name == ORIGINAL || valid_variant).then_some((org, photo))
}

impl FromStr for ObjectKey {
    type Err = StoreError;

    /// Reads a key back (from a signed token or a record), accepting only the layout above.
    fn from_str(text: &str) -> Result<ObjectKey, StoreError> {
        parse_segments(text)
            .map(|(org, photo)| ObjectKey { text: text.to_owned(), org, photo })
            .ok_or_else(|| StoreError::InvalidKey(text.chars().take(200).collect()))
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_layout_and_parse_back() {
        let (org, photo) = (OrgId::new(), PhotoId::new());
        let original = ObjectKey::original(org, photo);
        assert_eq!(original.as_str(), format!("{org}/{photo}/original"));
        let variant = ObjectKey::variant(org, photo, 800);
        assert_eq!(variant.as_str(), format!("{org}/{photo}/800.jpg"));
        assert!(variant.as_str().starts_with(&ObjectKey::photo_prefix(org, photo)));
        for key in [&original, &variant] {
            assert_eq!(key.as_str().parse::<ObjectKey>().ok().as_ref(), Some(key));
            assert_eq!((key.org(), key.photo()), (org, photo));
        }
        assert_eq!(original.variant_size(), None);
        assert_eq!(variant.variant_size(), Some(800));
    }

    #[test]
    fn anything_else_is_refused() {
        let (org, photo) = (OrgId::new(), PhotoId::new());
        let upper = photo.to_string().to_uppercase();
        for bad in [
            String::new(),
            "../../etc/passwd".to_owned(),
            format!("{org}/{photo}"),
            format!("{org}/{photo}/original/x"),
            format!("{org}/{photo}/../original"),
            format!("{org}/{photo}/thumb.png"),
            format!("{org}/{photo}/0.jpg"),
            format!("{org}/{photo}/0800.jpg"),
            format!("{org}/{upper}/original"),
            format!("/{org}/{photo}/original"),
        ] {
            assert!(bad.parse::<ObjectKey>().is_err(), "{bad:?} was accepted");
        }
    }
}
