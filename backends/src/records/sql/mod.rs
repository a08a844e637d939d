//! The records' queries, written once for both databases.
//!
//! PostgreSQL and SQLite run the same statements (both take `$1` placeholders) and decode
//! into the same row types ([`super::rows`]). They differ in how a write transaction is
//! had and in a handful of SQL details. So each file here holds part of the records traits
//! as a `macro_rules!` that stamps the implementation into a backend's type, and each
//! backend (`postgres/`, `sqlite/`) provides only what differs — [`SqlBackend`] (its
//! transactions and migrations, beside its connection setup) and [`SqlDialect`] (the
//! statements it writes its own way) — and then says `sql::impl_records!(ItsType);`.
//!
//! Why macros rather than code generic over [`sqlx::Database`]: a generic query needs a
//! bound for every type it binds or decodes and every row it reads, repeated on every
//! function (Rust does not carry such bounds from a trait to its users), and sqlx's
//! generic executors fit badly with async-trait's `Send` futures. Stamped into a concrete
//! type, the shared code is plain sqlx, type-checked against each database.
//!
//! Keep every line of the macros within the width, splitting SQL literals with `\`:
//! rustfmt formats a macro's body only when all of it fits, and otherwise silently leaves
//! the whole body as it is.

pub(super) mod console;
pub(super) mod directory;
pub(super) mod outbox;
pub(super) mod photos;
pub(super) mod punches;
pub(super) mod reuse;

use std::ops::DerefMut;

use chrono::{DateTime, Utc};
use punchline_domain::{OrgId, PhotoId};
use sqlx::migrate::Migrator;

use super::RecordsError;

/// What the shared queries need from a backend's connection handling. The backend type
/// also has a `pool: sqlx::Pool<Self::Database>` field, which reads go through.
pub(crate) trait SqlBackend {
    /// The sqlx database this backend talks to.
    type Database: sqlx::Database;

    /// A transaction that writes: used as its connection (`&mut *tx`), ended by its own
    /// `commit()`, rolled back if dropped before that.
    type WriteTransaction: DerefMut<Target = Connection<Self>>;

    /// The schema migrations of this backend.
    const MIGRATIONS: Migrator;

    /// Begins a write transaction. The idempotent writes (a punch per client id, one
    /// upload completion, one committed result) rest on its guarantee that two
    /// transactions writing the same row end up one after the other, the second seeing
    /// what the first committed.
    async fn begin_write(&self) -> Result<Self::WriteTransaction, RecordsError>;
}

/// The connection type of a backend's database.
pub(crate) type Connection<B> = <<B as SqlBackend>::Database as sqlx::Database>::Connection;

/// The few statements PostgreSQL and SQLite write differently, for the shared queries to
/// call.
pub(crate) trait SqlDialect: SqlBackend {
    /// Appended to a write transaction's read of a row it is about to change, so that
    /// concurrent writers of the row queue on it.
    const LOCK_FOR_UPDATE: &'static str;

    /// The database's own expression for the current time, if it has one that stores
    /// like a bound timestamp; without one the queries bind the clock's time instead.
    const NOW: Option<&'static str>;

    /// A PDQ hash as the database takes and gives it back in queries.
    type Pdq;

    /// What follows a PDQ parameter in SQL (a cast), if anything.
    const PDQ_PARAM_CAST: &'static str;

    /// What follows a PDQ column in a select list (a cast), if anything.
    const PDQ_COLUMN_CAST: &'static str;

    /// A hash as a PDQ parameter.
    fn pdq_to_sql(bits: &[u8; 32]) -> Self::Pdq;

    /// A hash from a selected PDQ column.
    fn pdq_from_sql(stored: Self::Pdq) -> Result<[u8; 32], RecordsError>;

    /// Adds a photo's hash to the reuse index (`pdq_chunks`), in the transaction that
    /// stores the hash.
    async fn insert_pdq_chunks(
        tx: &mut Connection<Self>,
        org: OrgId,
        photo: PhotoId,
        bits: &[u8; 32],
    ) -> Result<(), RecordsError>;

    /// Makes the write transaction `tx` the only one registering photos of `org` until it
    /// ends (see [`PhotoRecords::register_photo`](crate::records::PhotoRecords::register_photo)):
    /// registration numbers are then committed in their order within the org.
    async fn lock_registrations(tx: &mut Connection<Self>, org: OrgId) -> Result<(), RecordsError>;

    /// Sets `sent_at` on those of `ids` that are `org`'s unsent outbox rows; returns how
    /// many it set.
    async fn mark_outbox_rows_sent(
        &self,
        org: OrgId,
        ids: &[i64],
        sent_at: DateTime<Utc>,
    ) -> Result<u64, RecordsError>;
}

/// Implements [`Records`](super::Records) and all its parts for a backend type that has a
/// `pool` field and implements [`SqlBackend`] and [`SqlDialect`].
macro_rules! impl_records {
    ($records:ty) => {
        $crate::records::sql::directory::impl_directory!($records);
        $crate::records::sql::punches::impl_punch_records!($records);
        $crate::records::sql::photos::impl_photo_records!($records);
        $crate::records::sql::outbox::impl_outbox!($records);
        $crate::records::sql::console::impl_console_records!($records);

        // An unnamed const scopes the macro's imports away from the module it expands in.
        const _: () = {
            use $crate::records::sql::SqlBackend;
            use $crate::records::{Records, RecordsError};

            #[async_trait::async_trait]
            impl Records for $records {
                async fn migrate(&self) -> Result<(), RecordsError> {
                    let mut migrator = <Self as SqlBackend>::MIGRATIONS;
                    // Other backends (the queue) may keep their own migrations in the
                    // same database.
                    migrator.set_ignore_missing(true);
                    migrator.run(&self.pool).await?;
                    Ok(())
                }

                async fn ping(&self) -> Result<(), RecordsError> {
                    sqlx::query("SELECT 1").execute(&self.pool).await?;
                    Ok(())
                }
            }
        };
    };
}
pub(super) use impl_records;
