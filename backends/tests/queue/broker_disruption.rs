//! RabbitMQ only: the broker closes every connection (`rabbitmqctl close_all_connections`,
//! as in a failover or a restart) while jobs flow. Nothing may be lost and consumption
//! must resume on its own; duplicates are allowed (at-least-once) and counted.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use punchline_backends::queue::QueueError;
use punchline_domain::config::QueueBackend;
use punchline_domain::PhotoId;
use punchline_testkit::broker;

use crate::harness::{new_job, test_config, within, BrokerLock, TestQueue};

const JOBS: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn close_all_connections_while_jobs_flow_loses_nothing() {
    // Every other broker test holds the lock shared: none is running while this one
    // closes their connections.
    let lock = BrokerLock::exclusive().await;
    let t = TestQueue::rabbitmq(test_config(QueueBackend::Rabbitmq), lock).await;

    let received: Arc<Mutex<HashMap<PhotoId, u32>>> = Arc::default();
    let lost_acks = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let mut consumers = Vec::new();
    for _ in 0..2 {
        let mut consumer = t.queue.consumer().await.expect("consumer");
        let (received, lost_acks, done) = (Arc::clone(&received), Arc::clone(&lost_acks), Arc::clone(&done));
        consumers.push(tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                let Ok(delivery) = tokio::time::timeout(Duration::from_millis(200), consumer.next()).await
                else {
                    continue;
                };
                let delivery = delivery.expect("the consumer survives the forced close");
                *received.lock().expect("lock").entry(delivery.job().photo).or_default() += 1;
                // "Work", so deliveries are in flight when the connections close.
                tokio::time::sleep(Duration::from_millis(5)).await;
                match delivery.ack().await {
                    Ok(()) => {}
                    // Its connection was closed before the ack: the broker redelivers it.
                    Err(QueueError::DeliveryLost) => {
                        lost_acks.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => panic!("ack failed: {e}"),
                }
            }
        }));
    }

    // The publisher, like the outbox relay, publishes again after a transient failure.
    let mut published = Vec::with_capacity(JOBS);
    let mut publish_retries = 0;
    // The closes run beside the publishing (rabbitmqctl takes a second to start), so
    // they land mid-flow: publishes waiting for confirms, deliveries unacknowledged.
    let mut closes = Vec::new();
    for n in 0..JOBS {
        if n == JOBS / 8 || n == JOBS / 2 {
            closes.push(tokio::spawn(broker::close_all_connections("punchline queue test: forced close")));
        }
        let job = new_job();
        within(Duration::from_secs(30), "a publish to be confirmed", async {
            loop {
                match t.queue.publish(&job).await {
                    Ok(()) => break,
                    Err(e) if e.is_transient() => {
                        publish_retries += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("publish failed for good: {e}"),
                }
            }
        })
        .await;
        published.push(job.photo);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let closes_done = closes.len();
    for close in closes {
        close.await.expect("close task").expect("rabbitmqctl close_all_connections");
    }

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let missing =
            published.iter().filter(|photo| !received.lock().expect("lock").contains_key(photo)).count();
        if missing == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{missing} of {JOBS} jobs never received");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let redeliveries of lost acks arrive, then stop the consumers.
    tokio::time::sleep(Duration::from_secs(1)).await;
    done.store(true, Ordering::SeqCst);
    for consumer in consumers {
        within(Duration::from_secs(10), "the consumers to stop", consumer).await.expect("consumer task");
    }

    // The consumers are done: take the counts out of the shared map.
    let received = std::mem::take(&mut *received.lock().expect("lock"));
    let duplicates: u32 = received.values().map(|n| n - 1).sum();
    println!(
        "{JOBS} jobs through {closes_done} forced closes: {} received, {duplicates} duplicates, \
         {} acks lost to a close, {publish_retries} publishes retried",
        received.len(),
        lost_acks.load(Ordering::SeqCst),
    );
    assert_eq!(received.len(), JOBS, "every job received at least once");
    let depth = t.queue.depth().await.expect("depth");
    assert_eq!((depth.ready, depth.delayed, depth.parked), (0, 0, 0), "nothing left behind: {depth:?}");
}
