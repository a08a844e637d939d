//! The worker loop end to end on real servers: jobs published to the queue, photos in a
//! local store, verdicts in the records. Each scenario runs on the embedded pair (SQLite
//! queue and records) and on the production pair (RabbitMQ and PostgreSQL); the outages
//! only where there is a network to cut.

use punchline_backends::store::ObjectKey;
use punchline_domain::{PhotoFailureCode, PhotoState, VerdictState};
use punchline_testkit::broker::{self, BrokerLock};
use punchline_testkit::proxy::Proxy;
use punchline_testkit::wait::eventually;
use punchline_testkit::Backend;
use punchline_workers::WorkerReport;

use crate::stack::{Stack, WAIT};

/// A small photo with GPS, taken where and when [`Stack::submit`] punches.
const GOOD: &str = "coolpix_gps_0010.jpg";
/// Small photos for the tests that need several.
const GOOD_ONES: [&str; 5] = [
    "coolpix_gps_0010.jpg",
    "coolpix_gps_0012.jpg",
    "coolpix_gps_0021.jpg",
    "coolpix_gps_0025.jpg",
    "coolpix_gps_0027.jpg",
];
/// A 12 MP HEIC: decoding it takes long enough to be caught in flight.
const SLOW: &str = "iphonexs_lego_gps.heic";

/// One job to a verdict, variants stored, acked; the same job again changes nothing.
pub async fn a_job_is_processed_once(s: Stack) {
    let mut worker = s.start();
    let job = s.submit(GOOD, true).await;
    let verdict = s.verdicts(&[job.photo]).await.remove(0);
    assert_ne!(verdict.state, VerdictState::Failed, "flags: {:?}", verdict.flags);
    assert_eq!(s.photo(job.photo).await.state, PhotoState::Processed);
    let details = s.records.punch_details(s.org, job.punch).await.expect("details").expect("the punch");
    assert_eq!(details.variants.len(), s.config.variants.sizes.len(), "one variant per size");
    for variant in &details.variants {
        let key: ObjectKey = variant.object_key.parse().expect("a key of the layout");
        assert_eq!(key, ObjectKey::variant(s.org, job.photo, variant.size));
        let stored = s.store.head(&key).await.expect("head").unwrap_or_else(|| panic!("{key} is stored"));
        assert_eq!(stored.len, variant.bytes);
        assert_eq!(stored.content_type.as_deref(), Some("image/jpeg"));
    }
    worker.wait_for("the job to be settled", |r| r.processed == 1).await;
    s.wait_until_empty().await;

    // The same job again, as the outbox relay or the broker may deliver it.
    s.queue.publish(&job).await.expect("publish again");
    worker.wait_for("the redelivery to be settled", |r| r.already_done == 1).await;
    s.wait_until_empty().await;
    let report = worker.stop().await;
    assert_eq!(report, WorkerReport { processed: 1, already_done: 1, ..WorkerReport::default() });
    assert_eq!(s.verdict(job.photo).await.as_ref(), Some(&verdict), "same verdict, same decided_at");
    assert_eq!(s.verdict_rows(job.photo).await, 1);
}

