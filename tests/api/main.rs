//! The API through real HTTP: `spawn_app()` binds port 0 over a fresh database, and every
//! scenario runs once on SQLite and once on PostgreSQL.
//!
//! PostgreSQL: `PUNCHLINE_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) names the server each test makes its own
//! database on. Sample photos: `PUNCHLINE_PHOTOS` (default `../shared/photos` beside the clone).

mod console;
mod harness;
mod openapi;
mod operations;
mod punches;
mod review;
mod sites;
mod tenancy;
mod uploads;
mod worker;

punchline_testkit::on_both!(setup = harness::spawn_app;
    console::sign_in_with_a_link_and_sign_out,
    console::workers_and_expired_credentials_are_refused,
    console::pages_are_scoped_to_the_organisation,
    console::decisions_need_the_csrf_token_and_a_reason,
    punches::the_whole_flow_through_http,
    punches::retries_return_the_same_punch,
    punches::concurrent_retries_make_one_punch,
    punches::bad_punches_say_what_is_wrong,
    punches::listings_page_and_filter,
    punches::unknown_punches_are_not_found,
    uploads::uploads_are_bound_to_their_signature,
    uploads::only_photos_pass_completion,
    sites::admins_manage_sites,
    sites::bad_sites_say_what_is_wrong,
    review::supervisors_review_flagged_punches,
    tenancy::every_route_checks_auth_and_tenancy,
    openapi::the_document_validates_and_lists_every_route,
    operations::probes_and_metrics_answer,
);

/// The limits need a fresh app of their own configuration; one database shows them.
mod sqlite_only {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn limits_are_enforced() {
        crate::operations::limits_are_enforced(crate::harness::Database::Sqlite).await;
    }
}
