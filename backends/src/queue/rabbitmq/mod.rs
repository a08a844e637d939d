//! The job queue on RabbitMQ (Amazon MQ in production), through lapin on tokio.
//!
//! Durable quorum queues, persistent messages, publisher confirms, manual acks with a
//! prefetch limit, delayed retries through per-delay TTL queues that dead-letter back to
//! the jobs exchange, and a parking queue (the layout is drawn in `topology.rs`):
//!
//! - `<prefix>.jobs`: the direct exchange jobs are published to, and the quorum queue
//!   workers consume (routing key `photo`);
//! - `<prefix>.retry.<ms>`: one quorum queue per backoff delay, whose messages expire
//!   after `<ms>` and dead-letter back to the jobs exchange;
//! - `<prefix>.parked`: permanent failures and exhausted retries, with the reason in the
//!   `punchline-park-reason` header. The attempt number travels in `punchline-attempt`.
//!
//! Connections drop (broker restart, `rabbitmqctl close_all_connections`, network):
//! consumers reconnect on their own with backoff (the broker requeues what they held),
//! and a publish on a dropped connection reconnects and tries once more before
//! reporting a transient error.

mod consumer;
mod link;
mod topology;

use std::sync::Arc;

use async_trait::async_trait;
use lapin::options::{BasicAckOptions, BasicGetOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection};
use punchline_domain::config::QueueConfig;
use punchline_domain::PhotoJob;
use tokio::sync::Mutex;

use super::{JobConsumer, JobQueue, ParkedJob, QueueDepth, QueueError};
use consumer::RabbitMqConsumer;
use link::{
    connect, headers_with_attempt, integer_header, open_channel, publish_confirmed, text_header,
    ATTEMPT_HEADER, PARK_REASON_HEADER,
};
use topology::{Topology, JOB_ROUTING_KEY};

/// The job queue on a RabbitMQ broker.
pub struct RabbitMqQueue {
    config: Arc<QueueConfig>,
    topology: Arc<Topology>,
    /// The publishing connection and its confirm channel, re-opened when found closed.
    publisher: Mutex<Option<PublisherLink>>,
}

impl std::fmt::Debug for RabbitMqQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the URL: it carries the credentials.
        f.debug_struct("RabbitMqQueue").field("topology", &self.topology).finish_non_exhaustive()
    }
}

struct PublisherLink {
    connection: Connection,
    channel: Channel,
}

impl PublisherLink {
    fn is_open(&self) -> bool {
        self.connection.status().connected() && self.channel.status().connected()
    }
}

impl RabbitMqQueue {
    /// Connects to the broker and declares the topology (idempotent), so a wrong URL,
    /// wrong credentials or a conflicting topology are reported here.
    pub async fn connect(config: &QueueConfig) -> Result<RabbitMqQueue, QueueError> {
        let queue = RabbitMqQueue {
            config: Arc::new(config.clone()),
            topology: Arc::new(Topology::new(config)),
            publisher: Mutex::new(None),
        };
        queue.publish_channel().await?;
        Ok(queue)
    }

    /// Deletes the queues (with their jobs) and the exchange: for tests and teardown.
    /// Consumers still running re-declare them when they reconnect.
    pub async fn delete_topology(&self) -> Result<(), QueueError> {
        let channel = self.side_channel().await?;
        self.topology.delete(&channel).await?;
        let _ = channel.close(200, "deleted").await;
        Ok(())
    }

