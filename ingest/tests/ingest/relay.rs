//! The relay running as it does in a process: woken by completions, surviving outages,
//! keeping organisations apart.

use std::collections::HashMap;
use std::time::Duration;

use punchline_domain::PhotoState;
use punchline_ingest::{complete_upload, OutboxRelay};
use punchline_testkit::wait::eventually;
use tokio_util::sync::CancellationToken;

use crate::harness::{assert_nothing_delivered, jpeg, next_job, within, TestEnv, MAX_BYTES, WAIT};

pub async fn a_wake_publishes_at_once(env: TestEnv) {
    let tenant = env.tenant("Acme").await;
    // The relay polls once a minute: only the wake can bring these jobs out in seconds.
    let relay = OutboxRelay::new(&env.config.ingest, env.records.clone(), env.queue.clone());
    let wake = relay.notifier();
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(relay.run(shutdown.clone()));
    let mut consumer = env.consumer().await;

    for client_id in ["punch-1", "punch-2"] {
        let photo = env.punch(&tenant, client_id).await;
        env.upload(&photo, jpeg(300)).await;
        let completion =
            complete_upload(&*env.records, &*env.store, &photo, MAX_BYTES).await.expect("completes");
        assert!(completion.is_new());
        wake.notify_one();
        // The second round starts with the relay idle after publishing the first job.
        let job = within(Duration::from_secs(5), "the woken relay's publish", next_job(&mut consumer)).await;
        assert_eq!(job.photo, photo.id);
        eventually(WAIT, "the row marked sent", || async {
            (env.unsent(tenant.org).await == 0).then_some(())
        })
        .await;
    }

    shutdown.cancel();
    within(WAIT, "the relay to stop", running).await.expect("the relay task ends cleanly");
}

pub async fn the_relay_outlives_a_queue_outage(mut env: TestEnv) {
    let tenant = env.tenant("Acme").await;
    let relay = OutboxRelay::new(&env.config.ingest, env.records.clone(), env.queue.clone());
    let wake = relay.notifier();
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(relay.run(shutdown.clone()));

    env.break_queue().await;
    let photo = env.punch(&tenant, "punch-1").await;
    env.upload(&photo, jpeg(300)).await;
    complete_upload(&*env.records, &*env.store, &photo, MAX_BYTES)
        .await
        .expect("completes without the queue");
    wake.notify_one();
    // Several failed passes (100 ms, 200 ms, 400 ms, … apart).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!running.is_finished(), "the relay keeps going while the queue is away");
    assert_eq!(env.unsent(tenant.org).await, 1, "the job waits in the outbox, unsent");
    assert_eq!(env.photo(&photo).await.state, PhotoState::Uploaded);

    env.restore_queue().await;
    let mut consumer = env.consumer().await;
    assert_eq!(next_job(&mut consumer).await.photo, photo.id, "published once the queue is back");
    eventually(WAIT, "the row marked sent", || async { (env.unsent(tenant.org).await == 0).then_some(()) })
        .await;
    assert_nothing_delivered(&mut consumer, Duration::from_secs(1)).await;

    shutdown.cancel();
    within(WAIT, "the relay to stop", running).await.expect("the relay task ends cleanly");
}

pub async fn organisations_stay_separate_and_batches_drain(mut env: TestEnv) {
    env.config.ingest.relay_batch = 2;
    let acme = env.tenant("Acme").await;
    let globex = env.tenant("Globex").await;
    let mut org_of_photo = HashMap::new();
    for (tenant, client_id) in [(&acme, "a1"), (&acme, "a2"), (&acme, "a3"), (&globex, "g1")] {
        let photo = env.punch(tenant, client_id).await;
        env.upload(&photo, jpeg(300)).await;
        complete_upload(&*env.records, &*env.store, &photo, MAX_BYTES).await.expect("completes");
        org_of_photo.insert(photo.id, tenant.org);
    }
    // Each org's rows are its own: one org's batch neither sees nor marks the other's.
    assert_eq!(env.unsent(acme.org).await, 3);
    assert_eq!(env.unsent(globex.org).await, 1);

    let relay = OutboxRelay::new(&env.config.ingest, env.records.clone(), env.queue.clone());
    assert_eq!(relay.relay_once().await.expect("first pass"), 3, "a batch of 2 from Acme, Globex's 1");
    assert_eq!(env.unsent(acme.org).await, 1);
    assert_eq!(env.unsent(globex.org).await, 0);
    assert_eq!(relay.relay_once().await.expect("second pass"), 1, "the rest of Acme's");
    assert_eq!(relay.relay_once().await.expect("third pass"), 0);
    assert_eq!(env.unsent(acme.org).await, 0);

    let mut consumer = env.consumer().await;
    let mut received = HashMap::new();
    for _ in 0..4 {
        let job = next_job(&mut consumer).await;
        assert!(job.object_key.starts_with(&job.org.to_string()), "{job:?}");
        assert!(received.insert(job.photo, job.org).is_none(), "{job:?} delivered twice");
    }
    assert_eq!(received, org_of_photo, "every job carries its own organisation");
    assert_nothing_delivered(&mut consumer, Duration::from_secs(1)).await;
}
