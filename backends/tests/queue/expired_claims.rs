//! SQLite only: a worker that outlives its claim's visibility timeout cannot settle the
//! job another consumer has since claimed.

use std::time::Duration;

use punchline_backends::queue::QueueError;
use punchline_domain::config::QueueBackend;

use crate::harness::{new_job, next_delivery, TestQueue};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_settlement_of_an_expired_claim_is_refused() {
    let t = TestQueue::new(QueueBackend::Sqlite).await;
    let job = new_job();
    t.queue.publish(&job).await.expect("publish");

    let mut slow = t.queue.consumer().await.expect("consumer");
    let late = next_delivery(&mut slow).await;
    let depth = t.queue.depth().await.expect("depth");
    assert_eq!((depth.ready, depth.in_flight), (0, Some(1)), "{depth:?}");

    // The slow worker is still busy when its claim expires; another consumer takes over.
    let mut fast = t.queue.consumer().await.expect("consumer");
    let taken_over = next_delivery(&mut fast).await;
    assert_eq!(taken_over.job(), &job);
    assert_eq!(taken_over.attempt(), 2);

    assert!(matches!(late.retry("too slow").await, Err(QueueError::DeliveryLost)));
    taken_over.ack().await.expect("the current claim settles");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(t.queue.depth().await.expect("depth").ready, 0);
}
