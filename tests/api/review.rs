//! Review: the queue of punches needing a person, and decisions beside the verdict.

use punchline_domain::VerdictState;
use serde_json::json;

use crate::harness::{json, TestApp};
use crate::punches::uploaded_punch;
use crate::worker::commit_verdict;

pub async fn supervisors_review_flagged_punches(app: TestApp) {
    let tenant = app.tenant();
    let site = app.site(&tenant.admin).await;
    let (flagged, flagged_photo) = uploaded_punch(&app, &tenant.worker, &site, "review-1").await;
    let (clean, clean_photo) = uploaded_punch(&app, &tenant.worker, &site, "review-2").await;
    commit_verdict(&app, tenant.org, flagged_photo, VerdictState::NeedsReview).await;
    commit_verdict(&app, tenant.org, clean_photo, VerdictState::Verified).await;

    let queue = json(app.get("/v1/review?state=needs_review", &tenant.supervisor).await).await;
    let queued: Vec<_> =
        queue["items"].as_array().expect("items").iter().map(|i| i["punch"]["id"].clone()).collect();
    assert_eq!(queued, [json!(flagged)]);
    assert_eq!(queue["items"][0]["verdict"], "needs_review");
    let verified = json(app.get("/v1/review?state=verified", &tenant.admin).await).await;
    assert_eq!(verified["items"][0]["punch"]["id"], json!(clean));

    let path = format!("/v1/punches/{flagged}/review");
    let no_reason = app.post(&path, &tenant.supervisor, &json!({"decision": "rejected"})).await;
    assert_eq!(no_reason.status(), 422);
    let bad_decision =
        app.post(&path, &tenant.supervisor, &json!({"decision": "maybe", "reason": "x"})).await;
    assert_eq!(bad_decision.status(), 422);
    let reviewed = app
        .post(&path, &tenant.supervisor, &json!({"decision": "approved", "reason": "GPS drift at the gate"}))
        .await;
    assert_eq!(reviewed.status(), 201);
    let reviewed = json(reviewed).await;
    assert_eq!(reviewed["reviewer_id"], tenant.supervisor.user.to_string());

    let details = json(app.get(&format!("/v1/punches/{flagged}"), &tenant.worker).await).await;
    assert_eq!(details["verdict"]["state"], "needs_review", "a review never changes the verdict");
    assert_eq!(details["reviews"][0]["decision"], "approved");
    assert_eq!(details["reviews"][0]["reason"], "GPS drift at the gate");
    assert_eq!(details["reviews"][0]["reviewer_id"], tenant.supervisor.user.to_string());
    assert!(details["reviews"][0]["at"].is_string());
    let queue = json(app.get("/v1/review", &tenant.supervisor).await).await;
    assert_eq!(queue["items"], json!([]), "reviewed punches leave the queue");
}
