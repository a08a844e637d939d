//! The records on PostgreSQL (production): a `PgPool`, runtime-checked queries (no
//! database is needed at build time), migrations from `migrations/postgres`.

mod bit_string;
mod directory;
mod outbox;
mod photos;
mod punches;
mod reuse;

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::{Records, RecordsError};

/// The records in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresRecords {
    pool: PgPool,
}

impl PostgresRecords {
    /// Connects a pool of up to `max_connections` to the database at `url`. Does not
    /// migrate: call [`Records::migrate`] (or `punchline migrate`) for that.
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

#[async_trait]
impl Records for PostgresRecords {
    async fn migrate(&self) -> Result<(), RecordsError> {
        let mut migrator = sqlx::migrate!("./migrations/postgres");
        // Other backends (the queue) may keep their own migrations in the same database.
        migrator.set_ignore_missing(true);
        migrator.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), RecordsError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
