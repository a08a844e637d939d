//! Migrations, and tenancy: one organisation can neither see nor touch another's rows.

use std::sync::Arc;

use punchline_backends::records::{PunchFilter, Records, RecordsError};
use punchline_domain::{OrgId, Review, ReviewDecision};

use crate::fixtures::{
    facts, failed, hashes, job, new_photo, processed_photo, punch, punch_request, tenant, uploaded,
};

pub async fn migrations_apply_and_reapply(records: Arc<dyn Records>) {
    // The harness migrated once; a second run finds nothing to do.
    records.migrate().await.expect("re-applying migrations is a no-op");
    records.ping().await.expect("ping");
    let a = tenant(&*records, "a").await;
    assert_eq!(records.org(a.org).await.expect("read org").map(|o| o.name), Some("a".to_owned()));
    assert!(records.org(OrgId::new()).await.expect("read org").is_none());
}

pub async fn orgs_cannot_read_or_change_each_others_rows(records: Arc<dyn Records>) {
    let a = tenant(&*records, "a").await;
    let b = tenant(&*records, "b").await;
    let created = processed_photo(
        &*records,
        &a,
        "a-1",
        hashes([7; 32], 90, [1; 32]),
        facts("2024:03:01 23:59:29"),
        true,
    )
    .await;
    let (punch_id, photo_id) = (created.punch.id, created.photo.id);

    // Reads in org B see nothing of org A.
    assert!(records.user(b.org, a.worker).await.expect("read").is_none());
    assert!(records.site(b.org, a.site).await.expect("read").is_none());
    assert!(records.sites(b.org).await.expect("read").iter().all(|s| s.org == b.org));
    assert!(records.punch(b.org, punch_id).await.expect("read").is_none());
    assert!(records.punch_details(b.org, punch_id).await.expect("read").is_none());
    assert!(records.photo(b.org, photo_id).await.expect("read").is_none());
    assert!(records.verdict(b.org, photo_id).await.expect("read").is_none());
    assert!(records.photo_facts(b.org, photo_id).await.expect("read").is_none());
    assert!(records.photo_hashes(b.org, photo_id).await.expect("read").is_none());
    assert!(records.reviews(b.org, punch_id).await.expect("read").is_empty());
    assert!(records.list_punches(b.org, &PunchFilter::all(100)).await.expect("list").is_empty());
    assert!(records.unsent_outbox(b.org, 100).await.expect("outbox").is_empty());

    // Writes in org B to org A's rows find nothing to write to.
    let mut site = records.site(a.org, a.site).await.expect("read").expect("a's site");
    site.name = "taken over".into();
    assert!(matches!(records.update_site(b.org, &site).await, Err(RecordsError::Invalid(_))));
    site.org = b.org;
    assert!(matches!(records.update_site(b.org, &site).await, Err(RecordsError::NotFound { .. })));
    assert_eq!(records.site(a.org, a.site).await.expect("read").map(|s| s.name), Some("a depot".to_owned()));

    let completion = records.complete_upload(b.org, photo_id, &uploaded(), &job(photo_id)).await;
    assert!(matches!(completion, Err(RecordsError::NotFound { .. })), "{completion:?}");
    assert!(!records.mark_processing(b.org, photo_id).await.expect("mark"));
    let commit = records.commit_result(b.org, photo_id, &failed("truncated")).await;
    assert!(matches!(commit, Err(RecordsError::NotFound { .. })), "{commit:?}");
    let review = Review {
        decision: ReviewDecision::Rejected,
        reviewer: b.supervisor,
        at: chrono::Utc::now(),
        reason: "x".into(),
    };
    assert!(matches!(records.add_review(b.org, punch_id, &review).await, Err(RecordsError::NotFound { .. })));
    let outbox = records.unsent_outbox(a.org, 10).await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(records.mark_outbox_sent(b.org, &[outbox[0].id]).await.expect("mark"), 0);
    assert_eq!(records.unsent_outbox(a.org, 10).await.expect("outbox").len(), 1);

    // Rows of org B cannot point at org A's rows: the composite foreign keys refuse.
    let mut foreign_site = punch_request(&b, "b-1");
    foreign_site.site = a.site;
    let refused = records.create_punch(b.org, &foreign_site, &new_photo("b-1")).await;
    assert!(matches!(refused, Err(RecordsError::Invalid(_))), "{refused:?}");
    let mut foreign_worker = punch_request(&b, "b-2");
    foreign_worker.worker = a.worker;
    assert!(matches!(
        records.create_punch(b.org, &foreign_worker, &new_photo("b-2")).await,
        Err(RecordsError::Invalid(_))
    ));
    let b_punch = punch(&*records, &b, "b-3").await;
    let foreign_reviewer = Review { reviewer: a.supervisor, ..review.clone() };
    let refused = records.add_review(b.org, b_punch.punch.id, &foreign_reviewer).await;
    assert!(matches!(refused, Err(RecordsError::Invalid(_))), "{refused:?}");
    // An entity claiming another org than the call's is refused before any SQL.
    assert!(matches!(
        records.create_punch(b.org, &punch_request(&a, "a-2"), &new_photo("a-2")).await,
        Err(RecordsError::Invalid(_))
    ));

    // Org A's rows are untouched by all of the above.
    let details = records.punch_details(a.org, punch_id).await.expect("read").expect("a's punch");
    assert_eq!(details.photo.state, punchline_domain::PhotoState::Processed);
    assert!(details.reviews.is_empty());
    // The same client id in another org is another punch.
    let same_client_id = punch(&*records, &b, "a-1").await;
    assert_ne!(same_client_id.punch.id, punch_id);
}

pub async fn searches_never_cross_orgs(records: Arc<dyn Records>) {
    let a = tenant(&*records, "a").await;
    let b = tenant(&*records, "b").await;
    let pdq = [0x3C; 32];
    let sha = [9; 32];
    let captured = "2024:03:01 23:59:29";
    let a_photo = processed_photo(&*records, &a, "a-1", hashes(pdq, 90, sha), facts(captured), true).await;
    let query = hashes(pdq, 90, sha).pdq_dihedral;
    let b_new = punch(&*records, &b, "b-1").await.photo.id;

    assert!(records.find_similar(b.org, &query, 31, b_new, 10).await.expect("search").is_empty());
    assert!(records.find_exact_duplicates(b.org, &sha, b_new, 10).await.expect("search").is_empty());
    assert!(records
        .find_exif_twins(b.org, &facts(captured), &query, b_new, 10)
        .await
        .expect("search")
        .is_empty());

    // The same searches in org A do find it (so the emptiness above is tenancy).
    let a_new = punch(&*records, &a, "a-2").await.photo.id;
    let found = records.find_similar(a.org, &query, 31, a_new, 10).await.expect("search");
    assert_eq!(found.iter().map(|m| m.photo).collect::<Vec<_>>(), vec![a_photo.photo.id]);
    assert_eq!(records.find_exact_duplicates(a.org, &sha, a_new, 10).await.expect("search").len(), 1);
    assert_eq!(
        records.find_exif_twins(a.org, &facts(captured), &query, a_new, 10).await.expect("search").len(),
        1
    );

    // Org B storing the very same picture still only ever finds its own.
    let b_photo = processed_photo(&*records, &b, "b-2", hashes(pdq, 90, sha), facts(captured), true).await;
    let found = records.find_similar(b.org, &query, 31, b_new, 10).await.expect("search");
    assert_eq!(found.iter().map(|m| m.photo).collect::<Vec<_>>(), vec![b_photo.photo.id]);
    assert_eq!(found[0].worker, b.worker);
}
