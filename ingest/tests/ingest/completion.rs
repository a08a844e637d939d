//! `complete_upload` then `relay_once`: what the app's completion call leads to.

use std::time::Duration;

use punchline_domain::{ImageFormat, PhotoJob, PhotoState};
use punchline_ingest::{complete_upload, CompletionError, OutboxRelay, UploadRejection};

use crate::harness::{assert_nothing_delivered, gif, jpeg, next_job, TestEnv, MAX_BYTES};

pub async fn a_completed_upload_reaches_a_consumer_once(env: TestEnv) {
    let tenant = env.tenant("Acme").await;
    let photo = env.punch(&tenant, "punch-1").await;
    env.upload(&photo, jpeg(1_234)).await;

    let completion = complete_upload(&*env.records, &*env.store, &photo, MAX_BYTES).await.expect("completes");
    assert!(completion.is_new());
    assert_eq!(completion.photo.state, PhotoState::Uploaded);
    assert_eq!(completion.photo.bytes, Some(1_234));
    assert_eq!(completion.photo.format, Some(ImageFormat::Jpeg));
    let outbox = env.records.unsent_outbox(tenant.org, 10).await.expect("outbox");
    assert_eq!(outbox.len(), 1, "one job waits in the outbox");
    assert_eq!(Some(outbox[0].id), completion.outbox_id);

    let relay = OutboxRelay::new(&env.config.ingest, env.records.clone(), env.queue.clone());
    let mut consumer = env.consumer().await;
    assert_eq!(relay.relay_once().await.expect("relay pass"), 1);
    let job = next_job(&mut consumer).await;
    let expected = PhotoJob {
        enqueued_at: job.enqueued_at,
        ..PhotoJob::new(tenant.org, photo.id, photo.punch, &photo.object_key)
    };
    assert_eq!(job, expected);
    assert_eq!(env.unsent(tenant.org).await, 0, "the row is marked sent");

    assert_eq!(relay.relay_once().await.expect("second pass"), 0, "nothing is published twice");
    assert_nothing_delivered(&mut consumer, Duration::from_secs(1)).await;
}

pub async fn completing_twice_makes_one_job(env: TestEnv) {
    let tenant = env.tenant("Acme").await;
    let photo = env.punch(&tenant, "punch-1").await;
    env.upload(&photo, jpeg(500)).await;

    // The app retrying while the sweeper looks at the same photo: both hold the photo as
    // it was before either completed it.
    let (first, second) = tokio::join!(
        complete_upload(&*env.records, &*env.store, &photo, MAX_BYTES),
        complete_upload(&*env.records, &*env.store, &photo, MAX_BYTES),
    );
    let (first, second) = (first.expect("first completes"), second.expect("second completes"));
    assert_eq!(usize::from(first.is_new()) + usize::from(second.is_new()), 1, "exactly one wrote a job");
    assert_eq!(first.photo, second.photo, "both answer the photo as recorded");
    // A later retry, with the photo as it is now.
    let again = complete_upload(&*env.records, &*env.store, &env.photo(&photo).await, MAX_BYTES).await;
    let again = again.expect("a retry succeeds");
    assert!(!again.is_new());
    assert_eq!(again.photo, first.photo);
    assert_eq!(env.unsent(tenant.org).await, 1);

    let relay = OutboxRelay::new(&env.config.ingest, env.records.clone(), env.queue.clone());
    let mut consumer = env.consumer().await;
    assert_eq!(relay.relay_once().await.expect("relay pass"), 1);
    assert_eq!(next_job(&mut consumer).await.photo, photo.id);
    assert_nothing_delivered(&mut consumer, Duration::from_secs(1)).await;
}

pub async fn refused_uploads_write_nothing(env: TestEnv) {
    let tenant = env.tenant("Acme").await;
    let missing = env.punch(&tenant, "missing").await;
    let too_large = env.punch(&tenant, "too-large").await;
    env.upload(&too_large, jpeg(MAX_BYTES as usize + 1)).await;
    let not_a_photo = env.punch(&tenant, "gif").await;
    env.upload(&not_a_photo, gif()).await;
    let at_the_limit = env.punch(&tenant, "at-limit").await;
    env.upload(&at_the_limit, jpeg(MAX_BYTES as usize)).await;

    let result = complete_upload(&*env.records, &*env.store, &missing, MAX_BYTES).await;
    assert!(matches!(result, Err(CompletionError::UploadMissing)), "{result:?}");
    let result = complete_upload(&*env.records, &*env.store, &too_large, MAX_BYTES).await;
    match result {
        Err(CompletionError::UploadRejected(rejection)) => {
            assert_eq!(rejection, UploadRejection::TooLarge { bytes: MAX_BYTES + 1, limit: MAX_BYTES });
            assert_eq!(rejection.to_string(), "the upload is 4097 bytes, over the 4096-byte limit");
        }
        other => panic!("expected a size rejection, got {other:?}"),
    }
    let result = complete_upload(&*env.records, &*env.store, &not_a_photo, MAX_BYTES).await;
    assert!(
        matches!(result, Err(CompletionError::UploadRejected(UploadRejection::NotAnImage))),
        "{result:?}"
    );
    for photo in [&missing, &too_large, &not_a_photo] {
        assert_eq!(env.photo(photo).await.state, PhotoState::PendingUpload, "the app may still upload again");
    }
    assert_eq!(env.unsent(tenant.org).await, 0, "no job for a refused upload");

    let result = complete_upload(&*env.records, &*env.store, &at_the_limit, MAX_BYTES).await;
    assert!(result.expect("exactly at the limit is accepted").is_new());
    assert_eq!(env.unsent(tenant.org).await, 1);
}
