//! What only one of the stores has: the local store's token checks and streaming writer
//! as the api calls them, and how S3's presigned URLs are bound.

use std::time::Duration;

use bytes::Bytes;
use punchline_backends::store::{LocalStore, ObjectKey, StoreError};
use punchline_domain::{OrgId, PhotoId};
use reqwest::StatusCode;

use crate::harness::{bounded, http, new_key, sample, upload_request, TestStore};

const MINUTE: Duration = Duration::from_secs(60);

/// The token at the end of a local URL.
fn token_of(url: &str) -> &str {
    url.rsplit('/').next().expect("a URL with a path")
}

fn local(t: &TestStore) -> &LocalStore {
    t.local.as_deref().expect("a local store")
}

#[tokio::test]
async fn local_urls_are_the_api_routes_with_a_token_that_binds_the_request() {
    let t = TestStore::local().await;
    let store = local(&t);
    let key = new_key();
    let presigned = bounded(t.store.presign_put(&key, "image/png", 500, MINUTE)).await.expect("presign");
    assert!(presigned.url.starts_with("http://127.0.0.1:"), "{}", presigned.url);
    assert!(presigned.url.contains("/v1/uploads/"), "{}", presigned.url);
    let token = token_of(&presigned.url);

    let grant = store.verify_upload(token, Some("image/png"), Some(500)).expect("valid");
    assert_eq!((&grant.key, grant.content_type.as_str(), grant.max_len), (&key, "image/png", 500));
    assert!(matches!(
        store.verify_upload(token, Some("image/jpeg"), Some(500)),
        Err(StoreError::ContentTypeMismatch { .. })
    ));
    assert!(matches!(
        store.verify_upload(token, Some("image/png"), Some(501)),
        Err(StoreError::TooLarge { .. })
    ));
    assert!(matches!(store.verify_download(token), Err(StoreError::BadSignature)));

    let download = bounded(t.store.presign_get(&key, MINUTE)).await.expect("presign get");
    assert!(download.contains("/v1/files/"), "{download}");
    assert_eq!(store.verify_download(token_of(&download)).ok(), Some(key));

    // Another store's key signs tokens this one refuses.
    let other = TestStore::local().await;
    assert!(matches!(local(&other).verify_download(token_of(&download)), Err(StoreError::BadSignature)));
}

#[tokio::test]
async fn local_write_stream_refuses_past_max_len_and_leaves_nothing() {
    let t = TestStore::local().await;
    let store = local(&t);
    let key = new_key();
    let chunks = |n: usize| {
        futures::stream::iter((0..n).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 1000]))))
    };

    let written =
        bounded(store.write_stream(&key, "image/jpeg", chunks(3), 3000)).await.expect("at the limit");
    assert_eq!(written, 3000);
    let other = new_key();
    let refused = bounded(store.write_stream(&other, "image/jpeg", chunks(4), 3000)).await;
    assert!(matches!(refused, Err(StoreError::TooLarge { limit: 3000 })));

    // A body that breaks off (the phone lost its network) is no object either.
    let broken =
        futures::stream::iter([Ok(Bytes::from_static(b"half")), Err(std::io::Error::other("reset"))]);
    let interrupted = bounded(store.write_stream(&other, "image/jpeg", broken, 3000)).await;
    assert!(matches!(interrupted, Err(StoreError::UploadInterrupted(_))));

    assert_eq!(bounded(t.store.head(&other)).await.expect("head"), None);
    let partial = std::fs::read_dir(store.directory().join(".partial")).expect("partial directory").count();
    assert_eq!(partial, 0, "refused writes left temporary files behind");
    assert_eq!(bounded(t.store.get_bytes(&key, 3000)).await.expect("the good one").len(), 3000);
}

#[tokio::test]
async fn local_store_refuses_a_short_signing_key() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let opened = LocalStore::open(dir.path(), b"0123456789", "http://localhost:8080").await;
    assert!(matches!(opened, Err(StoreError::Misconfigured(_))));
}

#[tokio::test]
async fn local_store_open_deletes_partial_files_left_over_an_hour_ago() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let signing_key = [7u8; 32];
    let open = || LocalStore::open(dir.path(), &signing_key, "http://localhost:8080");
    bounded(open()).await.expect("open");
    let partial_dir = dir.path().join(".partial");
    let (stale, fresh) = (partial_dir.join("killed-mid-write"), partial_dir.join("in-progress"));
    for (path, age) in [(&stale, 3 * 3600), (&fresh, 10 * 60)] {
        let file = std::fs::File::create(path).expect("create a partial file");
        let modified = std::time::SystemTime::now() - Duration::from_secs(age);
        file.set_modified(modified).expect("set its modification time");
    }

    bounded(open()).await.expect("open again");
    assert!(!stale.exists(), "a partial file from hours ago is a leftover");
    assert!(fresh.exists(), "a recent partial file may be another process's write in progress");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_uploads_are_bound_to_their_key_type_and_length() {
    let t = TestStore::s3().await;
    let client = http();
    let key = ObjectKey::original(OrgId::new(), PhotoId::new());
    let presigned = bounded(t.store.presign_put(&key, "image/heic", 1000, MINUTE)).await.expect("presign");
    let signed = presigned.url.split("X-Amz-SignedHeaders=").nth(1).and_then(|rest| rest.split('&').next());
    let signed = signed.expect("a SigV4 query-signed URL");
    for header in ["content-type", "content-length"] {
        assert!(signed.contains(header), "{header} is not signed: {signed}");
    }

    // The URL for one key cannot write another.
    let mut moved = presigned.clone();
    let elsewhere = new_key();
    moved.url = presigned.url.replace(key.as_str(), elsewhere.as_str());
    let response = bounded(upload_request(&client, &moved, sample(1000).into()).send()).await.expect("PUT");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(bounded(t.store.head(&elsewhere)).await.expect("head"), None);

    // Nor a shorter body than it was signed for.
    let response =
        bounded(upload_request(&client, &presigned, sample(999).into()).send()).await.expect("PUT");
    assert!(response.status().is_client_error(), "answered {}", response.status());
    assert_eq!(bounded(t.store.head(&key)).await.expect("head"), None);
}
