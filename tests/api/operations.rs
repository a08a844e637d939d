//! Health, readiness, metrics, and the limits: rate limits, body limits, CORS.

use punchline_domain::Role;
use reqwest::Method;
use serde_json::json;

use crate::harness::{json, punch_body, spawn_app_with, test_config, Database, TestApp};
use crate::punches::upload;

pub async fn probes_and_metrics_answer(app: TestApp) {
    let health = app.request(Method::GET, "/healthz", None).send().await.expect("sent");
    assert_eq!(health.status(), 200);
    let ready = app.request(Method::GET, "/readyz", None).send().await.expect("sent");
    assert_eq!(ready.status(), 200);
    let ready = json(ready).await;
    // As `punchline serve` wires it: the queue the relay hands jobs to is checked too.
    assert_eq!(ready["checks"], json!({"records": "ok", "store": "ok", "queue": "ok"}));
    let request_id =
        app.request(Method::GET, "/healthz", None).header("x-request-id", "trace-me-1").send().await;
    assert_eq!(request_id.expect("sent").headers()["x-request-id"], "trace-me-1");
    let metrics = app.request(Method::GET, "/metrics", None).send().await.expect("sent");
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.expect("body");
    assert!(text.contains("punchline_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/readyz\""), "routes are labelled by template: {text}");
}

pub async fn limits_are_enforced(kind: Database) {
    let mut config = test_config();
    config.api.rate_limit.per_token_per_s = 1;
    config.api.rate_limit.per_token_burst = 3;
    config.api.body_limit_bytes = 2048;
    config.api.cors_origins = vec!["https://supervisor.example.com".into()];
    config.api.upload_url_ttl_s = 1;
    let app = spawn_app_with(kind, config).await;
    let tenant = app.tenant();

    let huge = json!({"name": "x".repeat(4096), "time_zone": "UTC",
        "geofence": {"kind": "circle", "center": {"lat": 1.0, "lon": 2.0}, "radius_m": 50.0}});
    let too_large = app.post("/v1/sites", &tenant.admin, &huge).await;
    assert_eq!(too_large.status(), 413);
    assert_eq!(json(too_large).await["code"], "payload_too_large");

    let preflight = app
        .request(Method::OPTIONS, "/v1/sites", None)
        .header("origin", "https://supervisor.example.com")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("sent");
    assert_eq!(preflight.headers()["access-control-allow-origin"], "https://supervisor.example.com");
    let foreign =
        app.request(Method::GET, "/healthz", None).header("origin", "https://evil.example").send().await;
    assert!(foreign.expect("sent").headers().get("access-control-allow-origin").is_none());

    let member = app.member(tenant.org, Role::Worker);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.get("/v1/sites", &member).await);
    }
    let limited =
        statuses.into_iter().find(|r| r.status() == 429).expect("the 4th request in a second is limited");
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(json(limited).await["code"], "rate_limited");
    // Another token has its own bucket.
    assert_eq!(app.get("/v1/sites", &tenant.supervisor).await.status(), 200);

    // Upload URLs expire (here after a second).
    let site = app.site(&tenant.admin).await;
    let created =
        json(app.post("/v1/punches", &tenant.worker, &punch_body("expiring", &site, 4)).await).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let late = upload(&app, &created["upload"], b"\xff\xd8\xff\xe0".to_vec()).await;
    assert_eq!(late.status(), 403);
    assert!(json(late).await["message"].as_str().is_some_and(|m| m.contains("expired")));
}
