//! Reuse-search benchmark on PostgreSQL (issue 4, "Speed"): N synthetic PDQ hashes in one
//! organisation, near-duplicates of Q query photos planted at known distances, and the real
//! `ReuseIndex::find_similar` timed at radius 31 (the default `hashing.reuse_max_distance`)
//! and 15, with the recall of the planted matches (which must be 100 % within the radius).
//!
//! `cargo bench -p punchline-backends --bench reuse_index -- 1000000`
//! `PUNCHLINE_BENCH_SEARCH=memory cargo bench -p punchline-backends --bench reuse_index -- 10000000`
//!
//! After the lookups, [`registration`] times what ordering simultaneous copies costs: a
//! photo registered (committed under its org's lock) before its search, and registrations
//! of one org racing from several tasks.
//!
//! Two searches: `database` (default: the multi-index in PostgreSQL, `pdq_chunks`) and
//! `memory` (`punchline_backends::reuse::MemoryReuseIndex` over the same PostgreSQL: the
//! org's hashes loaded cold from the database and timed, then every lookup through its
//! `find_similar`, delta read and evidence fetch included). The memory run does not load
//! `pdq_chunks` (it never reads it), which is what lets 10 M fit on this machine's disk.
//!
//! Environment:
//! - `PUNCHLINE_BENCH_DATABASE_URL` — the server to create `punchline_bench_<uuid>` on
//!   (default `PUNCHLINE_TEST_DATABASE_URL`, else `postgres://postgres@127.0.0.1:5432/postgres`);
//! - `PUNCHLINE_BENCH_PHOTOS` — N when no argument gives it (default 1,000,000);
//! - `PUNCHLINE_BENCH_QUERIES` — query photos, each one lookup per radius (default 500);
//! - `PUNCHLINE_BENCH_BUDGET_SECS` — seconds of lookups per radius before stopping early
//!   (default 300), which keeps a slow configuration bounded;
//! - `PUNCHLINE_BENCH_KEEP=1` — keep the database afterwards (for `EXPLAIN`), else dropped;
//! - `PUNCHLINE_BENCH_SEARCH` — `database` (default) or `memory`.
//!
//! The load writes the tables `find_similar` reads (punches, photos, photo_hashes and the
//! multi-index chunks) with `COPY`, after dropping their keys, indexes and foreign keys; it
//! then recreates them from the definitions the migrations made, so the searched schema is
//! exactly the migrated one, and `VACUUM ANALYZE`s (autovacuum may be off, and index-only
//! scans need the visibility map).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use std::sync::Arc;

