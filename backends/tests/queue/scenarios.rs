//! What every queue backend does the same way. Each scenario gets a fresh queue with the
//! harness's fast timings (max_attempts 3, backoff 400 ms then 800 ms, visibility 1 s).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use punchline_backends::queue::{QueueDepth, RetryOutcome};
use punchline_domain::PhotoId;

use crate::harness::{assert_nothing_delivered, new_job, next_delivery, within, TestQueue, WAIT};

/// Slack for timers: the broker's TTL and SQLite's clock are millisecond-grained.
const TIMER_SLACK: Duration = Duration::from_millis(30);

/// A published job is delivered once, as attempt 1, and gone once acknowledged.
pub async fn publish_consume_ack_once(t: TestQueue) {
    let mut consumer = t.queue.consumer().await.expect("consumer");
    let job = new_job();
    t.queue.publish(&job).await.expect("publish");

    let delivery = next_delivery(&mut consumer).await;
    assert_eq!(delivery.job(), &job);
    assert_eq!(delivery.attempt(), 1);
    assert!(!delivery.is_last_attempt());
    delivery.ack().await.expect("ack");

    // Closing the consumer would return an unacknowledged delivery to the queue: the
    // acknowledged one must stay gone.
    drop(consumer);
    let mut fresh = t.queue.consumer().await.expect("second consumer");
    assert_nothing_delivered(&mut fresh, Duration::from_millis(1_500)).await;
    let depth = t.queue.depth().await.expect("depth");
    assert_eq!((depth.ready, depth.delayed, depth.parked), (0, 0, 0), "{depth:?}");
    t.queue.ping().await.expect("ping");
}

/// A retried job comes back as the next attempt, no sooner than its backoff.
pub async fn retry_comes_back_after_the_backoff(t: TestQueue) {
    let mut consumer = t.queue.consumer().await.expect("consumer");
    let job = new_job();
    t.queue.publish(&job).await.expect("publish");

    let first = next_delivery(&mut consumer).await;
    let retried_at = Instant::now();
    let outcome = first.retry("object store unreachable").await.expect("retry");
    let backoff = Duration::from_millis(t.config.retry_base_ms);
    assert_eq!(outcome, RetryOutcome::Scheduled(backoff));
    let depth = t.queue.depth().await.expect("depth");
    assert_eq!((depth.ready, depth.delayed), (0, 1), "the job waits out its backoff: {depth:?}");

    let second = next_delivery(&mut consumer).await;
    let waited = retried_at.elapsed();
    assert_eq!(second.job(), &job);
    assert_eq!(second.attempt(), 2);
    assert!(waited + TIMER_SLACK >= backoff, "redelivered after {waited:?}, before the {backoff:?} backoff");

    // The second retry waits twice as long.
    let retried_at = Instant::now();
    let outcome = second.retry("still unreachable").await.expect("retry");
    assert_eq!(outcome, RetryOutcome::Scheduled(backoff * 2));
    let third = next_delivery(&mut consumer).await;
    assert!(retried_at.elapsed() + TIMER_SLACK >= backoff * 2);
    assert_eq!(third.attempt(), 3);
    assert!(third.is_last_attempt());
    third.ack().await.expect("ack");
}

/// Retrying the last attempt parks the job, with the reason.
pub async fn exhausted_attempts_are_parked_with_the_reason(t: TestQueue) {
    let mut consumer = t.queue.consumer().await.expect("consumer");
    let job = new_job();
    t.queue.publish(&job).await.expect("publish");

    for attempt in 1..=t.config.max_attempts {
        let delivery = next_delivery(&mut consumer).await;
        assert_eq!(delivery.attempt(), attempt);
        let outcome = delivery.retry(&format!("database down ({attempt})")).await.expect("retry");
        let expected = if attempt < t.config.max_attempts {
            RetryOutcome::Scheduled(t.config.retry_delay(attempt))
        } else {
            RetryOutcome::Parked
        };
        assert_eq!(outcome, expected);
    }
    assert_nothing_delivered(&mut consumer, Duration::from_millis(1_200)).await;
    assert_eq!(t.queue.depth().await.expect("depth").parked, 1);

    let parked = t.queue.take_parked(10).await.expect("take parked");
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert_eq!(parked[0].job.as_ref(), Some(&job));
    assert_eq!(parked[0].attempts, 3);
    assert_eq!(parked[0].reason, "gave up after 3 attempts: database down (3)");
    assert_eq!(t.queue.depth().await.expect("depth").parked, 0, "taking removes them");
}

