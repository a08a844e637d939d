//! `spawn_app()`: the api as `punchline serve` starts it (`Application::build`), on port 0
//! over a fresh database (SQLite file or PostgreSQL database), a fresh local store and a
//! queue of its own, driven through real HTTP.

use std::sync::Arc;
use std::time::Duration;

use punchline::{Application, Launch};
use punchline_api::TokenKeys;
use punchline_backends::queue::{JobQueue, RabbitMqQueue};
use punchline_backends::records::Records;
use punchline_backends::store::LocalStore;
use punchline_domain::config::{QueueBackend, QueueConfig};
use punchline_domain::{Config, OrgId, Role, UserId};
use punchline_testkit::broker::{amqp_url, BrokerLock};
use punchline_testkit::database::FreshDatabase;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use tokio_util::sync::DropGuard;

/// The database a test runs on: the kit's backends, which [`punchline_testkit::on_both!`]
/// runs every scenario on.
pub use punchline_testkit::Backend as Database;

/// The api as `punchline serve` runs it (`Application::build` with the api role: the
/// outbox relay and the sweeper beside it), on a fresh database, a fresh local store and
/// a queue of its own, driven through real HTTP.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    pub client: reqwest::Client,
    pub keys: TokenKeys,
    pub records: Arc<dyn Records>,
    pub store: Arc<LocalStore>,
    /// The queue the relay publishes the completed uploads' jobs to.
    pub queue: Arc<dyn JobQueue>,
    // Dropped in this order: the app stops, then its queue's topology goes, then the
    // database and the directory.
    _stop: DropGuard,
    _queue: Option<DeleteTopology>,
    _db: FreshDatabase,
    _store_dir: tempfile::TempDir,
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

/// The API on a fresh database of `kind` with `config`: on SQLite with the embedded
/// default's SQLite queue, on PostgreSQL with RabbitMQ under a prefix of this test's own
/// (the production pairing), on a free port.
pub async fn spawn_app_with(kind: Database, mut config: Config) -> TestApp {
    let db = FreshDatabase::new(kind).await;
    let store_dir = tempfile::tempdir().expect("store directory");
    config.records.url = db.url().to_owned();
    config.store.local.directory = store_dir.path().to_path_buf();
    config.api.bind = "127.0.0.1:0".into();
    let queue = match kind {
        Database::Sqlite => None,
        Database::Postgres => {
            config.queue = QueueConfig {
                backend: QueueBackend::Rabbitmq,
                amqp_url: amqp_url(),
                name_prefix: format!(
                    "punchline-api-test-{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..12]
                ),
                ..config.queue
            };
            Some(DeleteTopology { config: config.queue.clone(), _lock: BrokerLock::shared().await })
        }
    };
    let app = Application::build(config, Launch::api().migrating()).await.expect("the api starts");
    let address = app.config().api.public_url.clone();
    let keys = TokenKeys::new(&app.config().auth);
    let records = Arc::clone(app.records());
    let store = Arc::clone(app.local_store().expect("the local store"));
    let job_queue = Arc::clone(app.queue());
    let stop = app.shutdown_handle().drop_guard();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("HTTP client");
    TestApp {
        address,
        client,
        keys,
        records,
        store,
        queue: job_queue,
        _stop: stop,
        _queue: queue,
        _db: db,
        _store_dir: store_dir,
    }
}

/// Deletes a test's RabbitMQ queues when the test ends, passed or failed.
struct DeleteTopology {
    config: QueueConfig,
    _lock: BrokerLock,
}

impl Drop for DeleteTopology {
    fn drop(&mut self) {
        RabbitMqQueue::delete_topology_blocking(&self.config);
    }
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
    /// Waits until the outbox relay has handed every job of `org` to the queue.
    pub async fn relayed(&self, org: OrgId) {
        punchline_testkit::wait::eventually(
            Duration::from_secs(20),
            "the relay to empty the outbox",
            || async { self.records.unsent_outbox(org, 10).await.expect("outbox").is_empty().then_some(()) },
        )
        .await;
    }

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
