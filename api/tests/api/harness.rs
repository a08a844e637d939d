//! `spawn_app()`: the whole API on port 0 over a fresh database (SQLite file or
//! PostgreSQL database) and a fresh local store, driven through real HTTP.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use punchline_api::{App, TokenKeys};
use punchline_backends::records::test_db::TestDb;
use punchline_backends::records::Records;
use punchline_backends::store::{LocalStore, Store};
use punchline_domain::{Config, OrgId, Role, UserId};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use tokio::sync::oneshot;

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    Sqlite,
    Postgres,
}

/// A running API with its database, store and a client.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    pub client: reqwest::Client,
    pub keys: TokenKeys,
    pub records: Arc<dyn Records>,
    pub store: Arc<LocalStore>,
    _db: TestDb,
    _store_dir: tempfile::TempDir,
    _shutdown: oneshot::Sender<()>,
}

/// Generous limits so tests are never throttled unless they mean to be.
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.api.rate_limit.per_ip_per_s = 100_000;
    config.api.rate_limit.per_ip_burst = 100_000;
    config.api.rate_limit.per_token_per_s = 100_000;
    config.api.rate_limit.per_token_burst = 100_000;
    config.auth.jwt_secret = "test-signing-key-of-the-api-tests-0123456789".into();
    config
}

/// The API on a fresh database of `kind` with the test configuration.
pub async fn spawn_app(kind: Database) -> TestApp {
    spawn_app_with(kind, test_config()).await
}

/// The API on a fresh database of `kind` with `config` (its `api.public_url` is set to
/// the bound port).
pub async fn spawn_app_with(kind: Database, mut config: Config) -> TestApp {
    let db = match kind {
        Database::Sqlite => TestDb::sqlite().await,
        Database::Postgres => TestDb::postgres().await,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let port = listener.local_addr().expect("bound address").port();
    let address = format!("http://127.0.0.1:{port}");
    config.api.public_url = address.clone();
    let store_dir = tempfile::tempdir().expect("store directory");
    let store = Arc::new(
        LocalStore::open(store_dir.path(), b"test-store-signing-key-0123456789abcdef", &address)
            .await
            .expect("open local store"),
    );
    let records = db.records();
    let app = App::new(
        &config,
        Arc::clone(&records),
        Arc::clone(&store) as Arc<dyn Store>,
        Some(Arc::clone(&store)),
    );
    let keys = app.state().tokens.as_ref().clone();
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(app.serve(listener, async move {
        let _ = stop.await;
    }));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("HTTP client");
    TestApp { address, client, keys, records, store, _db: db, _store_dir: store_dir, _shutdown: shutdown }
}

/// A signed-in user of a test organisation.
#[derive(Debug, Clone)]
pub struct Member {
    pub org: OrgId,
    pub user: UserId,
    pub token: String,
}

/// An organisation with one member of each role, plus a second worker.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub org: OrgId,
    pub worker: Member,
    pub other_worker: Member,
    pub supervisor: Member,
    pub admin: Member,
}

impl TestApp {
    /// A member of `org` with a fresh id and a 15-minute token.
    pub fn member(&self, org: OrgId, role: Role) -> Member {
        let user = UserId::new();
        let token = self.keys.mint(org, user, role, Duration::from_secs(900)).expect("mint token");
        Member { org, user, token }
    }

    /// A fresh organisation with its members (created in the records on first use).
    pub fn tenant(&self) -> Tenant {
        let org = OrgId::new();
        Tenant {
            org,
            worker: self.member(org, Role::Worker),
            other_worker: self.member(org, Role::Worker),
            supervisor: self.member(org, Role::Supervisor),
            admin: self.member(org, Role::Admin),
        }
    }

    /// A request to `path` (relative to the API) with `token`, if any.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.address));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, member: &Member) -> Response {
        self.request(Method::GET, path, Some(&member.token)).send().await.expect("request sent")
    }

    pub async fn post(&self, path: &str, member: &Member, body: &Value) -> Response {
        self.request(Method::POST, path, Some(&member.token)).json(body).send().await.expect("request sent")
    }

    pub async fn patch(&self, path: &str, member: &Member, body: &Value) -> Response {
        self.request(Method::PATCH, path, Some(&member.token)).json(body).send().await.expect("request sent")
    }

    /// Creates a circle site through the API as `admin`; returns its id.
    pub async fn site(&self, admin: &Member) -> String {
        let body = serde_json::json!({
            "name": "Werribee depot",
            "time_zone": "Australia/Melbourne",
            "geofence": {"kind": "circle", "center": {"lat": -37.6698, "lon": 144.5465}, "radius_m": 150.0},
        });
        let response = self.post("/v1/sites", admin, &body).await;
        assert_eq!(response.status(), 201, "create site");
        json(response).await["id"].as_str().expect("site id").to_owned()
    }
}

/// A punch body for `site` with this client id and a JPEG of `bytes`.
pub fn punch_body(client_id: &str, site: &str, bytes: u64) -> Value {
    serde_json::json!({
        "client_id": client_id,
        "kind": "in",
        "site_id": site,
        "device_time": (chrono::Utc::now() - chrono::TimeDelta::seconds(30)).to_rfc3339(),
        "device_location": {"lat": -37.6699, "lon": 144.5466, "accuracy_m": 12.5, "mock": false},
        "photo": {"content_type": "image/jpeg", "content_length": bytes},
    })
}

/// The response's JSON body.
pub async fn json(response: Response) -> Value {
    let text = response.text().await.expect("response body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A sample photo's bytes from the shared corpus (`PUNCHLINE_PHOTOS` or `../shared/photos`
/// beside the clone).
pub fn photo(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("PUNCHLINE_PHOTOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/photos"));
    let path = dir.join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("sample photo {}: {e}", path.display()))
}
