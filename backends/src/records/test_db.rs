//! A fresh, migrated database per test: the kit's empty database
//! ([`punchline_testkit::database::FreshDatabase`]: a uniquely named PostgreSQL database
//! dropped when the test ends, or a SQLite file in a temporary directory) with the
//! records' schema on it. Behind the `test-support` feature, for the test suites of this
//! crate and the crates above it.
//!
//! PostgreSQL: `PUNCHLINE_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) names the server the databases are made on.

use std::sync::Arc;

use punchline_testkit::database::FreshDatabase;
pub use punchline_testkit::Backend;

use super::{PostgresRecords, Records, SqliteRecords};

/// One test's migrated database, dropped (PostgreSQL) or deleted (SQLite) with the value.
pub struct TestDb {
    /// Declared before the database, so the records go first when both do.
    records: Arc<dyn Records>,
    database: FreshDatabase,
}

impl TestDb {
    /// A new, migrated database on `backend`.
    pub async fn new(backend: Backend) -> TestDb {
        let database = FreshDatabase::new(backend).await;
        let records: Arc<dyn Records> = match database.file() {
            Some(file) => Arc::new(SqliteRecords::open(file, 8).await.expect("open SQLite file")),
            None => Arc::new(
                PostgresRecords::connect(database.url(), 16).await.expect("connect to the test database"),
            ),
        };
        records.migrate().await.expect("migrations apply");
        TestDb { records, database }
    }

    /// A new, migrated PostgreSQL database.
    pub async fn postgres() -> TestDb {
        TestDb::new(Backend::Postgres).await
    }

    /// A new, migrated SQLite file.
    pub async fn sqlite() -> TestDb {
        TestDb::new(Backend::Sqlite).await
    }

    /// The records URL (`records.url`) of this database, for a `punchline` process the
    /// test starts.
    pub fn url(&self) -> &str {
        self.database.url()
    }

    /// The records on this database.
    pub fn records(&self) -> Arc<dyn Records> {
        Arc::clone(&self.records)
    }

    /// The database itself: its SQLite file, its URL through a proxy.
    pub fn database(&self) -> &FreshDatabase {
        &self.database
    }
}