/// Parking is immediate and final; the queue behind it keeps flowing.
pub async fn park_is_immediate(t: TestQueue) {
    let mut consumer = t.queue.consumer().await.expect("consumer");
    let (bad, good) = (new_job(), new_job());
    t.queue.publish(&bad).await.expect("publish");
    t.queue.publish(&good).await.expect("publish");

    let first = next_delivery(&mut consumer).await;
    assert_eq!(first.job(), &bad);
    first.park("not_an_image: no known signature").await.expect("park");
    let second = next_delivery(&mut consumer).await;
    assert_eq!(second.job(), &good);
    second.ack().await.expect("ack");
    assert_nothing_delivered(&mut consumer, Duration::from_millis(500)).await;

    let parked = t.queue.take_parked(10).await.expect("take parked");
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].job.as_ref(), Some(&bad));
    assert_eq!(parked[0].reason, "not_an_image: no known signature");
    assert_eq!(parked[0].attempts, 1);
}

/// A message that is not a job is parked by the consumer, never handed out, and does
/// not block the jobs behind it.
pub async fn unreadable_messages_are_parked(t: TestQueue) {
    t.inject_raw(r#"{"v":99,"from":"the future"}"#).await;
    t.inject_raw("not json at all").await;
    let job = new_job();
    t.queue.publish(&job).await.expect("publish");

    let mut consumer = t.queue.consumer().await.expect("consumer");
    let delivery = next_delivery(&mut consumer).await;
    assert_eq!(delivery.job(), &job);
    delivery.ack().await.expect("ack");

    let parked = within(WAIT, "two parked messages", async {
        loop {
            if t.queue.depth().await.expect("depth").parked == 2 {
                return t.queue.take_parked(10).await.expect("take parked");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let mut bodies: Vec<&str> = parked.iter().map(|p| p.body.as_str()).collect();
    bodies.sort_unstable();
    assert_eq!(bodies, ["not json at all", r#"{"v":99,"from":"the future"}"#]);
    assert!(parked.iter().all(|p| p.job.is_none() && p.reason.starts_with("not a job this build can read")));
    assert!(parked.iter().any(|p| p.reason.contains("unsupported job message version 99")), "{parked:?}");
}

/// A delivery whose consumer vanished without settling it is delivered again, as the
/// next attempt: RabbitMQ requeues it when the connection closes, SQLite when the
/// visibility timeout passes.
pub async fn an_unsettled_delivery_of_a_vanished_consumer_comes_back(t: TestQueue) {
    let job = new_job();
    t.queue.publish(&job).await.expect("publish");
    let mut doomed = t.queue.consumer().await.expect("consumer");
    let held = next_delivery(&mut doomed).await;
    assert_eq!(held.attempt(), 1);
    let vanished_at = Instant::now();
    drop(held);
    drop(doomed);

    let mut survivor = t.queue.consumer().await.expect("second consumer");
    let again = next_delivery(&mut survivor).await;
    assert_eq!(again.job(), &job);
    assert_eq!(again.attempt(), 2, "a delivery whose worker died counts as an attempt");
    if t.config.backend == punchline_domain::config::QueueBackend::Sqlite {
        let visibility = Duration::from_millis(t.config.visibility_timeout_ms);
        assert!(
            vanished_at.elapsed() + TIMER_SLACK >= visibility,
            "claimed again before the visibility timeout"
        );
    }
    again.ack().await.expect("ack");
    assert_nothing_delivered(&mut survivor, Duration::from_millis(1_500)).await;
}

/// A job whose workers keep dying is parked once it has used its attempts, instead of
/// killing workers forever.
pub async fn a_job_that_kills_its_workers_ends_parked(t: TestQueue) {
    let job = new_job();
    t.queue.publish(&job).await.expect("publish");
    for attempt in 1..=t.config.max_attempts {
        let mut consumer = t.queue.consumer().await.expect("consumer");
        let delivery = next_delivery(&mut consumer).await;
        assert_eq!(delivery.attempt(), attempt);
        // The worker "dies": neither the delivery nor the consumer is settled or kept.
    }
    let mut consumer = t.queue.consumer().await.expect("consumer");
    assert_nothing_delivered(&mut consumer, Duration::from_millis(2_000)).await;
    let parked = t.queue.take_parked(10).await.expect("take parked");
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert_eq!(parked[0].job.as_ref(), Some(&job));
    assert!(parked[0].reason.contains("without being settled"), "{}", parked[0].reason);
}

/// Many jobs, two consumers at once: every job is processed exactly once.
pub async fn two_consumers_process_each_job_exactly_once(t: TestQueue) {
    const JOBS: usize = 300;
    let seen: Arc<Mutex<HashMap<PhotoId, u32>>> = Arc::default();
    let acked = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..2 {
        let mut consumer = t.queue.consumer().await.expect("consumer");
        let (seen, acked) = (Arc::clone(&seen), Arc::clone(&acked));
        workers.push(tokio::spawn(async move {
            let mut mine = 0usize;
            // Stop once every job is acked and the queue stayed quiet for a moment, so
            // a duplicate would still be caught.
            while let Ok(delivery) = tokio::time::timeout(Duration::from_millis(1_500), consumer.next()).await
            {
                let delivery = delivery.expect("the consumer delivers");
                *seen.lock().expect("lock").entry(delivery.job().photo).or_default() += 1;
                tokio::time::sleep(Duration::from_millis(1)).await; // "work"
                delivery.ack().await.expect("ack");
                mine += 1;
                acked.fetch_add(1, Ordering::SeqCst);
            }
            mine
        }));
    }
    let mut published = Vec::with_capacity(JOBS);
    for _ in 0..JOBS {
        let job = new_job();
        t.queue.publish(&job).await.expect("publish");
        published.push(job.photo);
    }
    let mut per_consumer = Vec::new();
    for worker in workers {
        per_consumer.push(
            within(Duration::from_secs(60), "the consumers to drain the queue", worker)
                .await
                .expect("worker"),
        );
    }

    let seen = std::mem::take(&mut *seen.lock().expect("lock"));
    assert_eq!(seen.len(), JOBS, "every job delivered");
    assert!(published.iter().all(|photo| seen.get(photo) == Some(&1)), "each job exactly once");
    assert_eq!(acked.load(Ordering::SeqCst), JOBS);
    assert!(per_consumer.iter().all(|&n| n > 0), "both consumers took part: {per_consumer:?}");
    println!("{JOBS} jobs, each once; per consumer: {per_consumer:?}");
    let depth = t.queue.depth().await.expect("depth");
    assert_eq!(depth, QueueDepth { in_flight: depth.in_flight.map(|_| 0), ..QueueDepth::default() });
}

/// A released job (graceful shutdown) is delivered again at once, as the next attempt.
pub async fn a_released_job_comes_back_at_once(t: TestQueue) {
    t.queue.publish(&new_job()).await.expect("publish");
    let mut consumer = t.queue.consumer().await.expect("consumer");
    let first = next_delivery(&mut consumer).await;
    first.release().await.expect("release");
    let again =
        within(Duration::from_millis(500), "the released job", consumer.next()).await.expect("delivery");
    assert_eq!(again.attempt(), 2);
    again.ack().await.expect("ack");
}
