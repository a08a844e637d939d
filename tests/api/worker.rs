//! Stands in for a worker (which lives in another crate): commits a processing result
//! for a photo, with a variant stored in the local store, as a worker would.

use bytes::Bytes;
use chrono::Utc;
use punchline_backends::records::{PhotoResult, ProcessedPhoto, StoredVariant};
use punchline_backends::store::{ObjectKey, Store};
use punchline_domain::{
    ExifFacts, Flag, FlagCode, OrgId, PerceptualHash, PhotoHashes, PhotoId, Severity, Verdict, VerdictState,
};

use crate::harness::TestApp;

/// The variant's bytes as stored (the tests download them back).
pub const VARIANT_BYTES: &[u8] = b"\xff\xd8\xff\xe0 a 300 px variant";

/// Commits a result for `photo` whose verdict is `state` (needs_review carries a
/// critical `outside_geofence` flag with its evidence).
pub async fn commit_verdict(app: &TestApp, org: OrgId, photo: PhotoId, state: VerdictState) {
    let flags = match state {
        VerdictState::NeedsReview => vec![Flag {
            code: FlagCode::OutsideGeofence,
            severity: Severity::Critical,
            evidence: serde_json::json!({"distance_m": 812.5, "radius_m": 150.0}),
            message: "The photo was taken 812 m from the site".into(),
        }],
        _ => vec![],
    };
    let verdict = commit_flags(app, org, photo, flags).await;
    assert_eq!(verdict.state, state, "the flags give the wanted verdict");
}

/// Commits a result for `photo` whose verdict carries `flags`; returns the verdict.
pub async fn commit_flags(app: &TestApp, org: OrgId, photo: PhotoId, flags: Vec<Flag>) -> Verdict {
    app.records.mark_processing(org, photo).await.expect("mark processing");
    let key = ObjectKey::variant(org, photo, 300);
    app.store.put(&key, Bytes::from_static(VARIANT_BYTES), "image/jpeg").await.expect("store variant");
    let verdict = Verdict::from_flags(flags, "rules-test-1", Utc::now());
    let sha256: [u8; 32] = *uuid::Uuid::new_v4().as_bytes().repeat(2).first_chunk().expect("32 bytes");
    let pdq = PerceptualHash { bits: sha256, quality: 90 };
    let result = PhotoResult::Processed(Box::new(ProcessedPhoto {
        width: 4032,
        height: 3024,
        facts: ExifFacts::default(),
        hashes: PhotoHashes { sha256, pdq, pdq_dihedral: [sha256; 8] },
        index_for_reuse: false,
        variants: vec![StoredVariant {
            size: 300,
            object_key: key.to_string(),
            width: 300,
            height: 225,
            bytes: VARIANT_BYTES.len() as u64,
        }],
        verdict: verdict.clone(),
    }));
    app.records.commit_result(org, photo, &result).await.expect("commit result");
    verdict
}
