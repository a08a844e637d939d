//! The sweeper over uploads whose completion call never came.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use punchline_domain::{PhotoFailureCode, PhotoState, VerdictState};
use punchline_ingest::{OutboxRelay, SweepReport, Sweeper};
use tokio::sync::Notify;

use crate::harness::{assert_nothing_delivered, gif, jpeg, next_job, TestEnv, MAX_BYTES};

pub async fn the_sweeper_completes_leaves_and_refuses(env: TestEnv) {
    let acme = env.tenant("Acme").await;
    let globex = env.tenant("Globex").await;
    // `sweep_after_s` is a minute: these punches are an hour old.
    let an_hour_ago = Utc::now() - TimeDelta::hours(1);
    let uploaded = env.punch_at(&globex, "uploaded", an_hour_ago).await;
    env.upload(&uploaded, jpeg(2_000)).await;
    let abandoned = env.punch_at(&acme, "abandoned", an_hour_ago).await;
    let too_large = env.punch_at(&acme, "too-large", an_hour_ago).await;
    env.upload(&too_large, jpeg(MAX_BYTES as usize + 100)).await;
    let not_a_photo = env.punch_at(&acme, "gif", an_hour_ago).await;
    env.upload(&not_a_photo, gif()).await;
    // Uploaded a moment ago: its app may still be about to complete it.
    let recent = env.punch(&acme, "recent").await;
    env.upload(&recent, jpeg(2_000)).await;

    let wake = Arc::new(Notify::new());
    let sweeper =
        Sweeper::new(&env.config, env.records.clone(), env.store.clone()).with_relay_wake(wake.clone());
    let report = sweeper.sweep_once().await.expect("sweep");
    assert_eq!(report, SweepReport { completed: 1, missing: 1, rejected: 2, errors: 0 });
    tokio::time::timeout(Duration::from_millis(100), wake.notified()).await.expect("the relay was woken");

    let completed = env.photo(&uploaded).await;
    assert_eq!(completed.state, PhotoState::Uploaded);
    assert_eq!(completed.bytes, Some(2_000));
    assert_eq!(env.photo(&abandoned).await.state, PhotoState::PendingUpload, "a missing upload is left");
    assert_eq!(env.photo(&recent).await.state, PhotoState::PendingUpload, "a recent upload is the app's");
    for (photo, reason) in
        [(&too_large, "over the 4096-byte limit"), (&not_a_photo, "not a JPEG, PNG or HEIC")]
    {
        let failed = env.photo(photo).await;
        assert_eq!(failed.state, PhotoState::Failed);
        let failure = failed.failure.expect("the failure is recorded");
        assert_eq!(failure.code, PhotoFailureCode::UploadRejected);
        assert!(failure.reason.contains(reason), "{failure:?}");
        let verdict =
            env.records.verdict(photo.org, photo.id).await.expect("verdict").expect("has a verdict");
        assert_eq!(verdict.state, VerdictState::Failed, "the supervisor sees why");
    }
    assert_eq!(env.unsent(acme.org).await, 0, "no job for Acme's refused or missing uploads");

    // The completed upload's job goes out like an app-completed one, in its own org.
    let relay = OutboxRelay::new(&env.config.ingest, env.records.clone(), env.queue.clone());
    let mut consumer = env.consumer().await;
    assert_eq!(relay.relay_once().await.expect("relay pass"), 1);
    let job = next_job(&mut consumer).await;
    assert_eq!((job.org, job.photo, job.punch), (globex.org, uploaded.id, uploaded.punch));
    assert_nothing_delivered(&mut consumer, Duration::from_secs(1)).await;

    // Refusals are final; only the abandoned upload is looked at again.
    let report = sweeper.sweep_once().await.expect("second sweep");
    assert_eq!(report, SweepReport { completed: 0, missing: 1, rejected: 0, errors: 0 });
    assert!(
        tokio::time::timeout(Duration::from_millis(100), wake.notified()).await.is_err(),
        "nothing new to relay"
    );

    // `sweep_interval_s = 0` turns the sweeper off: `run` returns instead of sweeping.
    let mut off = env.config.clone();
    off.ingest.sweep_interval_s = 0;
    let sweeper = Sweeper::new(&off, env.records.clone(), env.store.clone());
    let never_cancelled = tokio_util::sync::CancellationToken::new();
    crate::harness::within(Duration::from_secs(1), "an off sweeper to return", sweeper.run(never_cancelled))
        .await;
    assert_eq!(env.photo(&abandoned).await.state, PhotoState::PendingUpload);
}
