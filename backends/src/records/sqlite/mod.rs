//! The records in a SQLite file (the embedded default): WAL journal so readers never
//! wait for the writer, foreign keys on, and one writer at a time: write transactions
//! take an in-process turn first (SQLite's busy handler waits by sleeping and polling,
//! which wastes most of the time under contention), then begin `IMMEDIATE`, so a writer
//! never fails on a read-to-write lock upgrade and writers of other processes queue on
//! the busy timeout. The queries are the shared ones of [`super::sql`]; this module holds
//! the connection handling, and [`dialect`] the SQL that SQLite writes its own way.

mod dialect;
mod reuse;

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, SqliteConnection, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::sql::{self, SqlBackend};
use super::RecordsError;

/// How long a writer waits for another writer's transaction before giving up (a
/// transient error).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The records in a SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteRecords {
    pool: SqlitePool,
    /// Held for the length of every write transaction of this process.
    write_turn: Arc<Mutex<()>>,
}

/// A write transaction, holding this process's write turn until it is committed or
/// dropped.
pub(crate) struct WriteTransaction {
    tx: Transaction<'static, Sqlite>,
    _turn: OwnedMutexGuard<()>,
}

impl WriteTransaction {
    /// Commits, then gives up the write turn.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Deref for WriteTransaction {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

impl SqliteRecords {
    /// Opens (creating if missing) the database file at `path` with a pool of up to
    /// `max_connections`. Does not migrate: call [`Records::migrate`](super::Records::migrate)
    /// for that.
    pub async fn open(path: &Path, max_connections: u32) -> Result<SqliteRecords, RecordsError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL loses no committed transaction on a crash of the process,
            // only (at worst) the last ones on a power loss; FULL would fsync every commit.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await?;
        Ok(SqliteRecords::from_pool(pool))
    }

    /// Records over an existing pool (it must have foreign keys on).
    pub fn from_pool(pool: SqlitePool) -> SqliteRecords {
        SqliteRecords { pool, write_turn: Arc::new(Mutex::new(())) }
    }

    /// The pool, for the parts of the system that share the file (the embedded queue).
    /// Its writes do not take this records' write turn: they wait on the busy timeout.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl SqlBackend for SqliteRecords {
    type Database = Sqlite;
    type WriteTransaction = WriteTransaction;

    const MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");

    /// A write transaction that holds the write lock from its first statement, so it
    /// never has to upgrade a read lock (which SQLite fails at once, without waiting).
    /// Writers run one at a time, each seeing what the previous committed.
    async fn begin_write(&self) -> Result<WriteTransaction, RecordsError> {
        let turn = Arc::clone(&self.write_turn).lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTransaction { tx, _turn: turn })
    }
}

sql::impl_records!(SqliteRecords);
