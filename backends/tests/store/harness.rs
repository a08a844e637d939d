//! A fresh store per test: a local store in a temporary directory (with its URLs served
//! by [`crate::upload_route`]) or a new bucket on the S3 test server.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use punchline_backends::store::{LocalStore, ObjectKey, PresignedRequest, S3Store, Store};
use punchline_domain::config::S3StoreConfig;
use punchline_domain::{OrgId, PhotoId};

use punchline_backends::store::test_server::s3_server;

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// A local directory, its URLs served by [`crate::upload_route`].
    Local,
    /// A new bucket on the S3 test server.
    S3,
}

/// One test's store.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    /// The local store itself (for its token checks and writer); `None` on S3.
    pub local: Option<Arc<LocalStore>>,
    /// Keeps the local directory alive; `None` on S3.
    _dir: Option<tempfile::TempDir>,
}

impl TestStore {
    /// A fresh store of `kind`.
    pub async fn new(kind: StoreKind) -> TestStore {
        match kind {
            StoreKind::Local => TestStore::local().await,
            StoreKind::S3 => TestStore::s3().await,
        }
    }

    pub async fn local() -> TestStore {
        let dir = tempfile::tempdir().expect("temporary directory");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
        let public_url = format!("http://{}", listener.local_addr().expect("bound address"));
        // A key of its own, so one test's tokens are foreign to another's store.
        let signing_key: [u8; 32] = rand::random();
        let store = LocalStore::open(dir.path().join("objects"), &signing_key, &public_url)
            .await
            .expect("open the local store");
        let store = Arc::new(store);
        crate::upload_route::serve(Arc::clone(&store), listener);
        TestStore { store: store.clone(), local: Some(store), _dir: Some(dir) }
    }

    pub async fn s3() -> TestStore {
        let server = s3_server().clone();
        let config = S3StoreConfig {
            bucket: format!("punchline-test-{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
            region: server.region.clone(),
            endpoint: Some(server.endpoint.clone()),
            path_style: true,
        };
        let store = match &server.credentials {
            Some((access_key, secret_key)) => {
                S3Store::connect_with_credentials(&config, access_key, secret_key).await
            }
            None => S3Store::connect(&config).await,
        }
        .expect("S3 client");
        store.create_bucket().await.expect("create the test bucket");
        TestStore { store: Arc::new(store), local: None, _dir: None }
    }
}

/// A fresh key of the layout.
pub fn new_key() -> ObjectKey {
    ObjectKey::original(OrgId::new(), PhotoId::new())
}

/// `len` bytes that are not all alike, so a misplaced chunk shows.
pub fn sample(len: usize) -> Bytes {
    (0..len).map(|i| (i * 31 % 251) as u8).collect::<Vec<u8>>().into()
}

/// Runs a scenario step with a bound on its time, so a hung server fails the test.
pub async fn bounded<T>(step: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), step).await.expect("the step finished within 60 s")
}

/// A plain HTTP client, as a phone would use (no AWS SDK).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("HTTP client")
}

/// The request a presigned upload describes, with `body`. Headers are sent as given,
/// except Content-Length, which the client derives from the body (a wrong one is the
/// oversized test's business, made there on purpose).
pub fn upload_request(
    client: &reqwest::Client,
    presigned: &PresignedRequest,
    body: reqwest::Body,
) -> reqwest::RequestBuilder {
    let method = reqwest::Method::from_bytes(presigned.method.as_bytes()).expect("an HTTP method");
    let mut request = client.request(method, &presigned.url);
    for (name, value) in &presigned.headers {
        if name != "content-length" {
            request = request.header(name, value);
        }
    }
    request.body(body)
}

/// `url` with one character of its signature changed.
pub fn tampered(url: &str) -> String {
    // S3: the hex after X-Amz-Signature=; local: the base64url after the token's last dot.
    let at = match url.find("X-Amz-Signature=") {
        Some(start) => start + "X-Amz-Signature=".len(),
        None => url.rfind('.').expect("a token with a signature") + 1,
    };
    let mut text = url.to_owned();
    let replacement = if &url[at..=at] == "a" { "b" } else { "a" };
    text.replace_range(at..=at, replacement);
    text
}
