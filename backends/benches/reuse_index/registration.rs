//! What ordering copies that arrive together costs (issue 24): a worker registers a
//! photo's hashes (committed, under its organisation's advisory lock) before it searches,
//! and the search then keeps only photos registered before it. Timed on the loaded corpus:
//! the registration alone, the search for the registered photo, and registrations of one
//! organisation racing each other from several tasks (the lock's wait).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use punchline_backends::records::{NewPhoto, Records, ReuseIndex, UploadedPhoto};
use punchline_domain::{
    ClientPunchId, ExifFacts, ImageFormat, OrgId, PerceptualHash, PhotoHashes, PhotoId, Punch, PunchId,
    PunchKind, SiteId, UserId,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Photos registered one after the other, each then searched for.
const SEQUENTIAL: usize = 200;
/// Tasks registering at once, and photos each.
const RACING_TASKS: usize = 8;
const PER_TASK: usize = 25;

/// Latencies of each step, for the report.
pub struct RegistrationResult {
    register: Vec<Duration>,
    search: Vec<Duration>,
    racing: Vec<Duration>,
    racing_wall: Duration,
}

/// The organisation the corpus was loaded into.
pub struct Owner {
    pub org: OrgId,
    pub worker: UserId,
    pub site: SiteId,
}

pub async fn measure(
    records: Arc<dyn Records>,
    search: Arc<dyn ReuseIndex>,
    owner: &Owner,
    radius: u32,
    limit: u32,
) -> RegistrationResult {
    let mut rng = StdRng::seed_from_u64(0x0BDE_2024);
    let mut result = RegistrationResult {
        register: Vec::new(),
        search: Vec::new(),
        racing: Vec::new(),
        racing_wall: Duration::ZERO,
    };
    for _ in 0..SEQUENTIAL {
        let photo = uploaded_photo(&*records, owner).await;
        let hashes = random_hashes(&mut rng);
        let timer = Instant::now();
        records
            .register_photo(owner.org, photo, &ExifFacts::default(), &hashes, true)
            .await
            .expect("register");
        result.register.push(timer.elapsed());
        let timer = Instant::now();
        search.find_similar(owner.org, &hashes.pdq_dihedral, radius, photo, limit).await.expect("search");
        result.search.push(timer.elapsed());
    }
    let mut photos = Vec::new();
    for _ in 0..RACING_TASKS * PER_TASK {
        photos.push((uploaded_photo(&*records, owner).await, random_hashes(&mut rng)));
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for batch in photos.chunks(PER_TASK) {
        let (records, org, batch) = (Arc::clone(&records), owner.org, batch.to_vec());
        tasks.spawn(async move {
            let mut took = Vec::with_capacity(batch.len());
            for (photo, hashes) in batch {
                let timer = Instant::now();
                records
                    .register_photo(org, photo, &ExifFacts::default(), &hashes, true)
                    .await
                    .expect("register");
                took.push(timer.elapsed());
            }
            took
        });
    }
    while let Some(took) = tasks.join_next().await {
        result.racing.extend(took.expect("task ran"));
    }
    result.racing_wall = started.elapsed();
    result
}

/// A new punch of `owner` whose photo was uploaded (what a worker's job starts from).
async fn uploaded_photo(records: &dyn Records, owner: &Owner) -> PhotoId {
    let client_id = uuid::Uuid::new_v4().to_string();
    let punch = Punch {
        id: PunchId::new(),
        org: owner.org,
        client_id: ClientPunchId::new(&client_id).expect("valid client id"),
        kind: PunchKind::In,
        worker: owner.worker,
        site: owner.site,
        device_time: Utc::now().fixed_offset(),
        device_location: None,
        received_at: Utc::now(),
    };
    let photo = NewPhoto { id: PhotoId::new(), object_key: format!("originals/{client_id}") };
    let created = records.create_punch(owner.org, &punch, &photo).await.expect("create punch");
    let uploaded = UploadedPhoto { bytes: 2_000_000, format: ImageFormat::Jpeg };
    let job = serde_json::json!({ "photo": created.photo.id });
    records.complete_upload(owner.org, created.photo.id, &uploaded, &job).await.expect("complete upload");
    created.photo.id
}

fn random_hashes(rng: &mut StdRng) -> PhotoHashes {
    let pdq: [u8; 32] = rng.random();
    let mut pdq_dihedral = [[0u8; 32]; 8];
    for (i, variant) in pdq_dihedral.iter_mut().enumerate() {
        *variant = if i == 0 { pdq } else { rng.random() };
    }
    PhotoHashes { sha256: rng.random(), pdq: PerceptualHash { bits: pdq, quality: 90 }, pdq_dihedral }
}

fn percentile(latencies: &[Duration], p: f64) -> Duration {
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.saturating_sub(1)).copied().unwrap_or_default()
}

impl RegistrationResult {
    /// The report's table.
    pub fn report(&self, radius: u32) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Register, then search (what a worker does per photo), radius {radius}:\n");
        let _ = writeln!(out, "| step | count | p50 | p99 | max |\n|---|---:|---:|---:|---:|");
        let racing = format!("register, {RACING_TASKS} tasks of one org at once");
        let rows = [
            ("register (one at a time)", &self.register),
            ("search for the registered photo", &self.search),
            (racing.as_str(), &self.racing),
        ];
        for (step, latencies) in rows {
            let _ = writeln!(
                out,
                "| {step} | {} | {} | {} | {} |",
                latencies.len(),
                super::millis(percentile(latencies, 50.0)),
                super::millis(percentile(latencies, 99.0)),
                super::millis(percentile(latencies, 100.0)),
            );
        }
        let per_s = self.racing.len() as f64 / self.racing_wall.as_secs_f64().max(1e-9);
        let _ = writeln!(out, "\nRacing registrations of one org: {per_s:.0} per second in all.");
        out
    }
}
