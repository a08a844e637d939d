//! The object store's behaviour, asserted identically on the local directory and on S3:
//! every scenario below runs once per store, each time on a fresh one (a temporary
//! directory; a new bucket).
//!
//! S3: the server `PUNCHLINE_TEST_S3_ENDPOINT` names, with the standard AWS credential
//! variables; unset, the tests start s3s-fs through `scripts/s3-server.sh` (see
//! `punchline_backends::store::test_server`).

#[path = "store/harness.rs"]
mod harness;
#[path = "store/objects.rs"]
mod objects;
#[path = "store/presigned.rs"]
mod presigned;
#[path = "store/specific.rs"]
mod specific;
#[path = "store/upload_route.rs"]
mod upload_route;

/// Declares, for each `module::scenario`, a test per store that runs the scenario on a
/// fresh one.
macro_rules! on_both_stores {
    ($($module:ident :: $scenario:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    crate::$module::$scenario(crate::harness::TestStore::local().await).await;
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    crate::$module::$scenario(crate::harness::TestStore::s3().await).await;
                }
            )*
        }
    };
}

on_both_stores!(
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
