//! Consuming the jobs queue: one connection per consumer, held by a task that re-opens
//! it with backoff when it drops, and the settlement of each delivery.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use lapin::acker::Acker;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection};
use punchline_domain::config::QueueConfig;
use punchline_domain::{Backoff, PhotoJob};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::link::{
    connect, headers_with_attempt, insert_text, integer_header, open_channel, publish_confirmed,
    ATTEMPT_HEADER, DELIVERY_COUNT_HEADER, LAST_ERROR_HEADER, PARK_REASON_HEADER,
};
use super::topology::Topology;
use crate::queue::delivery::{Delivery, Settle};
use crate::queue::{JobConsumer, QueueError};

/// A consumer of the jobs queue. A task of its own holds the connection, reconnects when
/// it drops and hands deliveries over through a channel, so [`JobConsumer::next`] is
/// cancel-safe and a reconnection in progress survives a caller's timeout.
///
/// Dropping the consumer stops the task and cancels the subscription; the connection
/// closes once every delivery it handed out is settled or dropped, and the broker then
/// requeues those left unsettled.
pub(super) struct RabbitMqConsumer {
    deliveries: mpsc::Receiver<Result<Delivery, QueueError>>,
    task: JoinHandle<()>,
}

impl Drop for RabbitMqConsumer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RabbitMqConsumer {
    /// Connects at once, so a wrong URL or topology is reported here, then consumes in
    /// the background.
    pub(super) async fn connect(
        config: Arc<QueueConfig>,
        topology: Arc<Topology>,
    ) -> Result<RabbitMqConsumer, QueueError> {
        let link = open_link(&config, &topology).await?;
        // One delivery waits here at most; the prefetch ones wait in lapin's buffer.
        let (sender, deliveries) = mpsc::channel(1);
        let backoff = Backoff::up_to(Duration::from_millis(config.reconnect_max_ms));
        let task = tokio::spawn(ConsumeLoop { config, topology, sender, backoff }.run(link));
        Ok(RabbitMqConsumer { deliveries, task })
    }
}

#[async_trait]
impl JobConsumer for RabbitMqConsumer {
    async fn next(&mut self) -> Result<Delivery, QueueError> {
        self.deliveries.recv().await.unwrap_or(Err(QueueError::ConsumerStopped))
    }
}

/// One connection's consuming channel and its stream of deliveries.
struct ConsumerLink {
    /// Kept so the connection lives as long as the link (dropping it closes it once
    /// no delivery holds its channel).
    _connection: Connection,
    channel: Channel,
    deliveries: lapin::Consumer,
}

/// Connects, declares the topology, limits unacknowledged deliveries to the prefetch and
/// starts consuming with manual acknowledgement.
async fn open_link(config: &QueueConfig, topology: &Topology) -> Result<ConsumerLink, QueueError> {
    let name = format!("punchline consumer {}", config.name_prefix);
    let connection = connect(&config.amqp_url, &name).await?;
    let channel = open_channel(&connection, topology).await?;
    channel.basic_qos(config.prefetch, BasicQosOptions::default()).await?;
    let tag = format!("punchline-{}", uuid::Uuid::new_v4().simple());
    let deliveries = channel
        .basic_consume(&topology.jobs_queue, &tag, BasicConsumeOptions::default(), FieldTable::default())
        .await?;
    Ok(ConsumerLink { _connection: connection, channel, deliveries })
}

/// The consumer's background task.
struct ConsumeLoop {
    config: Arc<QueueConfig>,
    topology: Arc<Topology>,
    sender: mpsc::Sender<Result<Delivery, QueueError>>,
    backoff: Backoff,
}

