//! An empty database of one test's own, so tests run side by side and leave nothing
//! behind: a uniquely named PostgreSQL database, dropped when the test ends (passed or
//! failed), or a SQLite file in a temporary directory, deleted with it. Empty: the
//! schema is the records' business (`punchline_backends::records::test_db` migrates it).
//!
//! PostgreSQL: `PUNCHLINE_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) names the server the databases are made
//! on, and the database to connect to while making and dropping them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use sqlx::{Connection, PgConnection};

use crate::Backend;

/// The server the PostgreSQL tests make their databases on (trust auth locally).
fn admin_url() -> String {
    std::env::var("PUNCHLINE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// One test's empty database, gone with the value.
pub struct FreshDatabase {
    /// The records URL (`records.url`) of the database.
    url: String,
    /// The SQLite file; `None` for PostgreSQL.
    file: Option<PathBuf>,
    /// The PostgreSQL database to drop at the end; `None` for SQLite.
    postgres: Option<String>,
    /// Keeps the SQLite file's directory until the end; `None` for PostgreSQL.
    _dir: Option<tempfile::TempDir>,
}

impl FreshDatabase {
    /// An empty database on `backend`.
    pub async fn new(backend: Backend) -> FreshDatabase {
        match backend {
            Backend::Sqlite => FreshDatabase::sqlite(),
            Backend::Postgres => FreshDatabase::postgres().await,
        }
    }

    /// A new database `punchline_test_<uuid>` on the test server.
    ///
    /// # Panics
    /// When the server cannot be reached or refuses to make it.
    pub async fn postgres() -> FreshDatabase {
        let name = format!("punchline_test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_url();
        let mut connection = PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is reachable for the tests at {admin} ({e})"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .expect("create the test database");
        connection.close().await.ok();
        let url = with_database(&admin, &name);
        FreshDatabase { url, file: None, postgres: Some(name), _dir: None }
    }

    /// A SQLite file (not made yet: the records make it) in a new temporary directory.
    pub fn sqlite() -> FreshDatabase {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("records.sqlite");
        let url = format!("sqlite:{}", file.display());
        FreshDatabase { url, file: Some(file), postgres: None, _dir: Some(dir) }
    }

    /// Which backend it is on.
    pub fn backend(&self) -> Backend {
        if self.postgres.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Its records URL (`records.url`), for the records or a `punchline` process.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite file; `None` on PostgreSQL.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The PostgreSQL database's URL reached through `address` (a [`crate::proxy::Proxy`])
    /// instead of the server's own.
    ///
    /// # Panics
    /// On SQLite, which has no network path.
    pub fn url_via(&self, address: SocketAddr) -> String {
        assert!(self.postgres.is_some(), "a SQLite database has no network address to go around");
        via(&self.url, address)
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres.take() else { return };
        // Drop may run during a panic and inside the test's runtime: use a thread with a
        // runtime of its own. FORCE ends the connections pools still hold open.
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

/// `server_url` with its database swapped for `database`.
fn with_database(server_url: &str, database: &str) -> String {
    let server = server_url.rsplit_once('/').map_or(server_url, |(server, _)| server);
    format!("{server}/{database}")
}

/// `url` with its host and port swapped for `address`, its credentials and database kept.
fn via(url: &str, address: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let credentials = authority.rsplit_once('@').map(|(credentials, _)| format!("{credentials}@"));
    format!("{scheme}://{}{address}/{path}", credentials.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_keeps_the_server_and_its_credentials() {
        let url = with_database("postgres://postgres:secret@db.local:5433/postgres", "punchline_test_1");
        assert_eq!(url, "postgres://postgres:secret@db.local:5433/punchline_test_1");
    }

    #[test]
    fn through_a_proxy_only_the_address_changes() {
        let proxy: SocketAddr = "127.0.0.1:40123".parse().expect("an address");
        let url = via("postgres://postgres@127.0.0.1:5432/punchline_test_1", proxy);
        assert_eq!(url, "postgres://postgres@127.0.0.1:40123/punchline_test_1");
        assert_eq!(via("postgres://db.local/x", proxy), "postgres://127.0.0.1:40123/x");
    }
}
