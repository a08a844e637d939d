//! The local store's URL tokens: `{claims}.{signature}`, both base64url without padding,
//! where the claims are JSON naming the purpose (upload or download), the key, for an
//! upload the content type and most bytes, and the expiry; the signature is HMAC-SHA256
//! over the encoded claims under the configured key.
//!
//! The token carries everything the api needs to check a request, so nothing is stored
//! per URL; the same key on every api instance is all they share.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{ObjectKey, StoreError};

/// Prefixed to what is signed so a MAC made here is never valid for anything else signed
/// with the same key (and a future token format cannot be confused with this one).
const DOMAIN: &[u8] = b"punchline-store-url-v1.";
/// Longest token accepted before any decoding, so a huge path costs nothing.
const MAX_TOKEN_LEN: usize = 2048;

/// What a valid upload token allows: writing `key`, of `content_type`, at most `max_len`
/// bytes (the api streams the body with [`super::LocalStore::write_stream`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadGrant {
    /// The object the upload writes.
    pub key: ObjectKey,
    /// The content type the upload was signed for (and is stored with).
    pub content_type: String,
    /// The most bytes the body may have.
    pub max_len: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Purpose {
    #[serde(rename = "put")]
    Upload,
    #[serde(rename = "get")]
    Download,
}

/// The signed claims; short names keep URLs short.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Claims {
    #[serde(rename = "p")]
    purpose: Purpose,
    #[serde(rename = "k")]
    key: String,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    max_len: Option<u64>,
    /// Unix seconds after which the token is refused.
    #[serde(rename = "e")]
    expires_at: i64,
}

/// Signs and checks tokens under one key.
#[derive(Clone)]
pub(super) struct UrlSigner {
    /// The keyed MAC, cloned per use (cheaper than re-keying).
    mac: Hmac<Sha256>,
}

impl UrlSigner {
    /// A signer with `key`, which must be at least
    /// [`punchline_domain::config::MIN_SIGNING_KEY_BYTES`] long.
    pub(super) fn new(key: &[u8]) -> Result<UrlSigner, StoreError> {
        let min = punchline_domain::config::MIN_SIGNING_KEY_BYTES;
        if key.len() < min {
            return Err(StoreError::Misconfigured(format!("the signing key must be at least {min} bytes")));
        }
        let mac = Hmac::<Sha256>::new_from_slice(key)
            .map_err(|_| StoreError::Misconfigured("unusable signing key".into()))?;
        Ok(UrlSigner { mac })
    }

    pub(super) fn sign_upload(
        &self,
        key: &ObjectKey,
        content_type: &str,
        max_len: u64,
        expires_at: i64,
    ) -> String {
        self.sign(&Claims {
            purpose: Purpose::Upload,
            key: key.as_str().to_owned(),
            content_type: Some(content_type.to_owned()),
            max_len: Some(max_len),
            expires_at,
        })
    }

    pub(super) fn sign_download(&self, key: &ObjectKey, expires_at: i64) -> String {
        self.sign(&Claims {
            purpose: Purpose::Download,
            key: key.as_str().to_owned(),
            content_type: None,
            max_len: None,
            expires_at,
        })
    }

    /// Checks, in this order: signature, purpose, expiry (at `now`, Unix seconds), content
    /// type, declared length.
    pub(super) fn verify_upload(
        &self,
        token: &str,
        content_type: Option<&str>,
        content_length: Option<u64>,
        now: i64,
    ) -> Result<UploadGrant, StoreError> {
        let claims = self.verify(token, Purpose::Upload, now)?;
        let (Some(expected), Some(max_len)) = (claims.content_type, claims.max_len) else {
            return Err(StoreError::BadSignature);
        };
        if content_type != Some(expected.as_str()) {
            return Err(StoreError::ContentTypeMismatch { expected, got: content_type.map(str::to_owned) });
        }
        if content_length.is_some_and(|len| len > max_len) {
            return Err(StoreError::TooLarge { limit: max_len });
        }
        let key = claims.key.parse().map_err(|_| StoreError::BadSignature)?;
        Ok(UploadGrant { key, content_type: expected, max_len })
    }

    pub(super) fn verify_download(&self, token: &str, now: i64) -> Result<ObjectKey, StoreError> {
        let claims = self.verify(token, Purpose::Download, now)?;
        claims.key.parse().map_err(|_| StoreError::BadSignature)
    }