/// Every refused photo of the corpus ends `failed` with its code and is acked; a good
/// photo queued behind them still gets its verdict.
pub async fn bad_photos_fail_with_their_code(s: Stack) {
    let refused = [
        ("bad_empty.heic", "not_an_image"),
        ("bad_mp4_named_jpg.jpg", "not_an_image"),
        ("bad_truncated.heic", "truncated"),
        ("bad_truncated_xperia.jpg", "truncated"),
    ];
    let mut jobs = Vec::new();
    for (name, _) in refused {
        jobs.push(s.submit(name, true).await);
    }
    // Its EXIF pointer is broken but its image is fine: it must be judged, not refused.
    let broken_exif = s.submit("bad_exif_type.jpg", true).await;
    let good = s.submit(GOOD, true).await;
    // One job at a time, so the good photo really waits behind the bad ones.
    let mut config = s.config.clone();
    config.worker.concurrency = 1;
    let mut worker = s.start_with(s.records.clone(), &config);
    let settled = worker.wait_for("every job to be settled", |r| r.total() == 6).await;
    let parked = s.queue.take_parked(10).await.expect("take parked");
    assert!(parked.is_empty(), "a refused photo is not a failed job: {parked:?} ({settled})");
    s.wait_until_empty().await;
    let report = worker.stop().await;
    assert_eq!(report, WorkerReport { processed: 2, failed: 4, ..WorkerReport::default() });
    for ((name, code), job) in refused.iter().zip(&jobs) {
        let photo = s.photo(job.photo).await;
        assert_eq!(photo.state, PhotoState::Failed, "{name}");
        assert_eq!(photo.failure.as_ref().map(|f| f.code.as_str()), Some(*code), "{name}");
        let verdict = s.verdict(job.photo).await.unwrap_or_else(|| panic!("{name} has a verdict"));
        assert_eq!(verdict.state, VerdictState::Failed, "{name}");
    }
    for (name, job) in [("bad_exif_type.jpg", &broken_exif), (GOOD, &good)] {
        let verdict = s.verdict(job.photo).await.unwrap_or_else(|| panic!("{name} has a verdict"));
        assert_ne!(verdict.state, VerdictState::Failed, "{name}: {:?}", verdict.flags);
    }
}

/// A job whose original is missing is parked, and its photo says why.
pub async fn a_missing_original_is_parked(s: Stack) {
    let mut worker = s.start();
    let lost = s.submit(GOOD, false).await;
    // A good photo behind it still flows.
    let good = s.submit(GOOD_ONES[1], true).await;
    worker.wait_for("both jobs to be settled", |r| r.total() == 2).await;
    let report = worker.stop().await;
    assert_eq!(report, WorkerReport { processed: 1, parked: 1, ..WorkerReport::default() });
    assert!(s.verdict(good.photo).await.is_some());

    let photo = s.photo(lost.photo).await;
    assert_eq!(photo.state, PhotoState::Failed);
    let failure = photo.failure.expect("the failure is recorded");
    assert_eq!(failure.code, PhotoFailureCode::JobFailed);
    assert!(failure.reason.contains(&lost.object_key), "the reason names the object: {}", failure.reason);
    assert_eq!(s.verdict(lost.photo).await.map(|v| v.state), Some(VerdictState::Failed));

    let parked = s.queue.take_parked(10).await.expect("take parked");
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].job.as_ref(), Some(&lost));
    assert_eq!(parked[0].reason, failure.reason, "the parked job keeps the same reason");
    s.wait_until_empty().await;
}

/// Shutdown while a job is in flight: the job ends committed and acked or released, and a
/// later worker finishes what an earlier one handed back. Nothing lost, nothing doubled.
pub async fn shutdown_hands_back_or_finishes(s: Stack) {
    let slow = s.submit(SLOW, true).await;
    let good = s.submit(GOOD, true).await;

    // No grace: whatever is in flight when it stops is handed back.
    let mut hasty = s.config.clone();
    hasty.worker.shutdown_grace_s = 0;
    let first = s.start_with(s.records.clone(), &hasty);
    s.wait_for_state(slow.photo, PhotoState::Processing).await;
    let first = first.stop().await;
    assert!(first.released >= 1, "the photo being decoded was handed back: {first}");
    assert_eq!(first.retried + first.parked + first.failed, 0, "{first}");

    // With grace, a stopped worker finishes what it holds before it returns.
    let late = s.submit(SLOW, true).await;
    let mut patient = s.config.clone();
    patient.worker.shutdown_grace_s = 60;
    let second = s.start_with(s.records.clone(), &patient);
    s.wait_for_state(late.photo, PhotoState::Processing).await;
    let second = second.stop().await;
    assert_eq!(second.released, 0, "{second}");
    assert!(s.verdict(late.photo).await.is_some(), "the job in flight was finished: {second}");

    // Whatever is left, a third worker finishes.
    let photos = [slow.photo, good.photo, late.photo];
    let third = s.start();
    s.verdicts(&photos).await;
    s.wait_until_empty().await;
    let third = third.stop().await;
    let committed = first.processed + second.processed + third.processed;
    assert_eq!(committed, 3, "each photo committed once: {first} / {second} / {third}");
    for photo in photos {
        assert_eq!(s.verdict_rows(photo).await, 1);
    }
}

