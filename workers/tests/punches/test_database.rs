//! A migrated database of one test's own, PostgreSQL or SQLite, dropped with the value.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use punchline_backends::records::{PostgresRecords, Records, SqliteRecords};
use punchline_domain::PhotoId;
use sqlx::Connection;

/// The server the PostgreSQL tests create their databases on (trust auth locally).
fn pg_admin_url() -> String {
    std::env::var("PUNCHLINE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A migrated database of this test's own, dropped with the value. Built here rather than
/// with `test_db` because the tests need its address (to put a proxy in front) and its
/// tables (to count rows).
pub enum TestDatabase {
    Sqlite { file: PathBuf },
    Postgres { name: String },
}

impl TestDatabase {
    pub async fn sqlite(dir: &Path) -> TestDatabase {
        let db = TestDatabase::Sqlite { file: dir.join("records.sqlite") };
        db.records(None).await.migrate().await.expect("records migrations");
        db
    }

    pub async fn postgres() -> TestDatabase {
        let name = format!("punchline_wtest_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await.expect("PostgreSQL is reachable");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
        admin.close().await.ok();
        let db = TestDatabase::Postgres { name };
        db.records(None).await.migrate().await.expect("records migrations");
        db
    }

    /// The database's URL, through `via` instead of the server's own address if given.
    fn pg_url(name: &str, via: Option<SocketAddr>) -> String {
        let admin = pg_admin_url();
        let server = admin.rsplit_once('/').map_or(admin.as_str(), |(server, _)| server);
        match via {
            Some(address) => format!("postgres://postgres@{address}/{name}"),
            None => format!("{server}/{name}"),
        }
    }

    pub async fn records(&self, via: Option<SocketAddr>) -> Arc<dyn Records> {
        match self {
            TestDatabase::Sqlite { file } => {
                Arc::new(SqliteRecords::open(file, 8).await.expect("SQLite records"))
            }
            TestDatabase::Postgres { name } => Arc::new(
                PostgresRecords::connect(&TestDatabase::pg_url(name, via), 8)
                    .await
                    .expect("PostgreSQL records"),
            ),
        }
    }

    pub async fn verdict_rows(&self, photo: PhotoId) -> i64 {
        let sql = "SELECT count(*) FROM verdicts WHERE photo_id = $1";
        match self {
            TestDatabase::Sqlite { file } => {
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
                let mut db = sqlx::SqliteConnection::connect_with(&options).await.expect("open SQLite");
                sqlx::query_scalar(sql).bind(photo.as_uuid()).fetch_one(&mut db).await.expect("count")
            }
            TestDatabase::Postgres { name } => {
                let mut db =
                    sqlx::PgConnection::connect(&TestDatabase::pg_url(name, None)).await.expect("connect");
                sqlx::query_scalar(sql).bind(photo.as_uuid()).fetch_one(&mut db).await.expect("count")
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let TestDatabase::Postgres { name } = self else { return };
        let name = name.clone();
        // FORCE ends the pooled connections still open.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        });
        let _ = dropped.join();
    }
}
