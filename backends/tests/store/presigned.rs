//! Presigned upload and download URLs driven by a plain HTTP client, as a phone and a
//! supervisor's screen would: the same assertions on every store. The local store's URLs
//! are served by [`crate::upload_route`], S3's by the S3 server itself.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;

use crate::harness::{bounded, http, new_key, sample, tampered, upload_request, TestStore};

const TYPE: &str = "image/jpeg";
const MINUTE: Duration = Duration::from_secs(60);

pub async fn presigned_upload_then_download(t: TestStore) {
    let (store, client) = (&t.store, http());
    let key = new_key();
    let body = sample(300_000);
    let presigned = bounded(store.presign_put(&key, TYPE, body.len() as u64, MINUTE)).await.expect("presign");
    assert_eq!(presigned.method, "PUT");
    assert_eq!(presigned.headers.get("content-type").map(String::as_str), Some(TYPE));
    assert!(presigned.expires_at > chrono::Utc::now());

    let response =
        bounded(upload_request(&client, &presigned, body.clone().into()).send()).await.expect("PUT");
    assert!(response.status().is_success(), "upload answered {}", response.status());
    let meta = bounded(store.head(&key)).await.expect("head").expect("uploaded");
    assert_eq!((meta.len, meta.content_type.as_deref()), (300_000, Some(TYPE)));

    let url = bounded(store.presign_get(&key, MINUTE)).await.expect("presign get");
    let response = bounded(client.get(&url).send()).await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(bounded(response.bytes()).await.expect("body"), body);
}

pub async fn tampered_urls_are_refused(t: TestStore) {
    let (store, client) = (&t.store, http());
    let key = new_key();
    let body = sample(1000);
    let mut presigned = bounded(store.presign_put(&key, TYPE, 1000, MINUTE)).await.expect("presign");
    presigned.url = tampered(&presigned.url);
    let response =
        bounded(upload_request(&client, &presigned, body.clone().into()).send()).await.expect("PUT");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(bounded(store.head(&key)).await.expect("head"), None, "a refused upload wrote nothing");

    bounded(store.put(&key, body, TYPE)).await.expect("put");
    let url = tampered(&bounded(store.presign_get(&key, MINUTE)).await.expect("presign get"));
    let response = bounded(client.get(&url).send()).await.expect("GET");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

pub async fn expired_urls_are_refused(t: TestStore) {
    let (store, client) = (&t.store, http());
    let (key, body) = (new_key(), sample(1000));
    bounded(store.put(&key, body.clone(), TYPE)).await.expect("put");
    let other = new_key();
    let upload =
        bounded(store.presign_put(&other, TYPE, 1000, Duration::from_secs(1))).await.expect("presign");
    let download = bounded(store.presign_get(&key, Duration::from_secs(1))).await.expect("presign get");
    // Both URLs are signed in whole seconds: 2.5 s is past any rounding.
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let response = bounded(upload_request(&client, &upload, body.into()).send()).await.expect("PUT");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(bounded(store.head(&other)).await.expect("head"), None);
    let response = bounded(client.get(&download).send()).await.expect("GET");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

pub async fn wrong_content_type_is_refused(t: TestStore) {
    let (store, client) = (&t.store, http());
    let key = new_key();
    let mut presigned = bounded(store.presign_put(&key, TYPE, 1000, MINUTE)).await.expect("presign");
    presigned.headers.insert("content-type".into(), "text/html".into());
    let response =
        bounded(upload_request(&client, &presigned, sample(1000).into()).send()).await.expect("PUT");
    assert!(response.status().is_client_error(), "answered {}", response.status());
    assert_eq!(bounded(store.head(&key)).await.expect("head"), None);
}

pub async fn oversized_bodies_are_refused(t: TestStore) {
    let (store, client) = (&t.store, http());
    let key = new_key();
    let presigned = bounded(store.presign_put(&key, TYPE, 1000, MINUTE)).await.expect("presign");

    // Declared: the client says how long the body is.
    let response =
        bounded(upload_request(&client, &presigned, sample(1001).into()).send()).await.expect("PUT");
    assert!(response.status().is_client_error(), "answered {}", response.status());
    assert_eq!(bounded(store.head(&key)).await.expect("head"), None);

    // Undeclared: a chunked body with no Content-Length that runs past the limit.
    let chunks = (0..4).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![7u8; 400])));
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let response = bounded(upload_request(&client, &presigned, body).send()).await.expect("PUT");
    assert!(response.status().is_client_error(), "answered {}", response.status());
    assert_eq!(bounded(store.head(&key)).await.expect("head"), None);
}
