//! Punch creation (idempotent by client id), device times, listings and sites.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use punchline_backends::records::{PunchCreation, PunchFilter, Records};
use punchline_domain::{GeoPoint, Geofence, PhotoState, PunchKind, VerdictState};

use crate::fixtures::{facts, failed, hashes, new_photo, processed, punch, punch_request, tenant};

pub async fn same_client_id_is_the_same_punch(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let request = punch_request(&t, "phone-1");
    let first = records.create_punch(t.org, &request, &new_photo("phone-1")).await.expect("create");
    assert_eq!(first.creation, PunchCreation::Created);
    assert_eq!(first.punch.id, request.id);
    assert_eq!(first.photo.state, PhotoState::PendingUpload);
    assert_eq!(first.photo.punch, first.punch.id);

    // A retry: fresh server ids and a later receive time, the same body.
    let mut retry = punch_request(&t, "phone-1");
    retry.received_at = Utc::now() + Duration::seconds(30);
    let again = records.create_punch(t.org, &retry, &new_photo("phone-1")).await.expect("retry");
    assert_eq!(again.creation, PunchCreation::Existing { same_body: true });
    assert_eq!(again.punch, first.punch);
    assert_eq!(again.photo, first.photo);

    // The same client id with another body: the stored punch, flagged as a mismatch.
    let mut other = punch_request(&t, "phone-1");
    other.kind = PunchKind::Out;
    let clash = records.create_punch(t.org, &other, &new_photo("phone-1")).await.expect("clash");
    assert_eq!(clash.creation, PunchCreation::Existing { same_body: false });
    assert_eq!(clash.punch, first.punch);
    let mut moved = punch_request(&t, "phone-1");
    moved.device_location = None;
    let clash = records.create_punch(t.org, &moved, &new_photo("phone-1")).await.expect("clash");
    assert_eq!(clash.creation, PunchCreation::Existing { same_body: false });
    let mut shifted = punch_request(&t, "phone-1");
    shifted.device_time = shifted.device_time.with_timezone(&Utc).fixed_offset();
    let clash = records.create_punch(t.org, &shifted, &new_photo("phone-1")).await.expect("clash");
    assert_eq!(clash.creation, PunchCreation::Existing { same_body: false }, "same instant, other offset");

    assert_eq!(records.list_punches(t.org, &PunchFilter::all(100)).await.expect("list").len(), 1);
}

pub async fn concurrent_creates_make_one_punch(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let records = Arc::clone(&records);
        tasks.spawn(async move {
            records
                .create_punch(t.org, &punch_request(&t, "flaky-network"), &new_photo("flaky-network"))
                .await
        });
    }
    let mut created = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        created.push(joined.expect("task ran").expect("create"));
    }
    let firsts = created.iter().filter(|c| c.creation == PunchCreation::Created).count();
    assert_eq!(firsts, 1, "exactly one request creates the punch");
    assert!(created.iter().all(|c| c.punch == created[0].punch && c.photo == created[0].photo));
    assert!(created.iter().all(|c| c.creation != PunchCreation::Existing { same_body: false }));
    assert_eq!(records.list_punches(t.org, &PunchFilter::all(100)).await.expect("list").len(), 1);
}

pub async fn device_time_keeps_its_offset(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let request = punch_request(&t, "tz");
    let stored = records.create_punch(t.org, &request, &new_photo("tz")).await.expect("create").punch;
    let read = records.punch(t.org, stored.id).await.expect("read").expect("exists");
    assert_eq!(read.device_time.to_rfc3339(), "2024-03-01T23:59:30.123456+11:00");
    assert_eq!(read.device_time.offset().local_minus_utc(), 11 * 3600);
    assert_eq!(read.received_at.timestamp_micros(), request.received_at.timestamp_micros());
    assert_eq!(read.device_location, request.device_location);

    // An offset in seconds has no place in RFC 3339: refused, never rounded.
    let mut odd = punch_request(&t, "odd-offset");
    let offset = chrono::FixedOffset::east_opt(3600 + 30).expect("valid offset");
    odd.device_time = odd.device_time.with_timezone(&offset);
    let refused = records.create_punch(t.org, &odd, &new_photo("odd-offset")).await;
    assert!(matches!(refused, Err(punchline_backends::RecordsError::Invalid(_))), "{refused:?}");
}