    fn sign(&self, claims: &Claims) -> String {
        // Serialising these plain fields cannot fail; an empty payload would only make a
        // token that never verifies.
        let json = serde_json::to_vec(claims).unwrap_or_default();
        let payload = URL_SAFE_NO_PAD.encode(json);
        let signature = URL_SAFE_NO_PAD.encode(self.mac_of(&payload).finalize().into_bytes());
        format!("{payload}.{signature}")
    }

    fn verify(&self, token: &str, purpose: Purpose, now: i64) -> Result<Claims, StoreError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(StoreError::BadSignature);
        }
        let (payload, signature) = token.split_once('.').ok_or(StoreError::BadSignature)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| StoreError::BadSignature)?;
        // verify_slice compares in constant time: no timing oracle on the signature.
        self.mac_of(payload).verify_slice(&signature).map_err(|_| StoreError::BadSignature)?;
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| StoreError::BadSignature)?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| StoreError::BadSignature)?;
        if claims.purpose != purpose {
            return Err(StoreError::BadSignature);
        }
        if now >= claims.expires_at {
            return Err(StoreError::Expired);
        }
        Ok(claims)
    }

    fn mac_of(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(DOMAIN);
        mac.update(payload.as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use punchline_domain::{OrgId, PhotoId};

    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn signer() -> UrlSigner {
        UrlSigner::new(&[7; 32]).expect("32-byte key")
    }

    fn key() -> ObjectKey {
        ObjectKey::original(OrgId::new(), PhotoId::new())
    }

    #[test]
    fn a_signed_upload_verifies_with_its_own_terms_only() {
        let (signer, key) = (signer(), key());
        let token = signer.sign_upload(&key, "image/jpeg", 100, NOW + 60);
        let grant = signer.verify_upload(&token, Some("image/jpeg"), Some(100), NOW).expect("valid");
        assert_eq!(grant, UploadGrant { key: key.clone(), content_type: "image/jpeg".into(), max_len: 100 });
        // Chunked bodies declare no length: allowed, the writer enforces max_len.
        assert!(signer.verify_upload(&token, Some("image/jpeg"), None, NOW).is_ok());
        assert!(matches!(
            signer.verify_upload(&token, Some("image/png"), Some(100), NOW),
            Err(StoreError::ContentTypeMismatch { .. })
        ));
        assert!(matches!(
            signer.verify_upload(&token, None, Some(100), NOW),
            Err(StoreError::ContentTypeMismatch { got: None, .. })
        ));
        assert!(matches!(
            signer.verify_upload(&token, Some("image/jpeg"), Some(101), NOW),
            Err(StoreError::TooLarge { limit: 100 })
        ));
        assert!(matches!(
            signer.verify_upload(&token, Some("image/jpeg"), Some(100), NOW + 60),
            Err(StoreError::Expired)
        ));
        // An upload token is not a download token, nor the reverse.
        assert!(matches!(signer.verify_download(&token, NOW), Err(StoreError::BadSignature)));
        let download = signer.sign_download(&key, NOW + 60);
        assert_eq!(signer.verify_download(&download, NOW).ok(), Some(key));
        assert!(matches!(
            signer.verify_upload(&download, Some("image/jpeg"), None, NOW),
            Err(StoreError::BadSignature)
        ));
    }

    #[test]
    fn tampered_foreign_and_malformed_tokens_are_refused() {
        let (signer, key) = (signer(), key());
        let token = signer.sign_download(&key, NOW + 60);
        let (payload, signature) = token.split_once('.').expect("two parts");

        // Claims re-encoded with a later expiry keep the old signature: refused.
        let json = URL_SAFE_NO_PAD.decode(payload).expect("base64");
        let later = String::from_utf8(json)
            .expect("utf8")
            .replace(&(NOW + 60).to_string(), &(NOW + 9999).to_string());
        let forged = format!("{}.{signature}", URL_SAFE_NO_PAD.encode(later));
        let other_key = UrlSigner::new(&[8; 32]).expect("key").sign_download(&key, NOW + 60);
        let mut flipped = token.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).expect("ascii");

        for bad in [forged, other_key, flipped, String::new(), "x".into(), "a.b".into(), ".".repeat(5000)] {
            assert!(matches!(signer.verify_download(&bad, NOW), Err(StoreError::BadSignature)), "{bad:?}");
        }
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(matches!(UrlSigner::new(b"short"), Err(StoreError::Misconfigured(_))));
    }
}
