//! A photo's life: upload completion with its outbox row, the sweeper's view, the
//! once-only commit of a result, failures, and reviews beside the verdict.

use std::sync::Arc;

use chrono::{Duration, Utc};
use punchline_backends::records::{CommitOutcome, PhotoResult, Records, UploadCompletion};
use punchline_domain::{ImageFormat, PhotoFailureCode, PhotoState, Review, ReviewDecision, VerdictState};

use crate::fixtures::{facts, failed, hashes, job, processed, punch, tenant, uploaded, verdict};

pub async fn upload_completion_writes_one_outbox_row(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let photo = punch(&*records, &t, "p-1").await.photo.id;
    let first = records.complete_upload(t.org, photo, &uploaded(), &job(photo)).await.expect("complete");
    let UploadCompletion::Completed { outbox_id } = first else {
        panic!("first completion completes: {first:?}")
    };
    let stored = records.photo(t.org, photo).await.expect("read").expect("exists");
    assert_eq!(stored.state, PhotoState::Uploaded);
    assert_eq!(stored.bytes, Some(2_345_678));
    assert_eq!(stored.format, Some(ImageFormat::Heic));
    assert!(stored.uploaded_at.is_some());

    // Retried (or raced by the sweeper): nothing more is written.
    let again = records.complete_upload(t.org, photo, &uploaded(), &job(photo)).await.expect("complete");
    assert_eq!(again, UploadCompletion::AlreadyCompleted { state: PhotoState::Uploaded });
    let outbox = records.unsent_outbox(t.org, 10).await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0].id, outbox[0].photo, &outbox[0].payload), (outbox_id, photo, &job(photo)));
    assert_eq!(records.orgs_with_unsent_outbox(10).await.expect("orgs"), vec![t.org]);

    // Marked sent after the broker's confirm, once.
    assert_eq!(records.mark_outbox_sent(t.org, &[outbox_id]).await.expect("mark"), 1);
    assert_eq!(records.mark_outbox_sent(t.org, &[outbox_id]).await.expect("mark"), 0);
    assert!(records.unsent_outbox(t.org, 10).await.expect("outbox").is_empty());
    assert!(records.orgs_with_unsent_outbox(10).await.expect("orgs").is_empty());

    // Processing moves on from uploaded only.
    assert!(records.mark_processing(t.org, photo).await.expect("mark"));
    assert!(!records.mark_processing(t.org, photo).await.expect("mark"));
    let late = records.complete_upload(t.org, photo, &uploaded(), &job(photo)).await.expect("complete");
    assert_eq!(late, UploadCompletion::AlreadyCompleted { state: PhotoState::Processing });
    let missing =
        records.complete_upload(t.org, punchline_domain::PhotoId::new(), &uploaded(), &job(photo)).await;
    assert!(matches!(missing, Err(punchline_backends::RecordsError::NotFound { .. })));
}

pub async fn stale_uploads_are_found_for_the_sweeper(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let pending = punch(&*records, &t, "never-completed").await;
    let done = punch(&*records, &t, "completed").await.photo.id;
    records.complete_upload(t.org, done, &uploaded(), &job(done)).await.expect("complete");
    let later = Utc::now() + Duration::seconds(5);
    assert_eq!(records.orgs_with_stale_uploads(later, 10).await.expect("orgs"), vec![t.org]);
    let stale = records.stale_uploads(t.org, later, 10).await.expect("stale");
    assert_eq!(stale.len(), 1);
    assert_eq!((stale[0].photo, stale[0].punch), (pending.photo.id, pending.punch.id));
    assert_eq!(stale[0].object_key, pending.photo.object_key);
    let earlier = Utc::now() - Duration::hours(1);
    assert!(records.stale_uploads(t.org, earlier, 10).await.expect("stale").is_empty());
    assert!(records.orgs_with_stale_uploads(earlier, 10).await.expect("orgs").is_empty());
}

pub async fn commit_result_is_written_once(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let created = punch(&*records, &t, "p-1").await;
    let photo = created.photo.id;
    records.complete_upload(t.org, photo, &uploaded(), &job(photo)).await.expect("complete");
    let result = processed(hashes([0xA5; 32], 87, [3; 32]), facts("2024:03:01 23:59:29"), true);
    assert_eq!(records.commit_result(t.org, photo, &result).await.expect("commit"), CommitOutcome::Committed);

    let stored = records.photo(t.org, photo).await.expect("read").expect("exists");
    assert_eq!(stored.state, PhotoState::Processed);
    assert_eq!(stored.sha256, Some([3; 32]));
    assert_eq!((stored.width, stored.height), (Some(4032), Some(3024)));
    let PhotoResult::Processed(expected) = &result else { unreachable!() };
    assert_eq!(records.photo_facts(t.org, photo).await.expect("read"), Some(expected.facts.clone()));
    let stored_hashes = records.photo_hashes(t.org, photo).await.expect("read").expect("hashes");
    assert_eq!(stored_hashes.hashes, expected.hashes);
    assert!(stored_hashes.indexed);
    let first_verdict = records.verdict(t.org, photo).await.expect("read").expect("verdict");
    assert_eq!(first_verdict.flags, expected.verdict.flags);
    assert_eq!(first_verdict.rules_version, "rules-1");

    // A redelivered job (even one that computed something else) changes nothing.
    let mut redelivered = processed(hashes([0x11; 32], 20, [4; 32]), facts("1999:01:01 00:00:00"), true);
    if let PhotoResult::Processed(p) = &mut redelivered {
        p.verdict = verdict("rules-2");
    }
    assert_eq!(
        records.commit_result(t.org, photo, &redelivered).await.expect("commit"),
        CommitOutcome::AlreadyCommitted
    );
    assert_eq!(
        records.commit_result(t.org, photo, &failed("truncated")).await.expect("commit"),
        CommitOutcome::AlreadyCommitted
    );
    assert_eq!(records.verdict(t.org, photo).await.expect("read"), Some(first_verdict));
    assert_eq!(
        records.photo_hashes(t.org, photo).await.expect("read").expect("hashes").hashes,
        expected.hashes
    );
    assert_eq!(records.photo(t.org, photo).await.expect("read").expect("exists"), stored);
    let details = records.punch_details(t.org, created.punch.id).await.expect("read").expect("exists");
    assert_eq!(details.variants, expected.variants);
    assert_eq!(details.variants.iter().map(|v| v.size).collect::<Vec<_>>(), vec![1200, 800, 300]);
    let found = records.find_similar(t.org, &[[0x11; 32]], 31, punchline_domain::PhotoId::new(), 10).await;
    assert!(found.expect("search").is_empty(), "the redelivered hash was not indexed");
}

