//! The supervisors' console in a real browser: Debian's Chromium, headless, driven over
//! WebDriver (chromium-driver, installed by scripts/install-deps.sh) against a real
//! `punchline` stack that punched real sample photos end to end. Once on the embedded
//! default (SQLite, `all-in-one`) and once on the production shape (PostgreSQL +
//! RabbitMQ, `serve` + `work`).
//!
//! Screenshots of the main pages are written to `target/tmp/console-screenshots/`; the
//! best are kept in docs/console/.

mod browser;
mod crew;
mod scenario;

use punchline_backends::records::test_db::TestDb;
use punchline_testkit::stack::StackEnv;

/// The binary under test, as cargo built it for this suite.
const PUNCHLINE: &str = env!("CARGO_BIN_EXE_punchline");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_on_the_embedded_default() {
    let data = tempfile::tempdir().expect("data directory");
    let records = format!("sqlite:{}", data.path().join("punchline.db").display());
    let env =
        scenario::judged_like_the_demo(StackEnv::new(PUNCHLINE, &records, &data.path().join("objects")));
    let _all = env.start(&["all-in-one"], "serving the API on");
    scenario::run(&env, &records, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_on_postgres_and_rabbitmq() {
    let db = TestDb::postgres().await;
    let objects = tempfile::tempdir().expect("objects directory");
    let prefix = format!("console-{}", uuid::Uuid::new_v4().simple());
    let env =
        scenario::judged_like_the_demo(StackEnv::new(PUNCHLINE, db.url(), objects.path()).rabbitmq(&prefix));
    let _api = env.start(&["serve", "--migrate"], "serving the API on");
    let _worker = env.start(&["work"], "worker consuming jobs");
    scenario::run(&env, db.url(), "postgres").await;
}