impl ConsumeLoop {
    /// Hands deliveries over until the consumer is dropped, reconnecting with backoff
    /// whenever the connection or channel is lost (the broker requeues what it held).
    /// Permanent failures are reported to the consumer and retried at the longest backoff,
    /// so an operator's fix (of a conflicting topology, say) is picked up.
    async fn run(mut self, first: ConsumerLink) {
        let mut link = Some(first);
        loop {
            let Some(current) = link.as_mut() else {
                tokio::time::sleep(self.backoff.next_delay()).await;
                match open_link(&self.config, &self.topology).await {
                    Ok(opened) => link = Some(opened),
                    Err(error) if error.is_transient() => {}
                    Err(error) => {
                        if self.sender.send(Err(error)).await.is_err() {
                            return;
                        }
                    }
                }
                continue;
            };
            let message = match current.deliveries.next().await {
                Some(Ok(message)) => message,
                Some(Err(_)) | None => {
                    link = None;
                    continue;
                }
            };
            let channel = current.channel.clone();
            match self.accept(&channel, message).await {
                Ok(Some(delivery)) => {
                    self.backoff.reset();
                    if self.sender.send(Ok(delivery)).await.is_err() {
                        return;
                    }
                }
                Ok(None) => {}
                // Parking failed on a dying connection: the message comes back anyway.
                Err(error) if error.is_transient() || matches!(error, QueueError::DeliveryLost) => {
                    link = None
                }
                Err(error) => {
                    if self.sender.send(Err(error)).await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// Turns a broker delivery into a job delivery, or parks it (`None`) if it is not a
    /// job this build can read or was delivered too often without being settled.
    async fn accept(
        &self,
        channel: &Channel,
        message: lapin::message::Delivery,
    ) -> Result<Option<Delivery>, QueueError> {
        // Each return of the message unsettled (a dead worker) counts as an attempt, as
        // it does on SQLite.
        let first = integer_header(&message.properties, ATTEMPT_HEADER).unwrap_or(1);
        let returned = integer_header(&message.properties, DELIVERY_COUNT_HEADER).unwrap_or(0);
        let attempt = u32::try_from(first.saturating_add(returned)).unwrap_or(u32::MAX);
        let settle = Box::new(RabbitMqSettle {
            channel: channel.clone(),
            acker: message.acker,
            body: message.data,
            attempt,
            topology: Arc::clone(&self.topology),
        });
        let job = PhotoJob::from_json(&settle.body);
        Delivery::admit(job, attempt, &self.config, settle).await
    }
}

/// Settles one delivery on the channel it came from.
struct RabbitMqSettle {
    channel: Channel,
    acker: Acker,
    body: Vec<u8>,
    attempt: u32,
    topology: Arc<Topology>,
}

/// How long an ack or nack may wait for its frame to reach the connection. Right after a
/// forced close the frame can wait on a connection that will never send it (the
/// broker-disruption test once saw a consumer stuck there for over 10 s); past this the
/// delivery counts as lost, which the broker requeues when the connection goes (a late
/// ack that does land only means no redelivery: commits are idempotent either way).
const SETTLE_TIMEOUT: Duration = Duration::from_secs(5);

/// The outcome of an ack or nack, waited for at most [`SETTLE_TIMEOUT`]: `false`, a
/// connection error or no answer means the channel is gone, and with it this delivery,
/// which the broker requeues.
async fn settled(work: impl Future<Output = Result<bool, lapin::Error>>) -> Result<(), QueueError> {
    let Ok(result) = tokio::time::timeout(SETTLE_TIMEOUT, work).await else {
        return Err(QueueError::DeliveryLost);
    };
    match result {
        Ok(true) => Ok(()),
        Ok(false) => Err(QueueError::DeliveryLost),
        Err(error) => match QueueError::from(error) {
            error if error.is_transient() => Err(QueueError::DeliveryLost),
            error => Err(error),
        },
    }
}

impl RabbitMqSettle {
    /// Publishes a copy of the message to `queue` (default exchange), then acks the
    /// original: a crash between the two duplicates the job, never loses it.
    async fn move_to(self, queue: &str, headers: FieldTable) -> Result<(), QueueError> {
        if let Err(error) = publish_confirmed(&self.channel, "", queue, &self.body, headers).await {
            // Hand the original back rather than hold it until the connection closes.
            let requeue = BasicNackOptions { requeue: true, ..BasicNackOptions::default() };
            let _ = settled(self.acker.nack(requeue)).await;
            return Err(error);
        }
        settled(self.acker.ack(BasicAckOptions::default())).await
    }
}

#[async_trait]
impl Settle for RabbitMqSettle {
    async fn ack(self: Box<Self>) -> Result<(), QueueError> {
        settled(self.acker.ack(BasicAckOptions::default())).await
    }

    async fn retry(self: Box<Self>, delay: Duration, reason: &str) -> Result<(), QueueError> {
        let Some(queue) = self.topology.retry_queue(delay).map(str::to_owned) else {
            // No retry queue means one attempt only: the job's last.
            return self.park(&format!("no retries configured: {reason}")).await;
        };
        let mut headers = headers_with_attempt(self.attempt.saturating_add(1));
        insert_text(&mut headers, LAST_ERROR_HEADER, reason);
        self.move_to(&queue, headers).await
    }

    async fn park(self: Box<Self>, reason: &str) -> Result<(), QueueError> {
        let mut headers = headers_with_attempt(self.attempt);
        insert_text(&mut headers, PARK_REASON_HEADER, reason);
        let parked_queue = self.topology.parked_queue.clone();
        self.move_to(&parked_queue, headers).await
    }

    async fn release(self: Box<Self>) -> Result<(), QueueError> {
        let requeue = BasicNackOptions { requeue: true, ..BasicNackOptions::default() };
        settled(self.acker.nack(requeue)).await
    }
}