pub async fn concurrent_commits_commit_once(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let photo = punch(&*records, &t, "p-1").await.photo.id;
    records.complete_upload(t.org, photo, &uploaded(), &job(photo)).await.expect("complete");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..6u8 {
        let records = Arc::clone(&records);
        let result = processed(hashes([i; 32], 80, [i; 32]), facts("2024:03:01 23:59:29"), true);
        tasks.spawn(async move { records.commit_result(t.org, photo, &result).await });
    }
    let mut committed = 0;
    while let Some(joined) = tasks.join_next().await {
        if joined.expect("task ran").expect("commit") == CommitOutcome::Committed {
            committed += 1;
        }
    }
    assert_eq!(committed, 1);
    let hashes = records.photo_hashes(t.org, photo).await.expect("read").expect("hashes").hashes;
    assert_eq!(records.photo(t.org, photo).await.expect("read").expect("exists").sha256, Some(hashes.sha256));
}

pub async fn failures_are_recorded_with_their_reason(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let created = punch(&*records, &t, "p-1").await;
    let photo = created.photo.id;
    records.complete_upload(t.org, photo, &uploaded(), &job(photo)).await.expect("complete");
    assert_eq!(
        records.commit_result(t.org, photo, &failed("not_an_image")).await.expect("commit"),
        CommitOutcome::Committed
    );
    let stored = records.photo(t.org, photo).await.expect("read").expect("exists");
    assert_eq!(stored.state, PhotoState::Failed);
    let failure = stored.failure.expect("failure recorded");
    assert_eq!(
        (failure.code.as_str(), failure.reason.as_str()),
        ("not_an_image", "the photo is not_an_image")
    );
    let verdict = records.verdict(t.org, photo).await.expect("read").expect("verdict");
    assert_eq!(verdict.state, VerdictState::Failed);
    assert!(records.photo_hashes(t.org, photo).await.expect("read").is_none());
    assert!(records.photo_facts(t.org, photo).await.expect("read").is_none());
    assert_eq!(
        records.commit_result(t.org, photo, &failed("truncated")).await.expect("commit"),
        CommitOutcome::AlreadyCommitted
    );
    let details = records.punch_details(t.org, created.punch.id).await.expect("read").expect("exists");
    assert_eq!(details.photo.failure.map(|f| f.code), Some(PhotoFailureCode::NotAnImage));
}

pub async fn reviews_sit_beside_the_verdict(records: Arc<dyn Records>) {
    let t = tenant(&*records, "a").await;
    let created = punch(&*records, &t, "p-1").await;
    let photo = created.photo.id;
    records
        .commit_result(t.org, photo, &processed(hashes([5; 32], 90, [5; 32]), facts("x"), true))
        .await
        .expect("commit");
    let machine = records.verdict(t.org, photo).await.expect("read").expect("verdict");
    let reject = Review {
        decision: ReviewDecision::Rejected,
        reviewer: t.supervisor,
        at: Utc::now(),
        reason: "not the site".into(),
    };
    let approve = Review {
        decision: ReviewDecision::Approved,
        reviewer: t.supervisor,
        at: reject.at + Duration::minutes(5),
        reason: "spoke to the worker".into(),
    };
    records.add_review(t.org, created.punch.id, &reject).await.expect("review");
    records.add_review(t.org, created.punch.id, &approve).await.expect("review");
    let details = records.punch_details(t.org, created.punch.id).await.expect("read").expect("exists");
    assert_eq!(details.verdict, Some(machine.clone()), "reviews never overwrite the verdict");
    let decisions: Vec<_> = details.reviews.iter().map(|r| (r.decision, r.reason.as_str())).collect();
    assert_eq!(
        decisions,
        vec![(ReviewDecision::Rejected, "not the site"), (ReviewDecision::Approved, "spoke to the worker")]
    );
    assert_eq!(details.reviews[0].at.timestamp_micros(), reject.at.timestamp_micros());
    assert_eq!(details.reviews[1].reviewer, t.supervisor);
    assert_eq!(records.verdict(t.org, photo).await.expect("read"), Some(machine));
    let missing = records.add_review(t.org, punchline_domain::PunchId::new(), &approve).await;
    assert!(matches!(missing, Err(punchline_backends::RecordsError::NotFound { .. })));
}
