//! A fresh database per test: see `punchline_backends::records::test_db`.

use std::future::Future;
use std::sync::Arc;

pub use punchline_backends::records::test_db::TestDb;
use punchline_backends::records::Records;
use punchline_testkit::Backend;

/// Runs `scenario` on the records of a fresh database of `backend`, which lives (and is
/// dropped) around it: the scenarios take the records alone.
pub async fn run<F, Fut>(backend: Backend, scenario: F)
where
    F: FnOnce(Arc<dyn Records>) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = TestDb::new(backend).await;
    scenario(db.records()).await;
}
