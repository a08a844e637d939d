//! One demo punch through the path the apps use: create the punch, upload its photo to
//! the URL the API hands out, complete the upload, poll until the photo has a result.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use punchline_api::client::{content_type_for, ApiClient};
use punchline_api::schema::punch::{CreatePunch, DeviceLocationBody, PhotoToUpload, PunchDetailsView};
use punchline_domain::{PunchKind, SiteId};

use super::sample::{CaptureTimes, DemoPhoto, SITE_LAT, SITE_LON};

/// How one demo punch ended.
pub struct Outcome {
    pub photo: &'static DemoPhoto,
    /// The punch's details once processed, or why the app's calls were refused.
    pub result: anyhow::Result<PunchDetailsView>,
    /// From creating the punch to its result.
    pub took: Duration,
}

/// Punches `photo` as the worker `client` at `site`, and waits for its result as the
/// `supervisor` sees it (workers are not shown the evidence: it may name others' photos).
pub async fn punch(
    client: &ApiClient,
    supervisor: &ApiClient,
    site: SiteId,
    photos: &Path,
    photo: &'static DemoPhoto,
    times: &CaptureTimes,
    timeout: Duration,
) -> Outcome {
    let started = Instant::now();
    let result = async {
        let path = photos.join(photo.file);
        let bytes = tokio::fs::read(&path).await.with_context(|| format!("reading {}", path.display()))?;
        let created = client
            .create_punch(&CreatePunch {
                client_id: uuid::Uuid::new_v4().to_string(),
                kind: PunchKind::In,
                site_id: site,
                device_time: times.device_time(photo.file),
                // The phone says it is at the site: the photo's own GPS is what is checked.
                device_location: Some(DeviceLocationBody {
                    lat: SITE_LAT,
                    lon: SITE_LON,
                    accuracy_m: 15.0,
                    mock: Some(false),
                }),
                photo: PhotoToUpload {
                    content_type: content_type_for(photo.file).into(),
                    content_length: bytes.len() as u64,
                },
            })
            .await?;
        let punch = created.punch.id;
        if let Some(upload) = &created.upload {
            client.upload(upload, bytes).await?;
        }
        client.complete(punch).await?;
        Ok(supervisor.wait_for_result(punch, timeout).await?)
    }
    .await;
    Outcome { photo, result, took: started.elapsed() }
}
