//! Organisations, users, sites, punches and processing results to test with.

use chrono::{DateTime, Utc};
use punchline_backends::records::{
    CreatedPunch, NewPhoto, Organisation, PhotoResult, ProcessedPhoto, Records, StoredVariant, UploadedPhoto,
    User,
};
use punchline_domain::{
    ClientPunchId, DeviceLocation, ExifFacts, Flag, FlagCode, GeoPoint, Geofence, ImageFormat, OrgId,
    PerceptualHash, PhotoFailure, PhotoHashes, PhotoId, Punch, PunchId, PunchKind, Role, Severity, Site,
    SiteId, UserId, Verdict,
};

/// An organisation with a worker, a supervisor and a site.
#[derive(Debug, Clone, Copy)]
pub struct Tenant {
    pub org: OrgId,
    pub worker: UserId,
    pub supervisor: UserId,
    pub site: SiteId,
}

pub async fn tenant(records: &dyn Records, name: &str) -> Tenant {
    let org = OrgId::new();
    records.create_org(&Organisation { id: org, name: name.to_owned() }).await.expect("create org");
    let worker = User { id: UserId::new(), org, name: format!("{name} worker"), role: Role::Worker };
    let supervisor =
        User { id: UserId::new(), org, name: format!("{name} supervisor"), role: Role::Supervisor };
    records.create_user(org, &worker).await.expect("create worker");
    records.create_user(org, &supervisor).await.expect("create supervisor");
    let fence = Geofence::Circle { center: GeoPoint { lat: -37.6698, lon: 144.5465 }, radius_m: 150.0 };
    let site = Site::new(org, &format!("{name} depot"), "Australia/Melbourne", fence).expect("valid site");
    records.create_site(org, &site).await.expect("create site");
    Tenant { org, worker: worker.id, supervisor: supervisor.id, site: site.id }
}

/// What the app sends for a punch (fresh server ids, receive time now).
pub fn punch_request(tenant: &Tenant, client_id: &str) -> Punch {
    Punch {
        id: PunchId::new(),
        org: tenant.org,
        client_id: ClientPunchId::new(client_id).expect("valid client id"),
        kind: PunchKind::In,
        worker: tenant.worker,
        site: tenant.site,
        // Nanoseconds and an offset: stored to the microsecond with the offset kept.
        device_time: DateTime::parse_from_rfc3339("2024-03-01T23:59:30.123456789+11:00").expect("valid time"),
        device_location: Some(DeviceLocation {
            lat: -37.6699,
            lon: 144.5466,
            accuracy_m: 12.5,
            mock: Some(false),
        }),
        received_at: Utc::now(),
    }
}

pub fn new_photo(client_id: &str) -> NewPhoto {
    let id = PhotoId::new();
    NewPhoto { id, object_key: format!("originals/{client_id}/{id}") }
}

/// A new punch with its photo, asserted to be new.
pub async fn punch(records: &dyn Records, tenant: &Tenant, client_id: &str) -> CreatedPunch {
    records
        .create_punch(tenant.org, &punch_request(tenant, client_id), &new_photo(client_id))
        .await
        .expect("create punch")
}

pub fn uploaded() -> UploadedPhoto {
    UploadedPhoto { bytes: 2_345_678, format: ImageFormat::Heic }
}

pub fn job(photo: PhotoId) -> serde_json::Value {
    serde_json::json!({ "photo": photo, "attempt": 1 })
}

pub fn facts(captured: &str) -> ExifFacts {
    ExifFacts {
        present: true,
        make: Some("Apple".into()),
        model: Some("iPhone XS".into()),
        datetime_original: Some(captured.to_owned()),
        offset: Some("+11:00".into()),
        datetime: Some(captured.to_owned()),
        gps: Some(GeoPoint { lat: -37.66981, lon: 144.54652 }),
        gps_utc: Some("2024:03:01 12:59:29".into()),
        orientation: Some(6),
        software: Some("17.1".into()),
        ..ExifFacts::default()
    }
}

/// Hashes whose dihedral variants are `pdq` and 7 unrelated patterns.
pub fn hashes(pdq: [u8; 32], quality: u8, sha256: [u8; 32]) -> PhotoHashes {
    let mut pdq_dihedral = [[0u8; 32]; 8];
    pdq_dihedral[0] = pdq;
    for (i, variant) in pdq_dihedral.iter_mut().enumerate().skip(1) {
        *variant = pdq.map(|b| b.rotate_left(i as u32) ^ (i as u8));
    }
    PhotoHashes { sha256, pdq: PerceptualHash { bits: pdq, quality }, pdq_dihedral }
}

pub fn verdict(version: &str) -> Verdict {
    let flag = Flag {
        code: FlagCode::CaptureZoneAssumed,
        severity: Severity::Info,
        evidence: serde_json::json!({ "zone": "Australia/Melbourne" }),
        message: "Capture time read in the site's zone".into(),
    };
    Verdict::from_flags(vec![flag], version, Utc::now())
}

pub fn processed(hashes: PhotoHashes, facts: ExifFacts, index_for_reuse: bool) -> PhotoResult {
    let variants = [1200u32, 800, 300]
        .into_iter()
        .map(|size| StoredVariant {
            size,
            object_key: format!("variants/{size}/{}", hex(&hashes.sha256)),
            width: size,
            height: size * 3 / 4,
            bytes: u64::from(size) * 100,
        })
        .collect();
    PhotoResult::Processed(Box::new(ProcessedPhoto {
        width: 4032,
        height: 3024,
        facts,
        hashes,
        index_for_reuse,
        variants,
        verdict: verdict("rules-1"),
    }))
}

pub fn failed(code: &str) -> PhotoResult {
    let failure =
        PhotoFailure { code: code.parse().expect("a failure code"), reason: format!("the photo is {code}") };
    let verdict = Verdict::failed(&failure, "rules-1", Utc::now());
    PhotoResult::Failed { failure, verdict }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A punch whose photo was uploaded and processed with these hashes and facts.
pub async fn processed_photo(
    records: &dyn Records,
    tenant: &Tenant,
    client_id: &str,
    hashes: PhotoHashes,
    facts: ExifFacts,
    index_for_reuse: bool,
) -> CreatedPunch {
    let created = punch(records, tenant, client_id).await;
    let photo = created.photo.id;
    records.complete_upload(tenant.org, photo, &uploaded(), &job(photo)).await.expect("complete upload");
    records
        .commit_result(tenant.org, photo, &processed(hashes, facts, index_for_reuse))
        .await
        .expect("commit result");
    created
}
