//! The records' behaviour, asserted identically on PostgreSQL and SQLite: every scenario
//! below runs once per database, each time on a fresh database.
//!
//! PostgreSQL: `PUNCHLINE_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) names a server on which each test
//! creates, and finally drops, a database `punchline_test_<uuid>`.

mod fixtures;
mod harness;
mod memory;
mod photos;
mod punches;
mod races;
mod reuse;
mod tenancy;

punchline_testkit::on_both!(run = harness::run;
    tenancy::migrations_apply_and_reapply,
    tenancy::orgs_cannot_read_or_change_each_others_rows,
    tenancy::searches_never_cross_orgs,
    punches::same_client_id_is_the_same_punch,
    punches::concurrent_creates_make_one_punch,
    punches::device_time_keeps_its_offset,
    punches::listing_filters_and_pages,
    punches::sites_update_and_list,
    photos::upload_completion_writes_one_outbox_row,
    photos::stale_uploads_are_found_for_the_sweeper,
    photos::commit_result_is_written_once,
    photos::concurrent_commits_commit_once,
    photos::failures_are_recorded_with_their_reason,
    photos::reviews_sit_beside_the_verdict,
    races::simultaneous_copies_have_exactly_one_original,
    reuse::multi_index_search_matches_brute_force,
    reuse::blank_hashes_are_never_matched,
    reuse::exact_duplicates_by_sha256,
    reuse::exif_twins_are_found_with_their_distance,
    reuse::radius_beyond_the_index_is_refused,
    memory::indexed_hashes_come_in_seq_order_without_blanks,
    memory::memory_index_matches_the_database_search,
    memory::memory_index_never_crosses_orgs,
);

/// Out-of-order commits could happen on PostgreSQL only (SQLite has one writer at a time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_of_one_org_commit_in_number_order() {
    let db = harness::TestDb::postgres().await;
    memory::registrations_of_one_org_commit_in_number_order(&db).await;
}

/// `records::open` picks the backend from the URL and never echoes it in an error.
#[tokio::test]
async fn open_picks_the_backend_by_url() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite:{}", dir.path().join("by-url.sqlite").display());
    let records = punchline_backends::records::open(&url, 2).await.expect("opens a SQLite file");
    records.migrate().await.expect("migrations apply");
    records.ping().await.expect("ping");
    let refused = punchline_backends::records::open("mysql://user:secret@host/db", 2).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("postgres://") && !message.contains("secret"), "{message}");
}
