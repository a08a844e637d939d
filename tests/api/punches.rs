//! Punches through real HTTP: the whole flow, retries, concurrent retries, refusals, and
//! listings.

use punchline_testkit::photos;
use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{json, punch_body, Member, TestApp};
use crate::worker::{commit_verdict, VARIANT_BYTES};
use punchline_domain::{PhotoId, VerdictState};

/// Sends the photo exactly as the upload object of a created punch says.
pub async fn upload(app: &TestApp, upload: &Value, bytes: Vec<u8>) -> reqwest::Response {
    let method =
        Method::from_bytes(upload["method"].as_str().expect("method").as_bytes()).expect("HTTP method");
    let mut request = app.client.request(method, upload["url"].as_str().expect("url"));
    for (name, value) in upload["headers"].as_object().expect("headers") {
        request = request.header(name, value.as_str().expect("header value"));
    }
    request.body(bytes).send().await.expect("upload sent")
}

pub async fn complete(app: &TestApp, punch: &str, member: &Member) -> reqwest::Response {
    let path = format!("/v1/punches/{punch}/photo/complete");
    app.request(Method::POST, &path, Some(&member.token)).send().await.expect("request sent")
}

/// A punch by `worker` whose photo is uploaded and completed; returns (punch, photo) ids.
pub async fn uploaded_punch(
    app: &TestApp,
    worker: &Member,
    site: &str,
    client_id: &str,
) -> (String, PhotoId) {
    let bytes = photos::read("canon40d_small.jpg");
    let created = app.post("/v1/punches", worker, &punch_body(client_id, site, bytes.len() as u64)).await;
    assert_eq!(created.status(), 201);
    let created = json(created).await;
    assert_eq!(upload(app, &created["upload"], bytes).await.status(), 200);
    let punch = created["punch"]["id"].as_str().expect("punch id").to_owned();
    assert_eq!(complete(app, &punch, worker).await.status(), 200);
    let photo: PhotoId = created["photo"]["id"].as_str().expect("photo id").parse().expect("uuid");
    (punch, photo)
}

pub async fn the_whole_flow_through_http(app: TestApp) {
    let tenant = app.tenant();
    let site = app.site(&tenant.admin).await;
    let bytes = photos::read("canon40d_small.jpg");
    let response =
        app.post("/v1/punches", &tenant.worker, &punch_body("flow-1", &site, bytes.len() as u64)).await;
    assert_eq!(response.status(), 201);
    let created = json(response).await;
    let punch = created["punch"]["id"].as_str().expect("punch id").to_owned();
    assert_eq!(created["photo"]["state"], "pending_upload");
    assert_eq!(created["punch"]["worker_id"], tenant.worker.user.to_string());
    assert_eq!(created["upload"]["method"], "PUT");
    assert_eq!(created["upload"]["headers"]["content-type"], "image/jpeg");

    // Completing before the bytes arrive says so, and changes nothing.
    let early = complete(&app, &punch, &tenant.worker).await;
    assert_eq!(early.status(), 409);
    assert_eq!(json(early).await["code"], "upload_missing");

    assert_eq!(upload(&app, &created["upload"], bytes.clone()).await.status(), 200);
    let done = complete(&app, &punch, &tenant.worker).await;
    assert_eq!(done.status(), 200);
    let done = json(done).await;
    assert_eq!(done["photo"]["state"], "uploaded");
    assert_eq!(done["photo"]["format"], "jpeg");
    assert_eq!(done["photo"]["bytes"], bytes.len());
    // Idempotent: a second completion writes no second job.
    assert_eq!(complete(&app, &punch, &tenant.worker).await.status(), 200);
    // The relay hands the one outbox row on: one job waits in the queue, no more.
    app.relayed(tenant.org).await;
    assert_eq!(app.queue.depth().await.expect("queue depth").ready, 1, "one job per upload");

    let photo_id: PhotoId = done["photo"]["id"].as_str().expect("photo id").parse().expect("uuid");
    let path = format!("/v1/punches/{punch}");
    let before = json(app.get(&path, &tenant.worker).await).await;
    assert_eq!(before["verdict"], Value::Null, "no verdict before a worker ran");

    commit_verdict(&app, tenant.org, photo_id, VerdictState::NeedsReview).await;
    let details = poll_verdict(&app, &path, &tenant.supervisor).await;
    assert_eq!(details["photo"]["state"], "processed");
    assert_eq!(details["verdict"]["state"], "needs_review");
    let flag = &details["verdict"]["flags"][0];
    assert_eq!(flag["code"], "outside_geofence");
    assert_eq!(flag["severity"], "critical");
    assert_eq!(flag["evidence"]["distance_m"], 812.5);
    let own = json(app.get(&path, &tenant.worker).await).await;
    assert_eq!(own["verdict"]["flags"][0]["code"], "outside_geofence");
    assert_eq!(own["verdict"]["flags"][0]["evidence"], json!({}), "evidence is for supervisors");
    let variant = &details["variants"][0];
    assert_eq!(variant["size"], 300);
    let downloaded = app.client.get(variant["url"].as_str().expect("url")).send().await.expect("download");
    assert_eq!(downloaded.status(), 200);
    assert_eq!(downloaded.bytes().await.expect("bytes").as_ref(), VARIANT_BYTES);
}

