//! Ingest: from a completed upload to a queued job.
//!
//! - [`completion`]: [`complete_upload`] checks an uploaded object (there, within the
//!   size limit, starts like a JPEG/PNG/HEIC — [`sniff`]) and records the upload with its
//!   job in the outbox, in one transaction. The api's completion route and the sweeper
//!   both call it.
//! - [`relay`]: [`OutboxRelay`] publishes outbox rows to the job queue and marks them
//!   sent once the queue confirmed them; woken by completions, polling otherwise.
//! - [`sweeper`]: [`Sweeper`] completes uploads whose completion call never came, and
//!   records refused ones as failed.
//!
//! The relay and the sweeper run as background tasks until their cancellation token is
//! cancelled:
//!
//! ```no_run
//! # use std::sync::Arc;
//! # async fn run(config: punchline_domain::Config, records: Arc<dyn punchline_backends::Records>,
//! #              store: Arc<dyn punchline_backends::store::Store>,
//! #              queue: Arc<dyn punchline_backends::queue::JobQueue>) {
//! let shutdown = tokio_util::sync::CancellationToken::new();
//! let relay = punchline_ingest::OutboxRelay::new(&config.ingest, records.clone(), queue);
//! let sweeper = punchline_ingest::Sweeper::new(&config, records, store).with_relay_wake(relay.notifier());
//! tokio::spawn(sweeper.run(shutdown.clone()));
//! relay.run(shutdown).await;
//! # }
//! ```

#![warn(missing_docs)]

pub mod completion;
pub mod relay;
pub mod sniff;
pub mod sweeper;

pub use completion::{complete_upload, Completion, CompletionError, UploadRejection};
pub use relay::{OutboxRelay, RelayError};
pub use sniff::{sniff, SNIFF_LEN};
pub use sweeper::{SweepError, SweepReport, Sweeper, UPLOAD_CHECK_VERSION};
