//! How a punchline process is put together, in one place: [`Application::build`] opens
//! the backends the configuration names, migrates if asked, binds the api and starts the
//! roles' tasks. `punchline serve`, `work`, `all-in-one` and `demo` call it, and so do the
//! tests that run the system in-process, so they exercise the production wiring.

mod backends;
mod metrics_endpoint;
mod tasks;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use punchline_backends::queue::JobQueue;
use punchline_backends::records::Records;
use punchline_backends::store::LocalStore;
use punchline_domain::Config;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use backends::Backends;
use tasks::Tasks;

/// What a process runs: which roles, and whether it migrates the database first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Launch {
    /// The HTTP API, with the outbox relay and the upload sweeper beside it.
    pub api: bool,
    /// A worker: consumes photo jobs, processes, verifies, commits.
    pub worker: bool,
    /// Apply pending migrations before starting (the embedded default wants this;
    /// production runs `punchline migrate` once per release instead).
    pub migrate: bool,
}

impl Launch {
    /// `punchline serve`: the api alone.
    pub fn api() -> Launch {
        Launch { api: true, worker: false, migrate: false }
    }

    /// `punchline work`: a worker alone.
    pub fn worker() -> Launch {
        Launch { api: false, worker: true, migrate: false }
    }

    /// `punchline all-in-one` and the demo: every role in one process, migrating first.
    pub fn all_in_one() -> Launch {
        Launch { api: true, worker: true, migrate: true }
    }

    /// The same roles, migrating first.
    pub fn migrating(self) -> Launch {
        Launch { migrate: true, ..self }
    }
}

/// A running punchline process: its backends, the api's address and the roles' tasks.
pub struct Application {
    config: Config,
    address: Option<SocketAddr>,
    backends: Backends,
    shutdown: CancellationToken,
    tasks: Tasks,
}

impl Application {
    /// Opens the backends `config` names, migrates if `launch` says so, binds `api.bind`
    /// and starts the roles. An `api.bind` on port 0 takes a free port, and then
    /// `api.public_url` becomes that address (the configured URL cannot point at a port
    /// nobody knew): how tests and the demo run side by side.
    pub async fn build(mut config: Config, launch: Launch) -> anyhow::Result<Application> {
        let listener = match launch.api {
            true => Some(bind(&mut config).await?),
            false => None,
        };
        let address = listener.as_ref().map(TcpListener::local_addr).transpose()?;
        let backends = Backends::open(&config).await?;
        if launch.migrate {
            backends.migrate().await?;
        }
        let shutdown = CancellationToken::new();
        let mut tasks = Tasks::new();
        if let Some(listener) = listener {
            tasks.api(&config, &backends, listener, &shutdown);
        }
        if launch.worker {
            // The api serves `/metrics` itself; a worker alone serves its own port.
            tasks.worker(&config, &backends, &shutdown, !launch.api).await?;
        }
        Ok(Application { config, address, backends, shutdown, tasks })
    }

    /// Where the api listens, when it runs.
    pub fn address(&self) -> Option<SocketAddr> {
        self.address
    }

    /// The configuration the process runs with (`api.public_url` resolved).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The records, for what a process does beside its roles (the demo's login link,
    /// tests that look at rows).
    pub fn records(&self) -> &Arc<dyn Records> {
        &self.backends.records
    }

    /// The job queue (its depth, for what watches the process).
    pub fn queue(&self) -> &Arc<dyn JobQueue> {
        &self.backends.queue
    }

    /// The local store, when it is the store.
    pub fn local_store(&self) -> Option<&Arc<LocalStore>> {
        self.backends.local.as_ref()
    }

    /// Cancelling this token stops the process: the api finishes its requests in flight,
    /// the worker its jobs (within `worker.shutdown_grace_s`).
    pub fn shutdown_handle(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Runs until the shutdown handle is cancelled or a role fails (a process missing
    /// one of its roles should exit and be restarted, not limp on).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.tasks.wait(&self.shutdown).await
    }

    /// Stops the roles and waits for them.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.run_until_stopped().await
    }
}

/// Applies the pending migrations of the database `config` names (and of the SQLite
/// jobs table when that is the queue), without starting anything. Idempotent.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    Backends::open(config).await?.migrate().await
}

/// Binds `api.bind`; on port 0, points `api.public_url` at the port taken.
async fn bind(config: &mut Config) -> anyhow::Result<TcpListener> {
    let wanted = config.api.bind_addr().context("api.bind")?;
    let listener = TcpListener::bind(wanted).await.with_context(|| format!("binding {wanted}"))?;
    if wanted.port() == 0 {
        let bound = listener.local_addr().context("the bound address")?;
        config.api.public_url = format!("http://{bound}");
    }
    Ok(listener)
}
