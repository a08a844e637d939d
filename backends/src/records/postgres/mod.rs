//! The records on PostgreSQL (production): a `PgPool`, runtime-checked queries (no
//! database is needed at build time), migrations from `migrations/postgres`. The queries
//! are the shared ones of [`super::sql`]; this module holds the connection handling, and
//! [`dialect`] the SQL that PostgreSQL writes its own way.

mod bit_string;
mod dialect;
mod reuse;

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use super::sql::{self, SqlBackend};
use super::RecordsError;

/// The records in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresRecords {
    pool: PgPool,
}

impl PostgresRecords {
    /// Connects a pool of up to `max_connections` to the database at `url`. Does not
    /// migrate: call [`Records::migrate`](super::Records::migrate) (or `punchline
    /// migrate`) for that.
    pub async fn connect(url: &str, max_connections: u32) -> Result<PostgresRecords, RecordsError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            // Fail fast enough for a readiness probe or a job retry to notice an outage.
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        Ok(PostgresRecords { pool })
    }

    /// Records over an existing pool.
    pub fn from_pool(pool: PgPool) -> PostgresRecords {
        PostgresRecords { pool }
    }

    /// The pool, for the parts of the system that share the database (e.g. health checks).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl SqlBackend for PostgresRecords {
    type Database = Postgres;
    type WriteTransaction = Transaction<'static, Postgres>;

    const MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

    /// A plain transaction: writers of one row queue on its row lock (or, for a new row,
    /// on the unique index), and run on once the first commits.
    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, RecordsError> {
        Ok(self.pool.begin().await?)
    }
}

sql::impl_records!(PostgresRecords);