/// Polls the punch until it has a verdict (bounded: a few seconds).
async fn poll_verdict(app: &TestApp, path: &str, member: &Member) -> Value {
    for _ in 0..50 {
        let details = json(app.get(path, member).await).await;
        if details["verdict"] != Value::Null {
            return details;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no verdict on {path}");
}

pub async fn retries_return_the_same_punch(app: TestApp) {
    let tenant = app.tenant();
    let site = app.site(&tenant.admin).await;
    let body = punch_body("retry-1", &site, 1000);
    let first = app.post("/v1/punches", &tenant.worker, &body).await;
    assert_eq!(first.status(), 201);
    let first = json(first).await;
    let again = app.post("/v1/punches", &tenant.worker, &body).await;
    assert_eq!(again.status(), 200);
    let again = json(again).await;
    assert_eq!(again["punch"], first["punch"]);
    assert_eq!(again["photo"]["id"], first["photo"]["id"]);
    assert!(again["upload"]["url"].is_string(), "a retry gets an upload URL while none arrived");

    let mut other = body.clone();
    other["kind"] = json!("out");
    let conflict = app.post("/v1/punches", &tenant.worker, &other).await;
    assert_eq!(conflict.status(), 409);
    assert_eq!(json(conflict).await["code"], "conflict");

    // Another worker of the org reusing the client id is a different punch: 409, nothing of
    // the first punch in the answer.
    let stolen = app.post("/v1/punches", &tenant.other_worker, &body).await;
    assert_eq!(stolen.status(), 409);
    let text = stolen.text().await.expect("body");
    assert!(!text.contains(first["punch"]["id"].as_str().expect("id")), "{text}");
}

pub async fn concurrent_retries_make_one_punch(app: TestApp) {
    let tenant = app.tenant();
    let site = app.site(&tenant.admin).await;
    let body = punch_body("concurrent-1", &site, 1000);
    let app = std::sync::Arc::new(app);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (app, worker, body) = (app.clone(), tenant.worker.clone(), body.clone());
        tasks.spawn(async move {
            let response = app.post("/v1/punches", &worker, &body).await;
            let status = response.status().as_u16();
            (status, json(response).await["punch"]["id"].clone())
        });
    }
    let results = tasks.join_all().await;
    let created = results.iter().filter(|(status, _)| *status == 201).count();
    let repeated = results.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!((created, repeated), (1, 9), "{results:?}");
    assert!(results.iter().all(|(_, id)| *id == results[0].1), "{results:?}");
    let listed = json(app.get("/v1/punches", &tenant.supervisor).await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

pub async fn bad_punches_say_what_is_wrong(app: TestApp) {
    let tenant = app.tenant();
    let site = app.site(&tenant.admin).await;
    let refused = |status: u16, code: &'static str, needle: &'static str| (status, code, needle);
    let good = punch_body("bad-1", &site, 1000);
    let with = |path: &[&str], value: Value| {
        let mut body = good.clone();
        let (last, parents) = path.split_last().expect("a path");
        let mut target = &mut body;
        for key in parents {
            target = &mut target[*key];
        }
        target[*last] = value;
        body
    };
    let future = (chrono::Utc::now() + chrono::TimeDelta::hours(2)).to_rfc3339();
    let cases = [
        (with(&["device_location", "lat"], json!(95.0)), refused(422, "invalid_request", "latitude")),
        (with(&["device_location", "lon"], json!(-181.0)), refused(422, "invalid_request", "longitude")),
        (with(&["device_location", "accuracy_m"], json!(-1.0)), refused(422, "invalid_request", "accuracy")),
        (with(&["device_time"], json!(future)), refused(422, "invalid_request", "ahead of the server")),
        (with(&["device_time"], json!("yesterday")), refused(422, "invalid_request", "device_time")),
        (with(&["kind"], json!("lunch")), refused(422, "invalid_request", "kind")),
        (with(&["client_id"], json!("has space")), refused(422, "invalid_request", "client_id")),
        (with(&["extra"], json!(1)), refused(422, "invalid_request", "extra")),
        (with(&["device_location", "altitude"], json!(3)), refused(422, "invalid_request", "altitude")),
        (
            with(&["photo", "content_type"], json!("image/gif")),
            refused(422, "invalid_request", "content_type"),
        ),
        (
            with(&["photo", "content_length"], json!(20_000_000)),
            refused(422, "invalid_request", "content_length"),
        ),
        (with(&["site_id"], json!(uuid::Uuid::new_v4())), refused(404, "not_found", "site")),
    ];
    for (body, (status, code, needle)) in cases {
        let response = app.post("/v1/punches", &tenant.worker, &body).await;
        assert_eq!(response.status(), status, "{body}");
        let error = json(response).await;
        assert_eq!(error["code"], code, "{error}");
        let message = error["message"].as_str().expect("message");
        assert!(message.contains(needle), "{needle:?} not in {message:?}");
    }
    let malformed = app
        .request(Method::POST, "/v1/punches", Some(&tenant.worker.token))
        .header("content-type", "application/json")
        .body("{\"client_id\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(malformed.status(), 400);
    assert_eq!(json(malformed).await["code"], "malformed_json");
    let not_json =
        app.request(Method::POST, "/v1/punches", Some(&tenant.worker.token)).body("kind=in").send().await;
    assert_eq!(not_json.expect("sent").status(), 415);
    let listed = json(app.get("/v1/punches", &tenant.supervisor).await).await;
    assert_eq!(listed["items"], json!([]), "no refused punch was recorded");
}

pub async fn listings_page_and_filter(app: TestApp) {
    let tenant = app.tenant();
    let (site_a, site_b) = (app.site(&tenant.admin).await, app.site(&tenant.admin).await);
    for (i, (worker, site)) in
        [(&tenant.worker, &site_a), (&tenant.worker, &site_b), (&tenant.other_worker, &site_a)]
            .into_iter()
            .enumerate()
    {
        let response = app.post("/v1/punches", worker, &punch_body(&format!("list-{i}"), site, 1000)).await;
        assert_eq!(response.status(), 201);
    }
    let ids = |page: &Value| {
        page["items"].as_array().expect("items").iter().map(|i| i["punch"]["id"].clone()).collect::<Vec<_>>()
    };
    let first = json(app.get("/v1/punches?limit=2", &tenant.supervisor).await).await;
    assert_eq!(ids(&first).len(), 2);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second =
        json(app.get(&format!("/v1/punches?limit=2&cursor={cursor}"), &tenant.supervisor).await).await;
    assert_eq!(ids(&second).len(), 1);
    assert_eq!(second["next_cursor"], Value::Null);
    assert!(ids(&second).iter().all(|id| !ids(&first).contains(id)), "pages do not overlap");

    let at_a = json(app.get(&format!("/v1/punches?site_id={site_a}"), &tenant.supervisor).await).await;
    assert_eq!(ids(&at_a).len(), 2);
    let own = json(app.get("/v1/punches", &tenant.worker).await).await;
    assert_eq!(ids(&own).len(), 2, "workers see their own punches only");
    let others =
        app.get(&format!("/v1/punches?worker_id={}", tenant.other_worker.user), &tenant.worker).await;
    assert_eq!(others.status(), 403);
    let by_worker =
        app.get(&format!("/v1/punches?worker_id={}", tenant.other_worker.user), &tenant.admin).await;
    assert_eq!(ids(&json(by_worker).await).len(), 1);
    let from = chrono::Utc::now() + chrono::TimeDelta::minutes(1);
    let later =
        app.get(&format!("/v1/punches?from={}", from.format("%Y-%m-%dT%H:%M:%SZ")), &tenant.admin).await;
    assert_eq!(ids(&json(later).await).len(), 0);
    for bad in ["limit=0", "limit=501", "cursor=nope", "state=great", "unknown=1", "from=yesterday"] {
        let response = app.get(&format!("/v1/punches?{bad}"), &tenant.admin).await;
        assert_eq!(response.status(), 400, "{bad}");
        assert_eq!(json(response).await["code"], "bad_query");
    }
}

/// Unused ids are simply not found.
pub async fn unknown_punches_are_not_found(app: TestApp) {
    let tenant = app.tenant();
    for path in [format!("/v1/punches/{}", uuid::Uuid::new_v4()), "/v1/punches/not-a-uuid".to_owned()] {
        let response = app.get(&path, &tenant.supervisor).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(json(response).await["code"], "not_found");
    }
}