/// The worker's database goes away for a while (its network path cut, the server fine):
/// jobs are retried and complete once it is back.
pub async fn records_outage_is_retried(s: Stack) {
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let worker_records = s.records_via(proxy.address()).await;
    // Retries slow enough to be seen waiting in the queue.
    let mut config = s.config.clone();
    config.queue.retry_base_ms = 1_000;
    config.queue.retry_max_ms = 2_000;
    let mut worker = s.start_with(worker_records, &config);
    proxy.cut();
    let mut photos = Vec::new();
    for name in &GOOD_ONES[..3] {
        photos.push(s.submit(name, true).await.photo);
    }
    let stack = &s;
    eventually(WAIT, "a job waiting out a retry", move || async move {
        (stack.depth().await.delayed > 0).then_some(())
    })
    .await;
    assert!(proxy.refused() > 0, "the worker tried the database while it was away");
    assert!(s.verdict(photos[0]).await.is_none());
    proxy.restore();

    s.verdicts(&photos).await;
    worker.wait_for("every job to be settled", |r| r.processed == 3).await;
    s.wait_until_empty().await;
    let report = worker.stop().await;
    assert!(report.retried >= 1, "{report}");
    assert_eq!(report.parked, 0, "{report}");
    for photo in photos {
        assert_eq!(s.photo(photo).await.state, PhotoState::Processed);
    }
}

/// RabbitMQ closes every connection (failover, restart) while jobs flow: all complete.
pub async fn broker_closes_connections_while_jobs_flow(s: Stack) {
    let mut worker = s.start();
    let mut photos = Vec::new();
    for name in GOOD_ONES.iter().chain(&GOOD_ONES[..3]) {
        photos.push(s.submit(name, true).await.photo);
    }
    worker.wait_for("the first jobs to be done", |r| r.processed >= 1).await;
    broker::close_all_connections("test").await.unwrap_or_else(|e| panic!("{e}"));
    worker.wait_for("more jobs to be done", |r| r.processed >= 4).await;
    broker::close_all_connections("test").await.unwrap_or_else(|e| panic!("{e}"));

    s.verdicts(&photos).await;
    worker.wait_for("every photo's job to be settled", |r| r.processed == photos.len() as u64).await;
    s.wait_until_empty().await;
    let report = worker.stop().await;
    assert_eq!(report.processed, photos.len() as u64, "each photo committed once: {report}");
    assert_eq!(report.parked + report.failed, 0, "{report}");
    for photo in photos {
        assert_eq!(s.verdict_rows(photo).await, 1);
    }
}

punchline_testkit::on_both!(setup = Stack::new;
    a_job_is_processed_once,
    bad_photos_fail_with_their_code,
    a_missing_original_is_parked,
    shutdown_hands_back_or_finishes,
);

/// The outages need a network to cut: RabbitMQ and PostgreSQL only.
mod postgres_only {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn records_outage_is_retried() {
        super::records_outage_is_retried(Stack::new(Backend::Postgres).await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn broker_closes_connections_while_jobs_flow() {
        // No other broker test may run while every connection is closed.
        let lock = BrokerLock::exclusive().await;
        let stack = Stack::with_lock(Backend::Postgres, Some(lock)).await;
        super::broker_closes_connections_while_jobs_flow(stack).await;
    }
}
