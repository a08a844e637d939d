//! The OpenAPI document: it parses as OpenAPI 3.1, and its paths are exactly the routes
//! the router answers (each documented route is routed, and each route the apps use is
//! documented).

use punchline_domain::PhotoFailureCode;
use reqwest::Method;
use serde_json::Value;

use crate::harness::{json, TestApp};

/// Every route of the API, as `METHOD /path/template`.
const ROUTES: &[&str] = &[
    "POST /v1/punches",
    "GET /v1/punches",
    "GET /v1/punches/{id}",
    "POST /v1/punches/{id}/photo/complete",
    "POST /v1/punches/{id}/review",
    "GET /v1/review",
    "POST /v1/sites",
    "GET /v1/sites",
    "GET /v1/sites/{id}",
    "PATCH /v1/sites/{id}",
    "DELETE /v1/sites/{id}",
    "PUT /v1/uploads/{token}",
    "GET /v1/files/{token}",
    // The console's session endpoint (its HTML pages under /console/ are not JSON API).
    "POST /console/session",
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "GET /openapi.json",
];

pub async fn the_document_validates_and_lists_every_route(app: TestApp) {
    let response = app.client.get(format!("{}/openapi.json", app.address)).send().await.expect("sent");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    let spec = oas3::from_json(&text).expect("a valid OpenAPI 3.1 document");
    assert!(spec.openapi.starts_with("3.1"), "{}", spec.openapi);
    let own: utoipa::openapi::OpenApi = serde_json::from_str(&text).expect("utoipa reads its own document");
    assert!(own.components.as_ref().is_some_and(|c| c.security_schemes.contains_key("bearer")));

    let doc: Value = serde_json::from_str(&text).expect("JSON");
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                documented.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    documented.sort();
    let mut expected: Vec<String> = ROUTES.iter().map(|r| (*r).to_owned()).collect();
    expected.sort();
    assert_eq!(documented, expected, "the document's operations are the router's routes");

    // Each documented operation is routed: it never gets the router's "route not found"
    // or "method not allowed" answers.
    for route in ROUTES {
        let (method, path) = route.split_once(' ').expect("METHOD /path");
        let path = path.replace("{id}", &uuid::Uuid::new_v4().to_string()).replace("{token}", "x.y");
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let response = app.request(method, &path, None).send().await.expect("sent");
        let status = response.status();
        assert_ne!(status, 405, "{route}");
        if status == 404 {
            assert_ne!(json(response).await["message"], "route not found", "{route}");
        }
    }
    let unknown = app.request(Method::GET, "/v1/nothing-here", None).send().await.expect("sent");
    assert_eq!(json(unknown).await["message"], "route not found");

    // Request bodies refuse unknown fields in the document too.
    let schemas = &doc["components"]["schemas"];
    for name in ["CreatePunch", "CreateSite", "UpdateSite", "ReviewBody"] {
        assert!(schemas[name].is_object(), "{name} is documented");
    }

    // A failed photo's code is documented as the complete enum the app branches on, with
    // the names clients have always been sent.
    let failure = &schemas["PhotoView"]["properties"]["failure"];
    assert!(failure.to_string().contains("\"#/components/schemas/FailureView\""), "{failure}");
    let code = &schemas["FailureView"]["properties"]["code"];
    assert_eq!(code["type"], "string");
    let values: Vec<&str> =
        code["enum"].as_array().expect("an enum").iter().map(|v| v.as_str().expect("a name")).collect();
    let all: Vec<&str> = PhotoFailureCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(values, all);
    assert_eq!(
        values,
        [
            "not_an_image",
            "truncated",
            "too_large",
            "too_many_pixels",
            "unsupported",
            "decode_failed",
            "encode_failed",
            "upload_rejected",
            "job_failed",
            "gave_up"
        ]
    );
    let description = code["description"].as_str().expect("described");
    assert!(values.iter().all(|v| description.contains(&format!("`{v}`"))), "{description}");
}
