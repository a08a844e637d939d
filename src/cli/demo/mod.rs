//! `punchline demo`: the newcomer's first command. On the embedded default (a SQLite
//! file, a local directory, the SQLite queue; no server) it starts the api, ingest and a
//! worker in this process, creates an organisation, a site and a worker, punches a dozen
//! sample photos through the same HTTP path the apps use, and prints each verdict with
//! its flags and evidence.

mod flow;
mod report;
mod sample;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use punchline_api::client::ApiClient;
use punchline_api::schema::site::CreateSite;
use punchline_api::schema::{site::GeofenceBody, Point};
use punchline_api::TokenKeys;
use punchline_domain::config::{QueueBackend, StoreBackend};
use punchline_domain::{Config, OrgId, Role, Severity, UserId};

use punchline::{Application, Launch};

use super::lifecycle::runtime;
use sample::{CaptureTimes, DEMO_PHOTOS};

/// Arguments of `punchline demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The sample photos (with their `manifest.csv`).
    #[arg(long, env = "PUNCHLINE_DEMO_PHOTOS", default_value = "../shared/photos")]
    photos: PathBuf,
    /// Keep the database and objects here (created if missing) instead of a temporary
    /// directory deleted at the end; then `punchline inspect` or `sqlite3` can look.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Print one JSON object per punch instead of the table.
    #[arg(long)]
    json: bool,
    /// Seconds to wait for each photo's result.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Keep the api up after the report (on `api.bind`, default 127.0.0.1:8080) and print
    /// a login link to the supervisors' console on the demo's punches; Ctrl-C stops it.
    #[arg(long)]
    serve: bool,
}

/// Runs the demo; exit 0 when every punch reached its result.
pub fn run(config: &Config, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let temporary =
        tempfile::Builder::new().prefix("punchline-demo-").tempdir().context("a temporary directory")?;
    let dir = args.data_dir.clone().unwrap_or_else(|| temporary.path().to_path_buf());
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let all_done = runtime()?.block_on(demo(config.clone(), &dir, &args))?;
    if args.data_dir.is_some() {
        eprintln!("punchline: the demo's database and objects are in {}", dir.display());
    }
    Ok(if all_done { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The embedded default under `dir`, whatever the configuration file says about servers.
fn embedded(mut config: Config, dir: &std::path::Path) -> Config {
    config.records.url = format!("sqlite:{}", dir.join("punchline.db").display());
    config.queue.backend = QueueBackend::Sqlite;
    config.store.backend = StoreBackend::Local;
    config.store.local.directory = dir.join("objects");
    config.api.bind = "127.0.0.1:0".into();
    // The demo's one client polls a dozen punches at once from one token.
    config.api.rate_limit.per_token_per_s = 0;
    // The sample photos were taken years before this run: their server-time skew is shown
    // as information, so each photo's own flags decide its verdict.
    config.verification.severity.capture_time_skew_server = Severity::Info;
    config
}

async fn demo(config: Config, dir: &std::path::Path, args: &DemoArgs) -> anyhow::Result<bool> {
    let times = CaptureTimes::read(&args.photos)?;
    let served_at = config.api.bind.clone();
    let mut config = embedded(config, dir);
    // Served for a person to open: the configured address, so the link is predictable.
    if args.serve {
        config.api.public_url = format!("http://{served_at}");
        config.api.bind = served_at;
    }
    config.validate().context("the demo's configuration")?;
    let app = Application::build(config, Launch::all_in_one()).await?;
    let config = app.config().clone();

    let (org, supervisor_id) = (OrgId::new(), UserId::new());
    let (admin, worker, supervisor) = callers(&config, org, supervisor_id)?;
    let admin = ApiClient::new(&config.api.public_url, admin);
    let site = admin.create_site(&demo_site()).await.context("creating the demo site")?;
    let worker = admin.as_caller(worker);
    let supervisor = admin.as_caller(supervisor);
    eprintln!(
        "punchline demo: {} punches at {:?} ({} m around {}, {}), data in {}",
        DEMO_PHOTOS.len(),
        site.name,
        sample::SITE_RADIUS_M,
        format_args!("{:.4},{:.4}", sample::SITE_LAT, sample::SITE_LON),
        sample::SITE_TIME_ZONE,
        dir.display()
    );
    eprintln!("(the photos are years old: their skew from the server's clock is shown as info)\n");

    let bar = ProgressBar::new(DEMO_PHOTOS.len() as u64).with_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let timeout = Duration::from_secs(args.timeout);
    // One punch after another: whether a photo is a reuse depends on what came before.
    let mut outcomes = Vec::with_capacity(DEMO_PHOTOS.len());
    for photo in DEMO_PHOTOS {
        bar.set_message(photo.file);
        outcomes.push(flow::punch(&worker, &supervisor, site.id, &args.photos, photo, &times, timeout).await);
        bar.inc(1);
    }
    bar.finish_and_clear();
    if args.json {
        print!("{}", report::json_lines(&outcomes));
    } else {
        print!("{}", report::table(&outcomes));
    }

    if args.serve {
        let settings = punchline_api::console::ConsoleSettings::from_config(&config);
        let link = punchline_api::console::signin::create_login_link(
            app.records().as_ref(),
            &settings,
            org,
            supervisor_id,
            Role::Supervisor,
        )
        .await
        .context("making the console's login link")?;
        eprintln!("\nThe supervisors' console on these punches (the link signs in once, for 15 minutes):");
        println!("{}", link.url);
        eprintln!("(Ctrl-C stops the demo; a new link: punchline token --org {org} --user {supervisor_id} --role supervisor --login,");
        eprintln!(" with PUNCHLINE_RECORDS__URL=sqlite:{})", dir.join("punchline.db").display());
        super::lifecycle::shutdown_signal().await;
    } else {
        eprintln!("\n`punchline demo --serve` keeps the api up and prints a login link to the supervisors' console.");
    }
    app.stop().await?;
    // A refused upload is the expected end of the video named .jpg; a timeout or an
    // error on any other photo means the pipeline did not do its job.
    Ok(outcomes.iter().all(|o| o.result.is_ok() || o.photo.file.starts_with("bad_")))
}

/// Tokens of an admin (creates the site), a worker (punches) and a supervisor (reads the
/// verdicts with their evidence) of a new organisation.
fn callers(config: &Config, org: OrgId, supervisor: UserId) -> anyhow::Result<(String, String, String)> {
    let keys = TokenKeys::new(&config.auth);
    let ttl = Duration::from_secs(3600);
    let admin = keys.mint(org, UserId::new(), Role::Admin, ttl).context("minting a token")?;
    let worker = keys.mint(org, UserId::new(), Role::Worker, ttl).context("minting a token")?;
    let supervisor = keys.mint(org, supervisor, Role::Supervisor, ttl).context("minting a token")?;
    Ok((admin, worker, supervisor))
}

fn demo_site() -> CreateSite {
    CreateSite {
        name: sample::SITE_NAME.into(),
        time_zone: sample::SITE_TIME_ZONE.into(),
        geofence: GeofenceBody::Circle {
            center: Point { lat: sample::SITE_LAT, lon: sample::SITE_LON },
            radius_m: sample::SITE_RADIUS_M,
        },
    }
}