pub async fn listing_filters_and_pages(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let start = Utc::now();
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(punch(&*records, &t, &format!("p-{i}")).await);
    }
    // Newest first, paged by cursor.
    let page1 = records.list_punches(t.org, &PunchFilter::all(3)).await.expect("list");
    let page1_ids: Vec<_> = page1.iter().map(|s| s.punch.id).collect();
    assert_eq!(page1_ids, ids.iter().rev().take(3).map(|c| c.punch.id).collect::<Vec<_>>());
    let page2 = records
        .list_punches(t.org, &PunchFilter { before: page1_ids.last().copied(), ..PunchFilter::all(3) })
        .await
        .expect("list");
    assert_eq!(
        page2.iter().map(|s| s.punch.id).collect::<Vec<_>>(),
        ids.iter().rev().skip(3).take(3).map(|c| c.punch.id).collect::<Vec<_>>()
    );
    assert!(page1.iter().all(|s| s.photo_state == PhotoState::PendingUpload && s.verdict.is_none()));

    // Verdict states and the review queue.
    let (verified, failing) = (ids[0].photo.id, ids[1].photo.id);
    records
        .commit_result(t.org, verified, &processed(hashes([1; 32], 90, [1; 32]), facts("x"), true))
        .await
        .expect("commit");
    records.commit_result(t.org, failing, &failed("truncated")).await.expect("commit");
    let filter = PunchFilter { verdict: Some(VerdictState::Verified), ..PunchFilter::all(10) };
    let found = records.list_punches(t.org, &filter).await.expect("list");
    assert_eq!(found.iter().map(|s| s.photo).collect::<Vec<_>>(), vec![verified]);
    assert_eq!(found[0].verdict, Some(VerdictState::Verified));
    let filter = PunchFilter { verdict: Some(VerdictState::Failed), ..PunchFilter::all(10) };
    assert_eq!(records.list_punches(t.org, &filter).await.expect("list")[0].photo_state, PhotoState::Failed);
    let review = punchline_domain::Review {
        decision: punchline_domain::ReviewDecision::Approved,
        reviewer: t.supervisor,
        at: Utc::now(),
        reason: String::new(),
    };
    records.add_review(t.org, ids[1].punch.id, &review).await.expect("review");
    let queue = PunchFilter { verdict: Some(VerdictState::Failed), unreviewed: true, ..PunchFilter::all(10) };
    assert!(records.list_punches(t.org, &queue).await.expect("list").is_empty());

    // Site, worker and receive-time filters.
    let by_worker = PunchFilter { worker: Some(t.worker), site: Some(t.site), ..PunchFilter::all(100) };
    assert_eq!(records.list_punches(t.org, &by_worker).await.expect("list").len(), 7);
    let other = PunchFilter { worker: Some(t.supervisor), ..PunchFilter::all(100) };
    assert!(records.list_punches(t.org, &other).await.expect("list").is_empty());
    let future: DateTime<Utc> = Utc::now() + Duration::hours(1);
    let window = PunchFilter {
        received_from: Some(start - Duration::seconds(1)),
        received_to: Some(future),
        ..PunchFilter::all(100)
    };
    assert_eq!(records.list_punches(t.org, &window).await.expect("list").len(), 7);
    let later = PunchFilter { received_from: Some(future), ..PunchFilter::all(100) };
    assert!(records.list_punches(t.org, &later).await.expect("list").is_empty());
}

pub async fn sites_update_and_list(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let mut site = records.site(t.org, t.site).await.expect("read").expect("exists");
    assert_eq!(site.time_zone.name(), "Australia/Melbourne");
    site.name = "Yard (polygon)".into();
    site.active = false;
    site.geofence = Geofence::Polygon {
        points: vec![
            GeoPoint { lat: -37.0, lon: 144.0 },
            GeoPoint { lat: -37.0, lon: 144.1 },
            GeoPoint { lat: -37.1, lon: 144.1 },
        ],
    };
    records.update_site(t.org, &site).await.expect("update");
    assert_eq!(records.site(t.org, t.site).await.expect("read"), Some(site.clone()));
    let another = punchline_domain::Site::new(t.org, "Another", "Pacific/Chatham", site.geofence.clone())
        .expect("valid");
    records.create_site(t.org, &another).await.expect("create");
    let names: Vec<_> = records.sites(t.org).await.expect("list").into_iter().map(|s| s.name).collect();
    assert_eq!(names, vec!["Another".to_owned(), "Yard (polygon)".to_owned()]);
    let duplicate = records.create_site(t.org, &another).await;
    assert!(matches!(duplicate, Err(punchline_backends::RecordsError::Conflict(_))), "{duplicate:?}");
}
