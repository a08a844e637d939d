//! A fresh database per test: a uniquely named PostgreSQL database (dropped when the test
//! ends, passed or failed) or a SQLite file in a temporary directory. Behind the
//! `test-support` feature, for the test suites of this crate and the crates above it.
//!
//! PostgreSQL: `PUNCHLINE_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) names the server the databases are made on.

use std::sync::Arc;

use super::{PostgresRecords, Records, SqliteRecords};
use sqlx::{Connection, PgConnection};

/// The server the PostgreSQL tests create their databases on (trust auth locally).
fn admin_url() -> String {
    std::env::var("PUNCHLINE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `admin_url` with its database swapped for `database`.
fn database_url(database: &str) -> String {
    let admin = admin_url();
    let server = admin.rsplit_once('/').map_or(admin.as_str(), |(server, _)| server);
    format!("{server}/{database}")
}

/// One test's migrated database, dropped (PostgreSQL) or deleted (SQLite) with the value.
pub struct TestDb {
    records: Arc<dyn Records>,
    /// The records URL of this database, for a process started by the test.
    url: String,
    /// Keeps the SQLite file alive; `None` for PostgreSQL.
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL database to drop at the end; `None` for SQLite.
    pg_database: Option<String>,
}

impl TestDb {
    /// A new, migrated PostgreSQL database.
    pub async fn postgres() -> TestDb {
        let name = format!("punchline_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin =
            PgConnection::connect(&admin_url()).await.expect("PostgreSQL is reachable for the tests");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = database_url(&name);
        let records = PostgresRecords::connect(&url, 16).await.expect("connect to the test database");
        records.migrate().await.expect("migrations apply");
        TestDb { records: Arc::new(records), url, _dir: None, pg_database: Some(name) }
    }

    /// A new, migrated SQLite file.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("records.sqlite");
        let records = SqliteRecords::open(&file, 8).await.expect("open SQLite file");
        records.migrate().await.expect("migrations apply");
        let url = format!("sqlite:{}", file.display());
        TestDb { records: Arc::new(records), url, _dir: Some(dir), pg_database: None }
    }

    /// The records URL (`records.url`) of this database, for a `punchline` process the
    /// test starts.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The records on this database.
    pub fn records(&self) -> Arc<dyn Records> {
        Arc::clone(&self.records)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_database.take() else { return };
        // Drop may run during a panic and inside the test's runtime: use a thread with a
        // runtime of its own. FORCE ends the records' pooled connections.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url()).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        });
        let _ = dropped.join();
    }
}
