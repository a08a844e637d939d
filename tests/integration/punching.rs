//! Punching over HTTP as the apps do, for the end-to-end tests: an organisation with an
//! admin and a worker, one site, and photos sent through create → upload → complete.

use std::time::Duration;

use punchline_api::client::{content_type_for, ApiClient, ClientError};
use punchline_api::schema::punch::{CreatePunch, DeviceLocationBody, PhotoToUpload, PunchDetailsView};
use punchline_api::schema::site::{CreateSite, GeofenceBody};
use punchline_api::schema::Point;
use punchline_api::TokenKeys;
use punchline_domain::{Config, OrgId, PunchId, PunchKind, Role, SiteId, UserId};
use punchline_testkit::photos;

/// Where the pug photos were taken: the test site's centre.
pub const SITE: (f64, f64) = (46.754703, 33.336106);

/// One organisation punching at one site.
pub struct Crew {
    pub worker: ApiClient,
    /// The organisation's admin, who sees the flags' evidence (a worker sees flags only).
    pub admin: ApiClient,
    pub site: SiteId,
}

impl Crew {
    /// A new organisation (its admin creates the site) on the api at `base_url`, with
    /// tokens signed by the repository's `pipeline.toml` key.
    pub async fn new(base_url: &str) -> Crew {
        let keys = TokenKeys::new(&Config::default().auth);
        let org = OrgId::new();
        let ttl = Duration::from_secs(3600);
        let admin = ApiClient::new(base_url, keys.mint(org, UserId::new(), Role::Admin, ttl).expect("token"));
        let site = admin
            .create_site(&CreateSite {
                name: "Test site".into(),
                time_zone: "Europe/Kyiv".into(),
                geofence: GeofenceBody::Circle {
                    center: Point { lat: SITE.0, lon: SITE.1 },
                    radius_m: 150.0,
                },
            })
            .await
            .expect("the admin creates the site");
        let worker = admin.as_caller(keys.mint(org, UserId::new(), Role::Worker, ttl).expect("token"));
        Crew { worker, admin, site: site.id }
    }

    /// Creates a punch for `file` of the sample photos, punched now, uploads it and
    /// completes it.
    pub async fn submit(&self, file: &str) -> Result<PunchId, ClientError> {
        self.submit_at(file, chrono::Utc::now().fixed_offset()).await
    }

    /// [`Crew::submit`] with the device's clock at `device_time`.
    pub async fn submit_at(
        &self,
        file: &str,
        device_time: chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<PunchId, ClientError> {
        let bytes = photos::read(file);
        self.submit_bytes(content_type_for(file), bytes, device_time).await
    }

    /// Punches a photo of these bytes (of `content_type`) with the device's clock at
    /// `device_time`: create, upload, complete.
    pub async fn submit_bytes(
        &self,
        content_type: &str,
        bytes: Vec<u8>,
        device_time: chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<PunchId, ClientError> {
        let punch = self.create_and_upload(content_type, bytes, device_time).await?;
        self.worker.complete(punch).await?;
        Ok(punch)
    }

    /// The first two steps of [`Crew::submit_bytes`]: the punch is created and its photo
    /// uploaded, waiting for the app's completion call.
    pub async fn create_and_upload(
        &self,
        content_type: &str,
        bytes: Vec<u8>,
        device_time: chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<PunchId, ClientError> {
        let created = self
            .worker
            .create_punch(&CreatePunch {
                client_id: uuid::Uuid::new_v4().to_string(),
                kind: PunchKind::In,
                site_id: self.site,
                device_time,
                device_location: Some(DeviceLocationBody {
                    lat: SITE.0,
                    lon: SITE.1,
                    accuracy_m: 10.0,
                    mock: None,
                }),
                photo: PhotoToUpload {
                    content_type: content_type.into(),
                    content_length: bytes.len() as u64,
                },
            })
            .await?;
        if let Some(upload) = &created.upload {
            self.worker.upload(upload, bytes).await?;
        }
        Ok(created.punch.id)
    }

    /// Whether a variant's download URL answers 200 with a JPEG.
    pub async fn download_is_jpeg(&self, url: &str) -> bool {
        match reqwest::get(url).await {
            Ok(r) if r.status().is_success() => {
                r.bytes().await.is_ok_and(|b| b.starts_with(&[0xFF, 0xD8, 0xFF]))
            }
            _ => false,
        }
    }

    /// Waits for every punch's result, in order, as the admin sees it (with evidence).
    pub async fn results(&self, punches: &[PunchId], timeout: Duration) -> Vec<PunchDetailsView> {
        let mut out = Vec::with_capacity(punches.len());
        for &punch in punches {
            out.push(self.admin.wait_for_result(punch, timeout).await.expect("the punch gets a result"));
        }
        out
    }
}
