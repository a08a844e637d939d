//! The people and punches the browser tests look at: one organisation with an admin, two
//! workers and a supervisor, a 150 m site in Tuscany where the Coolpix samples were
//! taken, and sample photos punched end to end over HTTP as the apps do.

use std::time::Duration;

use punchline_api::client::{content_type_for, ApiClient};
use punchline_api::schema::punch::{CreatePunch, DeviceLocationBody, PhotoToUpload, PunchDetailsView};
use punchline_api::schema::site::{CreateSite, GeofenceBody};
use punchline_api::schema::Point;
use punchline_api::TokenKeys;
use punchline_domain::{Config, OrgId, PunchId, PunchKind, Role, SiteId, UserId};
use punchline_testkit::photos;

/// The site's centre: where `coolpix_gps_0010.jpg` was taken.
pub const SITE: (f64, f64) = (43.467448, 11.885127);

/// One organisation's people.
pub struct Crew {
    pub org: OrgId,
    pub supervisor: UserId,
    pub workers: [(UserId, ApiClient); 2],
    /// Reads results with their evidence.
    pub reader: ApiClient,
    pub site: SiteId,
}

impl Crew {
    /// A new organisation on the api at `base_url`, tokens signed with pipeline.toml's key.
    pub async fn new(base_url: &str, site_name: &str) -> Crew {
        let keys = TokenKeys::new(&Config::default().auth);
        let org = OrgId::new();
        let ttl = Duration::from_secs(3600);
        let token = |user: UserId, role: Role| keys.mint(org, user, role, ttl).expect("token");
        let admin = ApiClient::new(base_url, token(UserId::new(), Role::Admin));
        let site = admin
            .create_site(&CreateSite {
                name: site_name.into(),
                time_zone: "Europe/Rome".into(),
                geofence: GeofenceBody::Circle {
                    center: Point { lat: SITE.0, lon: SITE.1 },
                    radius_m: 150.0,
                },
            })
            .await
            .expect("the admin creates the site");
        let supervisor = UserId::new();
        let (first, second) = (UserId::new(), UserId::new());
        Crew {
            org,
            supervisor,
            workers: [
                (first, admin.as_caller(token(first, Role::Worker))),
                (second, admin.as_caller(token(second, Role::Worker))),
            ],
            reader: admin.as_caller(token(supervisor, Role::Supervisor)),
            site: site.id,
        }
    }

    /// Worker `who` punches `kind` with sample photo `file`, the phone at the site with
    /// 25 m accuracy and its clock at the photo's capture time (as a phone that punches as
    /// it shoots); waits for the verdict.
    pub async fn punch(&self, who: usize, kind: PunchKind, file: &str, taken: &str) -> PunchDetailsView {
        let client = &self.workers[who].1;
        let bytes = photos::read(file);
        let device_time = chrono::DateTime::parse_from_rfc3339(taken).expect("an RFC 3339 time");
        let created = client
            .create_punch(&CreatePunch {
                client_id: uuid::Uuid::new_v4().to_string(),
                kind,
                site_id: self.site,
                device_time,
                device_location: Some(DeviceLocationBody {
                    lat: SITE.0,
                    lon: SITE.1,
                    accuracy_m: 25.0,
                    mock: Some(false),
                }),
                photo: PhotoToUpload {
                    content_type: content_type_for(file).into(),
                    content_length: bytes.len() as u64,
                },
            })
            .await
            .expect("punch created");
        if let Some(upload) = &created.upload {
            client.upload(upload, bytes).await.expect("uploaded");
        }
        client.complete(created.punch.id).await.expect("completed");
        self.result(created.punch.id).await
    }

    /// The punch's details as a supervisor reads them, once it has a verdict.
    pub async fn result(&self, punch: PunchId) -> PunchDetailsView {
        self.reader.wait_for_result(punch, Duration::from_secs(120)).await.expect("a result")
    }
}
