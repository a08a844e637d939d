//! Two organisations with a worker each, and a way to submit a photo as a punch the way the
//! api and the queue will: punch + photo row, upload completed, job analysed and committed.

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use punchline_backends::records::test_db::TestDb;
use punchline_backends::records::{NewPhoto, Organisation, Records, UploadedPhoto, User};
use punchline_domain::{
    ClientPunchId, Config, DeviceLocation, FlagCode, GeoPoint, Geofence, ImageFormat, OrgId, PhotoId, Punch,
    PunchId, PunchKind, Role, Site, UserId, Verdict, VerdictState,
};
use punchline_testkit::{photos, Backend};
use punchline_workers::Processor;

/// A punch to submit and what its verdict must show.
#[derive(Debug, Clone)]
pub struct Case {
    photo: &'static str,
    site: (f64, f64),
    time_zone: &'static str,
    device_time: &'static str,
    state: Option<VerdictState>,
    must: Vec<FlagCode>,
    must_not: Vec<FlagCode>,
}

impl Case {
    /// `photo` punched at a 150 m site centred on `site`, by a phone reporting that
    /// position (±20 m) and `device_time` (RFC 3339 with the phone's offset).
    pub fn at(
        photo: &'static str,
        site: (f64, f64),
        time_zone: &'static str,
        device_time: &'static str,
    ) -> Case {
        Case { photo, site, time_zone, device_time, state: None, must: vec![], must_not: vec![] }
    }

    pub fn expect(mut self, state: VerdictState, must: &[FlagCode], must_not: &[FlagCode]) -> Case {
        self.state = Some(state);
        self.must = must.to_vec();
        self.must_not = must_not.to_vec();
        self
    }
}

pub struct Scenario {
    records: Arc<dyn Records>,
    processor: Processor,
    pub org_a: OrgId,
    pub org_b: OrgId,
    /// The scenario's own database, dropped with it.
    _db: TestDb,
}

impl Scenario {
    /// Two organisations on a fresh database of `backend`.
    pub async fn new(backend: Backend) -> Scenario {
        let db = TestDb::new(backend).await;
        let records = db.records();
        let config = Arc::new(Config::default());
        let cpu = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("CPU pool"));
        let processor = Processor::new(Arc::clone(&records), config, cpu);
        let (org_a, org_b) = (OrgId::new(), OrgId::new());
        for (org, name) in [(org_a, "Acme Builders"), (org_b, "Other Co")] {
            records.create_org(&Organisation { id: org, name: name.into() }).await.expect("org");
        }
        Scenario { records, processor, org_a, org_b, _db: db }
    }

    /// The organisation's one worker (created on first use).
    async fn worker(&self, org: OrgId) -> UserId {
        let id = UserId::from_uuid(org.as_uuid());
        if self.records.user(org, id).await.expect("user lookup").is_none() {
            let user = User { id, org, name: "Field worker".into(), role: Role::Worker };
            self.records.create_user(org, &user).await.expect("user");
        }
        id
    }

    /// Creates the site and punch, completes the upload, runs the job; returns the photo.
    async fn submit(&self, org: OrgId, case: &Case) -> PhotoId {
        let worker = self.worker(org).await;
        let center = GeoPoint { lat: case.site.0, lon: case.site.1 };
        let site = Site::new(org, case.photo, case.time_zone, Geofence::Circle { center, radius_m: 150.0 })
            .expect("site");
        self.records.create_site(org, &site).await.expect("create site");
        let device_time = DateTime::<FixedOffset>::parse_from_rfc3339(case.device_time).expect("device time");
        let punch = phone_punch(org, worker, &site, center, device_time);
        let photo = PhotoId::new();
        let key = format!("{org}/{photo}/original");
        self.records
            .create_punch(org, &punch, &NewPhoto { id: photo, object_key: key })
            .await
            .expect("punch");
        let bytes = photos::read(case.photo);
        // The api records the sniffed type at completion; unknown bytes still get a job.
        let format = punchline_imaging::detect::detect(&bytes).unwrap_or(ImageFormat::Jpeg);
        let uploaded = UploadedPhoto { bytes: bytes.len() as u64, format };
        self.records.complete_upload(org, photo, &uploaded, &serde_json::json!({})).await.expect("complete");
        let analysis =
            self.processor.analyse(org, photo, bytes).await.expect("analysed").expect("not yet judged");
        self.processor.commit(org, photo, &analysis).await.expect("committed");
        photo
    }

    /// Submits `case` and asserts its verdict; returns it.
    pub async fn submit_and_check(&self, org: OrgId, case: &Case) -> Verdict {
        let photo = self.submit(org, case).await;
        let verdict = self.records.verdict(org, photo).await.expect("read verdict").expect("a verdict");
        let codes: Vec<&str> = verdict.flags.iter().map(|f| f.code.as_str()).collect();
        if let Some(state) = case.state {
            assert_eq!(verdict.state, state, "{}: state (flags {codes:?})", case.photo);
        }
        for code in &case.must {
            assert!(verdict.has(*code), "{}: lacks {} (flags {codes:?})", case.photo, code.as_str());
        }
        for code in &case.must_not {
            assert!(!verdict.has(*code), "{}: has {} (flags {codes:?})", case.photo, code.as_str());
        }
        assert!(!verdict.rules_version.is_empty());
        verdict
    }

    /// Runs a photo's job twice: the second run finds the verdict and changes nothing.
    pub async fn redelivery_is_a_no_op(&self, org: OrgId, case: &Case) {
        let photo = self.submit(org, case).await;
        let before = self.records.verdict(org, photo).await.expect("verdict").expect("exists");
        let bytes = photos::read(case.photo);
        assert!(
            self.processor.analyse(org, photo, bytes).await.expect("analyse").is_none(),
            "already judged"
        );
        let after = self.records.verdict(org, photo).await.expect("verdict").expect("exists");
        assert_eq!(before, after);
    }
}

/// A punch as a phone sends it: at `center` (±20 m, not mocked), received 5 s after
/// `device_time`.
pub fn phone_punch(
    org: OrgId,
    worker: UserId,
    site: &Site,
    center: GeoPoint,
    device_time: DateTime<FixedOffset>,
) -> Punch {
    Punch {
        id: PunchId::new(),
        org,
        client_id: ClientPunchId::new(&format!("phone-{}", PunchId::new())).expect("client id"),
        kind: PunchKind::In,
        worker,
        site: site.id,
        device_time,
        device_location: Some(DeviceLocation {
            lat: center.lat,
            lon: center.lon,
            accuracy_m: 20.0,
            mock: Some(false),
        }),
        received_at: device_time.with_timezone(&Utc) + Duration::seconds(5),
    }
}
