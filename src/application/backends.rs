//! Opening what the configuration names: the records, the object store and the job queue.
//! Every long-running subcommand goes through here, so they all reach each backend the
//! same way.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use async_trait::async_trait;
use punchline_api::ReadinessProbe;
#[cfg(feature = "rabbitmq")]
use punchline_backends::queue::RabbitMqQueue;
use punchline_backends::queue::{JobQueue, SqliteQueue};
use punchline_backends::records::{self, Records};
#[cfg(feature = "s3")]
use punchline_backends::store::S3Store;
use punchline_backends::store::{LocalStore, Store};
use punchline_domain::config::{QueueBackend, StoreBackend};
use punchline_domain::Config;

/// The backends of one process.
pub struct Backends {
    pub records: Arc<dyn Records>,
    pub store: Arc<dyn Store>,
    /// The local store again, when it is the store: the api serves its signed URLs.
    pub local: Option<Arc<LocalStore>>,
    pub queue: Arc<dyn JobQueue>,
    /// The SQLite queue, when it is the queue: it migrates with the records' file.
    sqlite_queue: Option<Arc<SqliteQueue>>,
}

impl Backends {
    /// Connects to everything the configuration names. Does not migrate.
    pub async fn open(config: &Config) -> anyhow::Result<Backends> {
        let sqlite_file = records::sqlite_file(&config.records.url);
        if let Some(dir) = sqlite_file.and_then(Path::parent) {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
        }
        let records = records::open(&config.records.url, config.records.max_connections)
            .await
            .context("opening the records")?;
        let (store, local) = open_store(config).await?;
        let (queue, sqlite_queue): (Arc<dyn JobQueue>, _) = match config.queue.backend {
            #[cfg(feature = "rabbitmq")]
            QueueBackend::Rabbitmq => (
                Arc::new(RabbitMqQueue::connect(&config.queue).await.context("connecting to RabbitMQ")?),
                None,
            ),
            #[cfg(not(feature = "rabbitmq"))]
            QueueBackend::Rabbitmq => bail!(punchline_backends::missing_feature("RabbitMQ", "rabbitmq")),
            QueueBackend::Sqlite => {
                let Some(file) = sqlite_file else {
                    bail!("queue.backend = \"sqlite\" keeps its jobs in the records' SQLite file: set records.url to sqlite:PATH or queue.backend to \"rabbitmq\"");
                };
                let queue = Arc::new(
                    SqliteQueue::open(file, &config.queue).await.context("opening the SQLite queue")?,
                );
                (queue.clone(), Some(queue))
            }
        };
        Ok(Backends { records, store, local, queue, sqlite_queue })
    }

    /// Applies pending migrations of the records (and of the SQLite jobs table). Idempotent.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        self.records.migrate().await.context("migrating the records")?;
        if let Some(queue) = &self.sqlite_queue {
            queue.migrate().await.context("migrating the SQLite queue")?;
        }
        Ok(())
    }

    /// The readiness check of the queue, for the api's `/readyz`.
    pub fn queue_probe(&self) -> Arc<dyn ReadinessProbe> {
        Arc::new(QueueProbe(Arc::clone(&self.queue)))
    }
}

async fn open_store(config: &Config) -> anyhow::Result<(Arc<dyn Store>, Option<Arc<LocalStore>>)> {
    Ok(match config.store.backend {
        StoreBackend::Local => {
            let local = Arc::new(
                LocalStore::from_config(&config.store.local, &config.api.public_url)
                    .await
                    .context("opening the local store")?,
            );
            (local.clone(), Some(local))
        }
        #[cfg(feature = "s3")]
        StoreBackend::S3 => {
            (Arc::new(S3Store::connect(&config.store.s3).await.context("connecting to S3")?), None)
        }
        #[cfg(not(feature = "s3"))]
        StoreBackend::S3 => bail!(punchline_backends::missing_feature("S3", "s3")),
    })
}

/// `/readyz` answers 503 while the queue is unreachable: an api that cannot hand
/// completed uploads on should leave the load balancer's rotation.
struct QueueProbe(Arc<dyn JobQueue>);

#[async_trait]
impl ReadinessProbe for QueueProbe {
    fn name(&self) -> &'static str {
        "queue"
    }

    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}