use punchline_backends::records::pdq_index::{self, min_distance};
use punchline_backends::records::{PostgresRecords, Records, ReuseIndex};
use punchline_backends::reuse::{MemoryReuseIndex, MemorySettings};
use punchline_domain::{OrgId, PhotoId, SiteId, UserId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// Distances of the planted near-duplicates from their query; every other one is planted
/// near a rotated or mirrored variant (dihedral index ≠ 0) rather than the plain hash.
const PLANTED_DISTANCES: [u32; 6] = [0, 4, 8, 16, 24, 31];
/// The radii measured: the default threshold, and a tighter one for comparison.
const RADII: [u32; 2] = [31, 15];
/// What the worker asks for (`workers::processing::CANDIDATE_LIMIT`).
const MATCH_LIMIT: u32 = 20;
/// Lookups before the timed ones, so the first timings do not pay for connecting.
const WARM_UP_LOOKUPS: usize = 20;
/// The tables the load fills with `COPY`, in foreign-key order.
const LOADED_TABLES: [&str; 4] = ["punches", "photos", "photo_hashes", "pdq_chunks"];
/// Bytes of `COPY` text sent per message.
const COPY_BUFFER: usize = 4 << 20;

#[path = "reuse_index/registration.rs"]
mod registration;

fn main() {
    let settings = Settings::from_env_and_args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let database = runtime.block_on(BenchDatabase::create(&settings.admin_url));
    let report = runtime.block_on(run(&settings, &database));
    println!("{report}");
    if settings.keep_database {
        eprintln!("kept database {} (PUNCHLINE_BENCH_KEEP)", database.name);
        std::mem::forget(database);
    }
}

/// What to run, from the command line and the environment.
struct Settings {
    admin_url: String,
    photos: usize,
    queries: usize,
    budget_per_radius: Duration,
    keep_database: bool,
    memory: bool,
}

impl Settings {
    fn from_env_and_args() -> Settings {
        // `cargo bench` appends `--bench`: the first plain number is N.
        let photos_arg = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
        let photos = photos_arg.or_else(|| std::env::var("PUNCHLINE_BENCH_PHOTOS").ok());
        Settings {
            admin_url: std::env::var("PUNCHLINE_BENCH_DATABASE_URL")
                .or_else(|_| std::env::var("PUNCHLINE_TEST_DATABASE_URL"))
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
            photos: photos.map_or(1_000_000, |n| parse_count(&n, "the number of photos")),
            queries: std::env::var("PUNCHLINE_BENCH_QUERIES")
                .map_or(500, |n| parse_count(&n, "PUNCHLINE_BENCH_QUERIES")),
            budget_per_radius: Duration::from_secs(
                std::env::var("PUNCHLINE_BENCH_BUDGET_SECS")
                    .map_or(300, |n| parse_count(&n, "PUNCHLINE_BENCH_BUDGET_SECS") as u64),
            ),
            keep_database: std::env::var("PUNCHLINE_BENCH_KEEP").is_ok_and(|v| v == "1"),
            memory: match std::env::var("PUNCHLINE_BENCH_SEARCH").as_deref() {
                Ok("memory") => true,
                Ok("database") | Err(_) => false,
                Ok(other) => panic!("PUNCHLINE_BENCH_SEARCH must be memory or database, not {other:?}"),
            },
        }
    }
}

/// A count written with optional `_` separators (`10_000_000`).
fn parse_count(text: &str, what: &str) -> usize {
    text.replace('_', "").parse().unwrap_or_else(|_| panic!("{what} must be a number, not {text:?}"))
}

/// `url` with its database swapped for `database`.
fn database_url(url: &str, database: &str) -> String {
    let server = url.rsplit_once('/').map_or(url, |(server, _)| server);
    format!("{server}/{database}")
}

/// The benchmark's own database, dropped with the value (also when the run panics).
struct BenchDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl BenchDatabase {
    async fn create(admin_url: &str) -> BenchDatabase {
        let name = format!("punchline_bench_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(admin_url).await.expect("PostgreSQL is reachable");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
        admin.close().await.ok();
        let url = database_url(admin_url, &name);
        BenchDatabase { admin_url: admin_url.to_owned(), name, url }
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run during a panic inside the runtime: use a thread with its own runtime.
        // FORCE ends the pool's connections.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::query(&sql).execute(&mut admin).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("could not drop benchmark database {}", self.name);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The synthetic corpus
// ---------------------------------------------------------------------------------------

/// One stored photo: ids, its PDQ and its SHA-256 (random; only the PDQ is searched).
struct SyntheticPhoto {
    photo_id: Uuid,
    punch_id: Uuid,
    pdq: [u8; 32],
    sha256: [u8; 32],
}

/// A near-duplicate planted at a known distance from one of a query's dihedral hashes.
struct Planted {
    photo: SyntheticPhoto,
    query: usize,
    distance: u32,
}

/// A query photo: its 8 dihedral hashes, as a worker would pass them.
struct QueryPhoto {
    dihedral: [[u8; 32]; 8],
}

/// The background photos (derived from their index, so 10 M of them take no memory), the
/// planted near-duplicates after them, and the queries they were planted for.
struct Corpus {
    background: usize,
    planted: Vec<Planted>,
    queries: Vec<QueryPhoto>,
    /// Extra queries with nothing planted, for warming up.
    warm_up: Vec<QueryPhoto>,
}

/// SplitMix64: a fast, well-mixed stream per background photo.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        out
    }
}

/// Ids like the app's (UUID v7): time-ordered by upload, photo `index` one millisecond
/// after photo `index - 1`.
fn time_ordered_id(index: usize, random: [u8; 10]) -> Uuid {
    const START_MS: u64 = 1_704_067_200_000; // 2024-01-01
    uuid::Builder::from_unix_timestamp_millis(START_MS + index as u64, &random).into_uuid()
}

impl SyntheticPhoto {
    fn from_stream(index: usize, stream: &mut SplitMix64, pdq: Option<[u8; 32]>) -> SyntheticPhoto {
        SyntheticPhoto {
            photo_id: time_ordered_id(index, stream.bytes()),
            punch_id: time_ordered_id(index, stream.bytes()),
            pdq: pdq.unwrap_or_else(|| stream.bytes()),
            sha256: stream.bytes(),
        }
    }

    fn background(index: usize) -> SyntheticPhoto {
        let mut stream = SplitMix64(0xB0_0000_0000 ^ index as u64);
        SyntheticPhoto::from_stream(index, &mut stream, None)
    }
}

/// `bits` with exactly `flips` distinct bits flipped.
fn flip(rng: &mut StdRng, bits: &[u8; 32], flips: u32) -> [u8; 32] {
    let mut out = *bits;
    for bit in rand::seq::index::sample(rng, 256, flips as usize) {
        out[bit / 8] ^= 0x80 >> (bit % 8);
    }
    out
}

impl Corpus {
    fn new(background: usize, queries: usize) -> Corpus {
        let mut rng = StdRng::seed_from_u64(0x0052_E05E);
        let random_query = |rng: &mut StdRng| QueryPhoto { dihedral: std::array::from_fn(|_| rng.random()) };
        let queries: Vec<QueryPhoto> = (0..queries).map(|_| random_query(&mut rng)).collect();
        let warm_up = (0..WARM_UP_LOOKUPS).map(|_| random_query(&mut rng)).collect();
        let mut planted = Vec::with_capacity(queries.len() * PLANTED_DISTANCES.len());
        for (query_no, query) in queries.iter().enumerate() {
            for (k, distance) in PLANTED_DISTANCES.into_iter().enumerate() {
                let variant = if k % 2 == 0 { 0 } else { 1 + (query_no + k) % 7 };
                let pdq = flip(&mut rng, &query.dihedral[variant], distance);
                let index = background + planted.len();
                let mut stream = SplitMix64(rng.random());
                let photo = SyntheticPhoto::from_stream(index, &mut stream, Some(pdq));
                planted.push(Planted { photo, query: query_no, distance });
            }
        }
        Corpus { background, planted, queries, warm_up }
    }

    fn len(&self) -> usize {
        self.background + self.planted.len()
    }

    /// Photo `index`: a background one, or a planted one after them.
    fn photo(&self, index: usize) -> SyntheticPhoto {
        match index.checked_sub(self.background) {
            None => SyntheticPhoto::background(index),
            Some(planted) => {
                let p = &self.planted[planted].photo;
                SyntheticPhoto { photo_id: p.photo_id, punch_id: p.punch_id, pdq: p.pdq, sha256: p.sha256 }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

/// The organisation, worker and site every synthetic punch belongs to.
#[derive(Clone, Copy)]
struct Tenant {
    org: Uuid,
    worker: Uuid,
    site: Uuid,
}

/// Keys, unique constraints, indexes and foreign keys taken off for the load and put back
/// after it, from the definitions PostgreSQL reports (so exactly what the migrations made).
struct DeferredIndexes {
    /// `(table, constraint, definition)` of primary keys and unique constraints.
    keys: Vec<(String, String, String)>,
    /// `CREATE INDEX` statements of the other indexes.
    indexes: Vec<String>,
    /// `(table, constraint, definition)` of every foreign key into or out of the tables.
    foreign_keys: Vec<(String, String, String)>,
}

/// The `tables` as a `regclass[]` literal.
fn regclass_array(tables: &[&str]) -> String {
    format!("{{{}}}", tables.join(","))
}

impl DeferredIndexes {
    async fn drop_all(conn: &mut PgConnection, tables: &[&str]) -> DeferredIndexes {
        let tables = regclass_array(tables);
        let constraints = |kinds: &'static str, or_referencing: bool| {
            let referencing = if or_referencing { " OR confrelid = ANY($1::regclass[])" } else { "" };
            format!(
                "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
                 WHERE contype = ANY('{{{kinds}}}'::char[]) AND (conrelid = ANY($1::regclass[]){referencing}) \
                 ORDER BY conrelid::regclass::text, conname"
            )
        };
        let keys: Vec<(String, String, String)> = sqlx::query_as(&constraints("p,u", false))
            .bind(&tables)
            .fetch_all(&mut *conn)
            .await
            .expect("read keys");
        let foreign_keys: Vec<(String, String, String)> = sqlx::query_as(&constraints("f", true))
            .bind(&tables)
            .fetch_all(&mut *conn)
            .await
            .expect("read foreign keys");
        let plain_indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i \
             WHERE indrelid = ANY($1::regclass[]) \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        )
        .bind(&tables)
        .fetch_all(&mut *conn)
        .await
        .expect("read indexes");
        for (table, name, _) in foreign_keys.iter().chain(&keys) {
            execute(conn, &format!("ALTER TABLE {table} DROP CONSTRAINT {name}")).await;
        }
        for (name, _) in &plain_indexes {
            execute(conn, &format!("DROP INDEX {name}")).await;
        }
        let indexes = plain_indexes.into_iter().map(|(_, definition)| definition).collect();
        DeferredIndexes { keys, indexes, foreign_keys }
    }

    /// Puts everything back; returns how long keys + indexes and foreign keys took.
    async fn recreate_all(&self, conn: &mut PgConnection) -> (Duration, Duration) {
        let started = Instant::now();
        for (table, name, definition) in &self.keys {
            execute(conn, &format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")).await;
        }
        for definition in &self.indexes {
            execute(conn, definition).await;
        }
        let indexes_done = Instant::now();
        for (table, name, definition) in &self.foreign_keys {
            execute(conn, &format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")).await;
        }
        (indexes_done - started, indexes_done.elapsed())
    }
}

async fn execute(conn: &mut PgConnection, sql: &str) {
    sqlx::query(sql).execute(&mut *conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Lower-case hex digits of `bytes`, appended (a table, not `write!`: billions of digits).
fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)]);
        out.push(DIGITS[usize::from(byte & 0xF)]);
    }
}

fn push_uuid(out: &mut Vec<u8>, id: &Uuid) {
    push_hex(out, id.as_bytes());
}

/// A table's `COPY … FROM STDIN` statement and how one photo becomes its text rows.
struct CopiedTable {
    table: &'static str,
    statement: &'static str,
    write_rows: fn(&mut Vec<u8>, &Tenant, &SyntheticPhoto),
}

const TIMESTAMP: &[u8] = b"2024-01-01 08:00:00+00";

fn punch_rows(out: &mut Vec<u8>, tenant: &Tenant, photo: &SyntheticPhoto) {
    push_uuid(out, &tenant.org);
    out.push(b'\t');
    push_uuid(out, &photo.punch_id);
    out.push(b'\t');
    push_uuid(out, &photo.punch_id); // client id: any text unique in the org
    out.extend_from_slice(b"\tin\t");
    push_uuid(out, &tenant.worker);
    out.push(b'\t');
    push_uuid(out, &tenant.site);
    out.push(b'\t');
    out.extend_from_slice(TIMESTAMP);
    out.extend_from_slice(b"\t0\t");
    out.extend_from_slice(TIMESTAMP);
    out.push(b'\n');
}

fn photo_rows(out: &mut Vec<u8>, tenant: &Tenant, photo: &SyntheticPhoto) {
    push_uuid(out, &tenant.org);
    out.push(b'\t');
    push_uuid(out, &photo.photo_id);
    out.push(b'\t');
    push_uuid(out, &photo.punch_id);
    out.extend_from_slice(b"\tphotos/");
    push_uuid(out, &photo.photo_id);
    // COPY text unescapes `\\` to `\`: the bytea arrives as `\x…` hex.
    out.extend_from_slice(b"\tprocessed\t2400000\tjpeg\t\\\\x");
    push_hex(out, &photo.sha256);
    out.extend_from_slice(b"\t4032\t3024\t");
    for _ in 0..3 {
        out.extend_from_slice(TIMESTAMP);
        out.push(b'\t');
    }
    out.pop();
    out.push(b'\n');
}

fn photo_hash_rows(out: &mut Vec<u8>, tenant: &Tenant, photo: &SyntheticPhoto) {
    push_uuid(out, &tenant.org);
    out.push(b'\t');
    push_uuid(out, &photo.photo_id);
    out.extend_from_slice(b"\tx");
    push_hex(out, &photo.pdq);
    // The stored dihedral hashes are never searched: the PDQ eight times has their size.
    out.extend_from_slice(b"\t90\t\\\\x");
    for _ in 0..8 {
        push_hex(out, &photo.pdq);
    }
    out.extend_from_slice(b"\tt\n");
}

fn pdq_chunk_rows(out: &mut Vec<u8>, tenant: &Tenant, photo: &SyntheticPhoto) {
    for (chunk_no, value) in pdq_index::chunks(&photo.pdq).into_iter().enumerate() {
        push_uuid(out, &tenant.org);
        let _ = write!(Utf8Sink(out), "\t{chunk_no}\t{value}\t");
        push_uuid(out, &photo.photo_id);
        // The row's copy of the hash (migration 0003); written here rather than left to the
        // trigger, which would look each one up in photo_hashes.
        out.extend_from_slice(b"\tx");
        push_hex(out, &photo.pdq);
        out.push(b'\n');
    }
}

/// `fmt::Write` into a byte buffer (for the few numbers in the rows).
struct Utf8Sink<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Utf8Sink<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

const COPIED_TABLES: [CopiedTable; 4] = [
    CopiedTable {
        table: "punches",
        statement: "COPY punches (org_id, id, client_id, kind, worker_id, site_id, device_time, \
                    device_offset_minutes, received_at) FROM STDIN",
        write_rows: punch_rows,
    },
    CopiedTable {
        table: "photos",
        statement: "COPY photos (org_id, id, punch_id, object_key, state, bytes, format, sha256, width, \
                    height, created_at, uploaded_at, processed_at) FROM STDIN",
        write_rows: photo_rows,
    },
    CopiedTable {
        table: "photo_hashes",
        statement: "COPY photo_hashes (org_id, photo_id, pdq, quality, pdq_dihedral, indexed) FROM STDIN",
        write_rows: photo_hash_rows,
    },
    CopiedTable {
        table: "pdq_chunks",
        statement: "COPY pdq_chunks (org_id, chunk_no, chunk_value, photo_id, pdq) FROM STDIN",
        write_rows: pdq_chunk_rows,
    },
];

/// Streams every photo of the corpus into one table.
async fn copy_table(conn: &mut PgConnection, table: &CopiedTable, tenant: &Tenant, corpus: &Corpus) -> u64 {
    let mut copy = conn.copy_in_raw(table.statement).await.expect("start COPY");
    let mut buffer = Vec::with_capacity(COPY_BUFFER + 4096);
    for index in 0..corpus.len() {
        (table.write_rows)(&mut buffer, tenant, &corpus.photo(index));
        if buffer.len() >= COPY_BUFFER {
            copy.send(std::mem::take(&mut buffer)).await.expect("send COPY data");
            buffer.reserve(COPY_BUFFER + 4096);
        }
    }
    copy.send(buffer).await.expect("send COPY data");
    copy.finish().await.expect("finish COPY")
}

async fn create_tenant(conn: &mut PgConnection) -> Tenant {
    let tenant = Tenant { org: Uuid::now_v7(), worker: Uuid::now_v7(), site: Uuid::now_v7() };
    sqlx::query("INSERT INTO organisations (id, name) VALUES ($1, 'bench')")
        .bind(tenant.org)
        .execute(&mut *conn)
        .await
        .expect("insert organisation");
    sqlx::query("INSERT INTO users (org_id, id, name, role) VALUES ($1, $2, 'worker', 'worker')")
        .bind(tenant.org)
        .bind(tenant.worker)
        .execute(&mut *conn)
        .await
        .expect("insert user");
    sqlx::query(
        "INSERT INTO sites (org_id, id, name, time_zone, geofence) VALUES ($1, $2, 'site', 'UTC', \
         '{\"kind\":\"circle\",\"center\":{\"lat\":0.0,\"lon\":0.0},\"radius_m\":100.0}')",
    )
    .bind(tenant.org)
    .bind(tenant.site)
    .execute(&mut *conn)
    .await
    .expect("insert site");
    tenant
}

/// How long each part of the load took.
struct LoadTimes {
    copies: Vec<(&'static str, u64, Duration)>,
    indexes: Duration,
    foreign_keys: Duration,
    vacuum_analyze: Duration,
}

impl LoadTimes {
    fn total(&self) -> Duration {
        self.copies.iter().map(|(_, _, d)| *d).sum::<Duration>()
            + self.indexes
            + self.foreign_keys
            + self.vacuum_analyze
    }
}

async fn load(url: &str, corpus: &Corpus, with_chunks: bool) -> (Tenant, LoadTimes) {
    let tables = if with_chunks { &LOADED_TABLES[..] } else { &LOADED_TABLES[..3] };
    let mut conn = PgConnection::connect(url).await.expect("connect to the benchmark database");
    // Sorting for the index builds in memory where it fits (a session setting only).
    execute(&mut conn, "SET maintenance_work_mem = '1GB'").await;
    let tenant = create_tenant(&mut conn).await;
    let deferred = DeferredIndexes::drop_all(&mut conn, tables).await;
    let mut copies = Vec::new();
    for table in &COPIED_TABLES[..tables.len()] {
        let started = Instant::now();
        let rows = copy_table(&mut conn, table, &tenant, corpus).await;
        copies.push((table.table, rows, started.elapsed()));
        eprintln!("  COPY {}: {rows} rows in {:.1?}", table.table, started.elapsed());
    }
    let (indexes, foreign_keys) = deferred.recreate_all(&mut conn).await;
    eprintln!("  keys and indexes {indexes:.1?}, foreign keys {foreign_keys:.1?}");
    let started = Instant::now();
    execute(&mut conn, "VACUUM ANALYZE").await;
    let vacuum_analyze = started.elapsed();
    conn.close().await.ok();
    (tenant, LoadTimes { copies, indexes, foreign_keys, vacuum_analyze })
}

/// `(table, table bytes, index bytes)` of the loaded tables.
async fn table_sizes(url: &str) -> Vec<(String, i64, i64)> {
    let mut conn = PgConnection::connect(url).await.expect("connect to the benchmark database");
    let sizes = sqlx::query_as(
        "SELECT t::text, pg_table_size(t), pg_indexes_size(t) FROM unnest($1::regclass[]) AS t",
    )
    .bind(regclass_array(&LOADED_TABLES))
    .fetch_all(&mut conn)
    .await
    .expect("read table sizes");
    conn.close().await.ok();
    sizes
}

// ---------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------

/// The lookups at one radius.
struct RadiusResult {
    radius: u32,
    latencies: Vec<Duration>,
    /// Planted photos within the radius, and how many of them were found.
    expected: usize,
    found: usize,
    /// Matches that were not planted (random hashes are ~128 bits apart: expect none).
    unplanted: usize,
    /// Per planted distance within the radius: `(expected, found)`.
    by_distance: std::collections::BTreeMap<u32, (usize, usize)>,
}

impl RadiusResult {
    /// The nearest-rank percentile `p` (0–100) of the latencies.
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted.get(rank.saturating_sub(1)).copied().unwrap_or_default()
    }

    fn recall(&self) -> f64 {
        if self.expected == 0 {
            return 1.0;
        }
        self.found as f64 / self.expected as f64
    }
}

async fn lookups(
    records: &dyn ReuseIndex,
    org: OrgId,
    corpus: &Corpus,
    radius: u32,
    budget: Duration,
) -> RadiusResult {
    for query in &corpus.warm_up {
        records
            .find_similar(org, &query.dihedral, radius, PhotoId::new(), MATCH_LIMIT)
            .await
            .expect("warm up");
    }
    let mut result = RadiusResult {
        radius,
        latencies: Vec::new(),
        expected: 0,
        found: 0,
        unplanted: 0,
        by_distance: Default::default(),
    };
    let started = Instant::now();
    for (query_no, query) in corpus.queries.iter().enumerate() {
        if started.elapsed() > budget {
            eprintln!("  radius {radius}: budget spent after {query_no} lookups");
            break;
        }
        let timer = Instant::now();
        let matches = records
            .find_similar(org, &query.dihedral, radius, PhotoId::new(), MATCH_LIMIT)
            .await
            .expect("find_similar");
        result.latencies.push(timer.elapsed());
        let planted = corpus.planted.iter().filter(|p| p.query == query_no);
        for p in planted.filter(|p| min_distance(&query.dihedral, &p.photo.pdq) <= radius) {
            let found = usize::from(matches.iter().any(|m| m.photo.0 == p.photo.photo_id));
            result.expected += 1;
            result.found += found;
            let tally = result.by_distance.entry(p.distance).or_default();
            tally.0 += 1;
            tally.1 += found;
        }
        let is_planted =
            |id: Uuid| corpus.planted.iter().any(|p| p.query == query_no && p.photo.photo_id == id);
        result.unplanted += matches.iter().filter(|m| !is_planted(m.photo.0)).count();
    }
    result
}

// ---------------------------------------------------------------------------------------
// The run and its report
// ---------------------------------------------------------------------------------------

async fn run(settings: &Settings, database: &BenchDatabase) -> String {
    let records = PostgresRecords::connect(&database.url, 2).await.expect("connect the records");
    records.migrate().await.expect("migrations apply");
    let corpus = Corpus::new(settings.photos, settings.queries);
    eprintln!(
        "loading {} photos ({} background, {} planted) into {}",
        corpus.len(),
        corpus.background,
        corpus.planted.len(),
        database.name
    );
    let (tenant, load_times) = load(&database.url, &corpus, !settings.memory).await;
    let sizes = table_sizes(&database.url).await;
    let org = OrgId(tenant.org);
    let mut memory_load = None;
    let search: Arc<dyn ReuseIndex> = if settings.memory {
        let shared: Arc<dyn Records> = Arc::new(records.clone());
        let memory = MemoryReuseIndex::new(shared, MemorySettings::default());
        let started = Instant::now();
        let stats = memory.prepare(org).await.expect("load the memory index");
        let took = started.elapsed();
        eprintln!(
            "  memory index: {} hashes, {} bytes, loaded in {took:.1?}",
            stats.hashes, stats.memory_bytes
        );
        memory_load =
            Some(MemoryLoad { took, hashes: stats.hashes, bytes: stats.memory_bytes, rss: resident_bytes() });
        Arc::new(memory)
    } else {
        Arc::new(records.clone())
    };
    let mut results = Vec::new();
    for radius in RADII {
        let result = lookups(&*search, org, &corpus, radius, settings.budget_per_radius).await;
        eprintln!(
            "  radius {radius}: p50 {:.2?} p99 {:.2?} recall {}/{}",
            result.percentile(50.0),
            result.percentile(99.0),
            result.found,
            result.expected
        );
        results.push(result);
    }
    // Enough connections for the racing registrations not to queue on the pool.
    let writer: Arc<dyn Records> =
        Arc::new(PostgresRecords::connect(&database.url, 10).await.expect("connect the records"));
    let owner = registration::Owner { org, worker: UserId(tenant.worker), site: SiteId(tenant.site) };
    let registered = registration::measure(writer, Arc::clone(&search), &owner, RADII[0], MATCH_LIMIT).await;
    drop(search);
    records.pool().close().await;
    let mut out = report(&corpus, &load_times, &sizes, memory_load.as_ref(), &results);
    out.push('\n');
    out.push_str(&registered.report(RADII[0]));
    out
}

/// The in-memory index's cold load from PostgreSQL.
struct MemoryLoad {
    took: Duration,
    hashes: usize,
    /// What the index counts as its own (tables, hashes, ids, bookkeeping).
    bytes: usize,
    /// The whole benchmark process's resident set after the load (Linux), for comparison.
    rss: Option<u64>,
}

/// This process's resident set size from `/proc/self/statm` (pages × 4 KiB).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn mib(bytes: i64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn report(
    corpus: &Corpus,
    load: &LoadTimes,
    sizes: &[(String, i64, i64)],
    memory: Option<&MemoryLoad>,
    results: &[RadiusResult],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "N = {} photos ({} background + {} planted near {} queries)\n",
        corpus.len(),
        corpus.background,
        corpus.planted.len(),
        corpus.queries.len()
    );
    let _ = writeln!(out, "| load step | rows | time |\n|---|---:|---:|");
    for (table, rows, took) in &load.copies {
        let _ = writeln!(out, "| COPY {table} | {rows} | {:.1} s |", took.as_secs_f64());
    }
    let _ = writeln!(out, "| keys + indexes | | {:.1} s |", load.indexes.as_secs_f64());
    let _ = writeln!(out, "| foreign keys | | {:.1} s |", load.foreign_keys.as_secs_f64());
    let _ = writeln!(out, "| VACUUM ANALYZE | | {:.1} s |", load.vacuum_analyze.as_secs_f64());
    let _ = writeln!(out, "| **total** | | **{:.1} s** |\n", load.total().as_secs_f64());
    let _ = writeln!(out, "| table | heap | indexes |\n|---|---:|---:|");
    for (table, heap, indexes) in sizes {
        let _ = writeln!(out, "| {table} | {} | {} |", mib(*heap), mib(*indexes));
    }
    let total: i64 = sizes.iter().map(|(_, heap, indexes)| heap + indexes).sum();
    let _ = writeln!(out, "| **total** | | **{}** |\n", mib(total));
    let search =
        if memory.is_some() { "memory (MemoryReuseIndex over PostgreSQL)" } else { "database (pdq_chunks)" };
    let _ = writeln!(out, "Search: {search}\n");
    if let Some(m) = memory {
        let _ = writeln!(
            out,
            "Memory index: {} hashes loaded cold from PostgreSQL in {:.1} s; {} ({:.0} bytes per photo); \
             process RSS after the load {}\n",
            m.hashes,
            m.took.as_secs_f64(),
            mib(m.bytes as i64),
            m.bytes as f64 / m.hashes.max(1) as f64,
            m.rss.map_or("unknown".to_owned(), |r| mib(r as i64)),
        );
    }
    let _ =
        writeln!(out, "| radius | lookups | p50 | p99 | max | recall | by planted distance | unplanted |");
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---|---:|");
    for r in results {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {}/{} ({:.1} %) | {} | {} |",
            r.radius,
            r.latencies.len(),
            millis(r.percentile(50.0)),
            millis(r.percentile(99.0)),
            millis(r.percentile(100.0)),
            r.found,
            r.expected,
            100.0 * r.recall(),
            r.by_distance.iter().map(|(d, (e, f))| format!("{d}: {f}/{e}")).collect::<Vec<_>>().join(", "),
            r.unplanted
        );
    }
    out
}
