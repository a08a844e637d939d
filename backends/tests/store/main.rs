//! The object store's behaviour, asserted identically on the local directory and on S3:
//! every scenario below runs once per store, each time on a fresh one (a temporary
//! directory; a new bucket).
//!
//! S3: the server `PUNCHLINE_TEST_S3_ENDPOINT` names, with the standard AWS credential
//! variables; unset, the tests start s3s-fs through `scripts/s3-server.sh` (see
//! `punchline_backends::store::test_server`).

mod harness;
mod objects;
mod presigned;
mod specific;
mod upload_route;

punchline_testkit::on_both!(
    setup = harness::TestStore::new,
    local = harness::StoreKind::Local,
    s3 = harness::StoreKind::S3;
    objects::put_get_head_delete,
    objects::put_replaces_and_keys_do_not_collide,
    objects::read_prefix_and_bounded_reads,
    objects::missing_objects_are_absent_not_errors_of_the_store,
    presigned::presigned_upload_then_download,
    presigned::tampered_urls_are_refused,
    presigned::expired_urls_are_refused,
    presigned::wrong_content_type_is_refused,
    presigned::oversized_bodies_are_refused,
);
