//! The tasks of the roles a punchline process plays, each running until the shutdown
//! token fires: the api with ingest beside it (it writes the outbox the relay drains, and
//! the sweeper finishes uploads whose completion never came), and the worker.

use std::sync::Arc;

use anyhow::Context;
use punchline_api::App;
use punchline_domain::Config;
use punchline_ingest::{OutboxRelay, Sweeper};
use punchline_workers::{Processor, Worker};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::backends::Backends;
use super::metrics_endpoint;

/// The tasks of one process; [`Tasks::wait`] returns when all have stopped.
pub(super) struct Tasks {
    tasks: JoinSet<anyhow::Result<()>>,
}

impl Tasks {
    pub(super) fn new() -> Tasks {
        Tasks { tasks: JoinSet::new() }
    }

    /// Serves the api on `listener`, with the outbox relay and the sweeper beside it.
    pub(super) fn api(
        &mut self,
        config: &Config,
        backends: &Backends,
        listener: TcpListener,
        shutdown: &CancellationToken,
    ) {
        let relay =
            OutboxRelay::new(&config.ingest, Arc::clone(&backends.records), Arc::clone(&backends.queue));
        let app = App::new(
            config,
            Arc::clone(&backends.records),
            Arc::clone(&backends.store),
            backends.local.clone(),
        )
        .with_probe(backends.queue_probe())
        .with_outbox_wake(relay.notifier());
        let sweeper = Sweeper::new(config, Arc::clone(&backends.records), Arc::clone(&backends.store))
            .with_relay_wake(relay.notifier());
        let stop = shutdown.clone();
        self.tasks.spawn(async move {
            app.serve(listener, async move { stop.cancelled().await }).await.context("serving the api")
        });
        let stop = shutdown.clone();
        self.tasks.spawn(async move {
            relay.run(stop).await;
            Ok(())
        });
        let stop = shutdown.clone();
        self.tasks.spawn(async move {
            sweeper.run(stop).await;
            Ok(())
        });
    }

    /// Consumes jobs until shutdown, then lets the jobs in flight finish (or hands them
    /// back) within `worker.shutdown_grace_s`. With `metrics` (a worker-only process) it
    /// also serves `worker.metrics_bind`.
    pub(super) async fn worker(
        &mut self,
        config: &Config,
        backends: &Backends,
        shutdown: &CancellationToken,
        metrics: bool,
    ) -> anyhow::Result<()> {
        if let Some(addr) = config.worker.metrics_addr()?.filter(|_| metrics) {
            if let Some(served) = metrics_endpoint::start(addr, Arc::clone(&backends.queue), shutdown).await {
                eprintln!("punchline: worker metrics on http://{addr}/metrics");
                // Stops with the worker (the same token) after its scrape in flight.
                self.tasks.spawn(async move {
                    let _ = served.await;
                    Ok(())
                });
            }
        }
        let cpu =
            Arc::new(punchline_workers::cpu_pool::build(&config.pipeline).context("starting the CPU pool")?);
        let processor = Processor::new(Arc::clone(&backends.records), Arc::new(config.clone()), cpu);
        let worker = Worker::new(Arc::clone(&backends.queue), Arc::clone(&backends.store), processor, config);
        let stop = shutdown.clone();
        self.tasks.spawn(async move {
            let report = worker.run(stop).await.context("running the worker")?;
            tracing::info!(?report, "worker stopped");
            Ok(())
        });
        Ok(())
    }

    /// Waits for every task; the first failure cancels the others (a process missing
    /// one of its roles should exit and be restarted, not limp on).
    pub(super) async fn wait(mut self, shutdown: &CancellationToken) -> anyhow::Result<()> {
        let mut first_error = None;
        while let Some(joined) = self.tasks.join_next().await {
            let outcome = joined.context("a task panicked").and_then(|r| r);
            if let Err(e) = outcome {
                shutdown.cancel();
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
