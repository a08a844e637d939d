//! Workers killed with SIGKILL in the middle of jobs, twenty times over, then one left to
//! finish: every punch ends with exactly one verdict, nothing is lost, nothing is done
//! twice, nothing is left in the queue. On RabbitMQ + PostgreSQL and on the embedded
//! SQLite queue + SQLite records.

use std::time::Duration;

use punchline_api::schema::punch::PunchDetailsView;
use punchline_backends::queue::{JobQueue, RabbitMqQueue, SqliteQueue};
use punchline_backends::records::test_db::TestDb;
use punchline_domain::config::QueueConfig;
use punchline_domain::{PhotoState, PunchId};
use punchline_testkit::broker::BrokerLock;
use punchline_testkit::stack::StackEnv;
use rand::Rng;

use crate::punching::Crew;

const KILLS: usize = 20;

/// Twenty different pictures (no two of one `same_image` group), JPEG and HEIC, each a
/// fraction of a second to a second of work.
const PHOTOS: [&str; 20] = [
    "iphonexs_pug1.heic",
    "iphone11promax_gps.heic",
    "iphone13promax_rot6.heic",
    "iphonexs_lego_gps.heic",
    "iphonexs_parfait_rot6.heic",
    "iphone8plus_arrow_rot6.heic",
    "xiaomi_gps.heic",
    "iphone7_gps.heic",
    "iphone11pro_a.heic",
    "nokia83_hdr_gps.heif",
    "sony_a7c2_irot_1.hif",
    "canon_r5_black.hif",
    "iphone6_hdr_on.jpg",
    "iphone5_rot3_gps.jpg",
    "htcdesire_gps.jpg",
    "nokia83_gps.jpg",
    "galaxyj3_rot6.jpg",
    "jolla.jpg",
    "coolpix_gps_0010.jpg",
    "canon_sx60_rot6.jpg",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_lose_nothing_on_rabbitmq_and_postgres() {
    let _lock = BrokerLock::shared().await;
    let db = TestDb::postgres().await;
    let objects = tempfile::tempdir().expect("temporary directory");
    let prefix = format!("test-kills-{}", uuid::Uuid::new_v4().simple());
    let env = StackEnv::new(crate::PUNCHLINE, db.url(), objects.path())
        .rabbitmq(&prefix)
        .set("PUNCHLINE_QUEUE__MAX_ATTEMPTS", "100");
    let queue =
        RabbitMqQueue::connect(&QueueConfig { name_prefix: prefix.clone(), ..QueueConfig::default() })
            .await
            .expect("RabbitMQ is reachable for the tests");
    kill_loop(&env, &queue, objects.path()).await;
    queue.delete_topology().await.expect("the test's queues are deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_lose_nothing_on_the_embedded_sqlite_queue() {
    let db = TestDb::sqlite().await;
    let objects = tempfile::tempdir().expect("temporary directory");
    // A dead worker's job is visible again after 3 s instead of 5 min.
    let env = StackEnv::new(crate::PUNCHLINE, db.url(), objects.path())
        .set("PUNCHLINE_QUEUE__MAX_ATTEMPTS", "100")
        .set("PUNCHLINE_QUEUE__VISIBILITY_TIMEOUT_MS", "3000");
    let file = db.url().trim_start_matches("sqlite:").to_owned();
    let queue = SqliteQueue::open(std::path::Path::new(&file), &QueueConfig::default()).await.expect("queue");
    kill_loop(&env, &queue, objects.path()).await;
}

async fn kill_loop(env: &StackEnv, queue: &dyn JobQueue, objects: &std::path::Path) {
    let _api = env.start(&["serve", "--migrate"], "serving the API on");
    let crew = Crew::new(&env.base_url()).await;
    let mut punches = Vec::new();
    for file in PHOTOS {
        punches.push(crew.submit(file).await.expect("punch submitted"));
    }

    let mut killed_mid_job = 0;
    for _ in 0..KILLS {
        let worker = env.start(&["work"], "worker consuming jobs");
        let pause = rand::rng().random_range(150..900);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        if states(&crew, &punches).await.contains(&PhotoState::Processing) {
            killed_mid_job += 1;
        }
        worker.kill();
    }
    assert!(killed_mid_job >= KILLS / 2, "only {killed_mid_job} of {KILLS} kills hit a job in flight");

    let finisher = env.start(&["work"], "worker consuming jobs");
    let first = crew.results(&punches, Duration::from_secs(300)).await;
    for (file, details) in PHOTOS.iter().zip(&first) {
        assert_eq!(details.photo.state, PhotoState::Processed, "{file}: {:?}", details.photo.failure);
        assert!(details.verdict.is_some(), "{file} has its verdict");
        assert_eq!(details.variants.len(), 3, "{file}: three variants");
    }
    // Anything still queued or redelivered late would be processed now: give it the time
    // a retry takes, then nothing may have changed and nothing may be waiting.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let again = crew.results(&punches, Duration::from_secs(10)).await;
    for ((file, a), b) in PHOTOS.iter().zip(&first).zip(&again) {
        let decided = |d: &PunchDetailsView| d.verdict.as_ref().map(|v| v.decided_at);
        assert_eq!(decided(a), decided(b), "{file}: its verdict was decided once");
    }
    let depth = queue.depth().await.expect("queue depth");
    assert_eq!((depth.ready, depth.delayed, depth.parked), (0, 0, 0), "queue empty at the end: {depth:?}");
    assert_eq!(
        objects_per_photo(objects),
        vec![4; PHOTOS.len()],
        "original + 3 variants per photo, no strays"
    );
    assert_eq!(finisher.terminate(Duration::from_secs(30)), Some(0), "the last worker stops cleanly");
}

/// Each punch's photo state, as the app sees it.
async fn states(crew: &Crew, punches: &[PunchId]) -> Vec<PhotoState> {
    let mut out = Vec::new();
    for &punch in punches {
        out.push(crew.worker.punch(punch).await.expect("punch readable").photo.state);
    }
    out
}

/// How many objects each photo directory of the local store holds (`{org}/{photo}/original`
/// and `{size}.jpg`; the store's content-type sidecar files are not objects).
fn objects_per_photo(root: &std::path::Path) -> Vec<usize> {
    let dirs = |p: &std::path::Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(p).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default()
    };
    let mut counts: Vec<usize> = dirs(root)
        .iter()
        .filter(|p| is_uuid_dir(p))
        .flat_map(|org| dirs(org))
        .map(|photo| dirs(&photo).iter().filter(|f| is_object(f)).count())
        .collect();
    counts.sort_unstable();
    counts
}

fn is_object(file: &std::path::Path) -> bool {
    file.file_name().and_then(|n| n.to_str()).is_some_and(|n| n == "original" || n.ends_with(".jpg"))
}

/// An organisation's directory (the store also keeps a directory of partial writes).
fn is_uuid_dir(dir: &std::path::Path) -> bool {
    dir.is_dir() && dir.file_name().and_then(|n| n.to_str()).is_some_and(|n| uuid::Uuid::parse_str(n).is_ok())
}
