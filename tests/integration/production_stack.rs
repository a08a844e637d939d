//! The production shape as a whole: `punchline serve` and two `punchline work` processes
//! on PostgreSQL, RabbitMQ and an S3 server (s3s-fs), driven over HTTP like a phone:
//! every sample photo is punched, uploaded through its presigned URL, completed and
//! polled until its verdict. Then the same scenario on the embedded default
//! (`punchline all-in-one`: SQLite, a local directory, the SQLite queue) must give the
//! same verdicts.

use std::collections::BTreeMap;
use std::time::Duration;

use punchline_backends::records::test_db::TestDb;
use punchline_backends::store::test_server::s3_server;
use punchline_backends::store::S3Store;
use punchline_domain::config::S3StoreConfig;
use punchline_testkit::broker::BrokerLock;
use punchline_testkit::stack::StackEnv;

use crate::corpus::{expected_outcomes, Corpus, Observed};
use crate::punching::Crew;

/// The 200 MP photo takes ~10 s alone; the whole corpus a few minutes on two cores.
const RESULT_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_photo_gets_its_verdict_on_both_stacks() {
    let corpus = Corpus::read();
    let production = on_the_production_stack(&corpus).await;
    corpus.check(&production, &expected_outcomes());
    let embedded = on_the_embedded_default(&corpus).await;
    for (file, seen) in &production {
        assert_eq!(embedded.get(file), Some(seen), "{file}: the embedded default judges it like production");
    }
}

/// PostgreSQL + RabbitMQ + s3s-fs; `serve` and two `work` processes.
async fn on_the_production_stack(corpus: &Corpus) -> BTreeMap<String, Observed> {
    let services = ProductionServices::new().await;
    let env = judged_like_the_corpus(services.env.clone());
    let _api = env.start(&["serve", "--migrate"], "serving the API on");
    let _workers =
        [env.start(&["work"], "worker consuming jobs"), env.start(&["work"], "worker consuming jobs")];
    let crew = Crew::new(&env.base_url()).await;
    let seen = corpus.punch_all(&crew, RESULT_TIMEOUT).await;
    services.tear_down().await;
    seen
}

/// The production backends of one test: a fresh PostgreSQL database, a RabbitMQ queue
/// under a prefix of its own, and a bucket of its own on the S3 test server; `env` is
/// the stack's environment naming them.
pub struct ProductionServices {
    pub env: StackEnv,
    prefix: String,
    _db: TestDb,
    _unused: tempfile::TempDir,
    _lock: BrokerLock,
}

impl ProductionServices {
    pub async fn new() -> ProductionServices {
        let lock = BrokerLock::shared().await;
        let db = TestDb::postgres().await;
        let s3 = s3_server();
        let bucket = format!("punchline-e2e-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let (access_key, secret_key) =
            s3.credentials.clone().expect("the test's own s3s-fs has fixed credentials");
        let config = S3StoreConfig {
            bucket: bucket.clone(),
            region: s3.region.clone(),
            endpoint: Some(s3.endpoint.clone()),
            path_style: true,
        };
        S3Store::connect_with_credentials(&config, &access_key, &secret_key)
            .await
            .expect("S3 client")
            .create_bucket()
            .await
            .expect("the test bucket");
        let unused = tempfile::tempdir().expect("temporary directory");
        let prefix = format!("test-e2e-{}", uuid::Uuid::new_v4().simple());
        let env = StackEnv::new(crate::PUNCHLINE, db.url(), unused.path())
            .rabbitmq(&prefix)
            .set("PUNCHLINE_STORE__BACKEND", "s3")
            .set("PUNCHLINE_STORE__S3__BUCKET", &bucket)
            .set("PUNCHLINE_STORE__S3__REGION", &s3.region)
            .set("PUNCHLINE_STORE__S3__ENDPOINT", &s3.endpoint)
            .set("PUNCHLINE_STORE__S3__PATH_STYLE", "true")
            .set("AWS_ACCESS_KEY_ID", &access_key)
            .set("AWS_SECRET_ACCESS_KEY", &secret_key)
            .set("AWS_REGION", &s3.region);
        ProductionServices { env, prefix, _db: db, _unused: unused, _lock: lock }
    }

    /// Deletes the test's queues (the database is dropped with the struct).
    pub async fn tear_down(self) {
        let config =
            punchline_domain::config::QueueConfig { name_prefix: self.prefix.clone(), ..Default::default() };
        if let Ok(queue) = punchline_backends::queue::RabbitMqQueue::connect(&config).await {
            let _ = queue.delete_topology().await;
        }
    }
}

/// `punchline all-in-one` with its defaults: SQLite file, local directory, SQLite queue.
async fn on_the_embedded_default(corpus: &Corpus) -> BTreeMap<String, Observed> {
    let data = tempfile::tempdir().expect("temporary directory");
    let records = format!("sqlite:{}", data.path().join("punchline.db").display());
    let env = judged_like_the_corpus(StackEnv::new(crate::PUNCHLINE, &records, &data.path().join("objects")));
    let _all = env.start(&["all-in-one"], "serving the API on");
    let crew = Crew::new(&env.base_url()).await;
    corpus.punch_all(&crew, RESULT_TIMEOUT).await
}

/// The sample photos were taken years before this run: their skew from the server's clock
/// is information, not a finding, so each photo's own flags decide its verdict (the punch's
/// device time is the photo's capture time, as on a phone that punches as it shoots).
fn judged_like_the_corpus(env: StackEnv) -> StackEnv {
    env.set("PUNCHLINE_VERIFICATION__SEVERITY__CAPTURE_TIME_SKEW_SERVER", "info")
}