    /// Connects, deletes the topology `config` names and disconnects, on a thread with a
    /// runtime of its own: for a test's `Drop`, which may run during a panic and inside the
    /// test's runtime. Errors are ignored (the topology may already be gone).
    #[cfg(feature = "test-support")]
    pub fn delete_topology_blocking(config: &QueueConfig) {
        let config = config.clone();
        let deleted = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let queue = RabbitMqQueue::connect(&config).await.ok()?;
                let deleted = queue.delete_topology().await.ok();
                queue.close().await;
                deleted
            })
        });
        let _ = deleted.join();
    }

    /// Closes the publishing connection (consumers have their own).
    pub async fn close(&self) {
        if let Some(link) = self.publisher.lock().await.take() {
            let _ = link.connection.close(200, "closing").await;
        }
    }

    /// The confirm channel publishes go through, (re)connecting if it is closed.
    async fn publish_channel(&self) -> Result<Channel, QueueError> {
        let mut publisher = self.publisher.lock().await;
        if let Some(link) = publisher.as_ref().filter(|link| link.is_open()) {
            return Ok(link.channel.clone());
        }
        *publisher = None;
        let name = format!("punchline publisher {}", self.config.name_prefix);
        let connection = connect(&self.config.amqp_url, &name).await?;
        let channel = open_channel(&connection, &self.topology).await?;
        *publisher = Some(PublisherLink { connection, channel: channel.clone() });
        Ok(channel)
    }

    /// A fresh channel on the publishing connection, for operations that may close their
    /// channel on failure (a passive declare of a missing queue) without disturbing
    /// publishes.
    async fn side_channel(&self) -> Result<Channel, QueueError> {
        self.publish_channel().await?;
        let publisher = self.publisher.lock().await;
        let link = publisher.as_ref().ok_or_else(|| {
            QueueError::BrokerUnavailable(lapin::Error::from(lapin::ErrorKind::InvalidConnectionState(
                lapin::ConnectionState::Closed,
            )))
        })?;
        Ok(link.connection.create_channel().await?)
    }

    async fn publish_once(&self, body: &[u8]) -> Result<(), QueueError> {
        let channel = self.publish_channel().await?;
        let result = publish_confirmed(
            &channel,
            &self.topology.exchange,
            JOB_ROUTING_KEY,
            body,
            headers_with_attempt(1),
        )
        .await;
        if result.as_ref().is_err_and(QueueError::is_transient) {
            // Reconnect (and re-declare the topology) on the next publish.
            self.publisher.lock().await.take();
        }
        result
    }

    /// Messages waiting in `queue` (ready ones; unacknowledged ones are not counted).
    async fn ready_in(&self, channel: &Channel, queue: &str) -> Result<u64, QueueError> {
        let passive = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        let declared = channel.queue_declare(queue, passive, FieldTable::default()).await?;
        Ok(u64::from(declared.message_count()))
    }
}

#[async_trait]
impl JobQueue for RabbitMqQueue {
    async fn publish(&self, job: &PhotoJob) -> Result<(), QueueError> {
        let body = job.to_json();
        match self.publish_once(&body).await {
            // Most likely a connection that dropped since the last publish: once more on
            // a fresh one.
            Err(error) if error.is_transient() => self.publish_once(&body).await,
            outcome => outcome,
        }
    }

    async fn consumer(&self) -> Result<Box<dyn JobConsumer>, QueueError> {
        let consumer =
            RabbitMqConsumer::connect(Arc::clone(&self.config), Arc::clone(&self.topology)).await?;
        Ok(Box::new(consumer))
    }

    async fn depth(&self) -> Result<QueueDepth, QueueError> {
        let channel = self.side_channel().await?;
        let ready = self.ready_in(&channel, &self.topology.jobs_queue).await?;
        let parked = self.ready_in(&channel, &self.topology.parked_queue).await?;
        let mut delayed = 0;
        for queue in self.topology.retry_queue_names() {
            delayed += self.ready_in(&channel, queue).await?;
        }
        let _ = channel.close(200, "depth read").await;
        Ok(QueueDepth { ready, delayed, in_flight: None, parked })
    }

    async fn take_parked(&self, limit: usize) -> Result<Vec<ParkedJob>, QueueError> {
        let channel = self.side_channel().await?;
        let mut taken = Vec::new();
        while taken.len() < limit {
            let get =
                channel.basic_get(&self.topology.parked_queue, BasicGetOptions { no_ack: false }).await?;
            let Some(message) = get else { break };
            let message = message.delivery;
            let reason = text_header(&message.properties, PARK_REASON_HEADER)
                .unwrap_or_else(|| "dead-lettered by the broker (delivery limit)".to_owned());
            let attempts = integer_header(&message.properties, ATTEMPT_HEADER).unwrap_or(0);
            taken.push(ParkedJob::from_body(
                &message.data,
                reason,
                u32::try_from(attempts).unwrap_or(u32::MAX),
            ));
            message.acker.ack(BasicAckOptions::default()).await?;
        }
        let _ = channel.close(200, "parked jobs taken").await;
        Ok(taken)
    }

    async fn ping(&self) -> Result<(), QueueError> {
        self.publish_channel().await.map(drop)
    }
}
