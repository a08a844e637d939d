//! Every protected route × {no token, malformed, expired, wrong signature, other org,
//! wrong role}: the right status, and nothing of the first organisation (no id, no
//! count) in any answer given to anyone else.

use std::time::Duration;

use punchline_api::{Claims, TokenKeys};
use punchline_domain::config::AuthConfig;
use punchline_domain::{Role, VerdictState};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{json, punch_body, Member, Tenant, TestApp};
use crate::punches::uploaded_punch;
use crate::worker::commit_verdict;

/// One protected route.
struct Route {
    method: Method,
    path: String,
    body: Option<Value>,
    /// A role allowed to call it.
    allowed: Role,
    /// A role refused with 403, if any is.
    refused: Option<Role>,
    /// What an allowed member of another organisation gets.
    other_org: StatusCode,
}

fn route(
    method: Method,
    path: &str,
    body: Option<Value>,
    allowed: Role,
    refused: Option<Role>,
    other_org: u16,
) -> Route {
    let other_org = StatusCode::from_u16(other_org).expect("status");
    Route { method, path: path.to_owned(), body, allowed, refused, other_org }
}

fn member_of(tenant: &Tenant, role: Role) -> &Member {
    match role {
        Role::Worker => &tenant.worker,
        Role::Supervisor => &tenant.supervisor,
        Role::Admin => &tenant.admin,
    }
}

/// Tokens that must all be refused with 401, for a member of `role` in `tenant`.
fn bad_tokens(app: &TestApp, tenant: &Tenant, role: Role) -> Vec<(&'static str, Option<String>)> {
    let member = member_of(tenant, role);
    let now = chrono::Utc::now().timestamp();
    let expired = Claims {
        org: member.org,
        user: member.user,
        role,
        exp: now - 3600,
        iat: now - 4500,
        iss: "punchline".into(),
    };
    let forger = TokenKeys::new(&AuthConfig {
        jwt_secret: "not-the-server-key-but-long-enough-0123".into(),
        ..AuthConfig::default()
    });
    vec![
        ("no token", None),
        ("malformed", Some("not-a-jwt".to_owned())),
        ("expired", Some(app.keys.mint_claims(&expired).expect("mint"))),
        (
            "wrong signature",
            Some(forger.mint(member.org, member.user, role, Duration::from_secs(900)).expect("mint")),
        ),
    ]
}

pub async fn every_route_checks_auth_and_tenancy(app: TestApp) {
    let (a, b) = (app.tenant(), app.tenant());
    let site_a = app.site(&a.admin).await;
    let site_b = app.site(&b.admin).await;
    let (punch_a, photo_a) = uploaded_punch(&app, &a.worker, &site_a, "tenancy-a").await;
    commit_verdict(&app, a.org, photo_a, VerdictState::NeedsReview).await;
    let mut secrets = vec![a.org.to_string(), site_a.clone(), punch_a.clone(), photo_a.to_string()];
    secrets.extend([&a.worker, &a.other_worker, &a.supervisor, &a.admin].map(|m| m.user.to_string()));

    let punch_path = format!("/v1/punches/{punch_a}");
    let site_path = format!("/v1/sites/{site_a}");
    let new_site = json!({"name": "B's own", "time_zone": "UTC",
        "geofence": {"kind": "circle", "center": {"lat": 1.0, "lon": 2.0}, "radius_m": 50.0}});
    use Role::{Admin, Supervisor, Worker};
    let routes = [
        route(
            Method::POST,
            "/v1/punches",
            Some(punch_body("tenancy-b", &site_a, 1000)),
            Worker,
            Some(Supervisor),
            404,
        ),
        route(Method::GET, "/v1/punches", None, Supervisor, None, 200),
        route(Method::GET, &punch_path, None, Supervisor, None, 404),
        route(Method::POST, &format!("{punch_path}/photo/complete"), None, Worker, Some(Admin), 404),
        route(
            Method::POST,
            &format!("{punch_path}/review"),
            Some(json!({"decision": "approved", "reason": "ok"})),
            Supervisor,
            Some(Worker),
            404,
        ),
        route(Method::GET, "/v1/review", None, Supervisor, Some(Worker), 200),
        route(Method::POST, "/v1/sites", Some(new_site), Admin, Some(Supervisor), 201),
        route(Method::GET, "/v1/sites", None, Worker, None, 200),
        route(Method::GET, &site_path, None, Worker, None, 404),
        route(Method::PATCH, &site_path, Some(json!({"name": "taken over"})), Admin, Some(Worker), 404),
        route(Method::DELETE, &site_path, None, Admin, Some(Supervisor), 404),
    ];
    for route in &routes {
        let send = |token: Option<String>| {
            let mut request = app.request(route.method.clone(), &route.path, token.as_deref());
            if let Some(body) = &route.body {
                request = request.json(body);
            }
            request.send()
        };
        let what = format!("{} {}", route.method, route.path);
        for (case, token) in bad_tokens(&app, &a, route.allowed) {
            let response = send(token).await.expect("sent");
            assert_eq!(response.status(), 401, "{what} with {case}");
            let body = response.text().await.expect("body");
            assert!(body.contains("\"unauthenticated\""), "{what} with {case}: {body}");
            assert_no_secrets(&secrets, &body, &what);
        }
        if let Some(role) = route.refused {
            let response = send(Some(member_of(&a, role).token.clone())).await.expect("sent");
            assert_eq!(response.status(), 403, "{what} as {role}");
            assert_no_secrets(&secrets, &response.text().await.expect("body"), &what);
        }
        let response = send(Some(member_of(&b, route.allowed).token.clone())).await.expect("sent");
        assert_eq!(response.status(), route.other_org, "{what} from another org");
        let body = response.text().await.expect("body");
        assert_no_secrets(&secrets, &body, &what);
        if route.path == "/v1/punches" && route.method == Method::GET || route.path == "/v1/review" {
            assert_eq!(
                serde_json::from_str::<Value>(&body).expect("JSON")["items"],
                json!([]),
                "{what}: {body}"
            );
        }
        if route.path == "/v1/sites" && route.method == Method::GET {
            let ids: Vec<_> = serde_json::from_str::<Value>(&body)
                .expect("JSON")
                .as_array()
                .expect("list")
                .iter()
                .map(|s| s["id"].clone())
                .collect();
            assert!(
                ids.contains(&json!(site_b)) && !ids.contains(&json!(site_a)),
                "{what}: only B's sites: {body}"
            );
        }
    }
    // Nothing B did touched A: A's site is unchanged and active, A's punch unreviewed.
    let site = json(app.get(&site_path, &a.admin).await).await;
    assert_eq!((site["name"].clone(), site["active"].clone()), (json!("Werribee depot"), json!(true)));
    let punch = json(app.get(&punch_path, &a.supervisor).await).await;
    assert_eq!(punch["reviews"], json!([]));
    // Within an org, workers see only their own punches, exactly as if others' did not exist.
    let response = app.get(&punch_path, &a.other_worker).await;
    assert_eq!(response.status(), 404);
    let hidden = json(response).await;
    let missing =
        json(app.get(&format!("/v1/punches/{}", uuid::Uuid::new_v4()), &a.other_worker).await).await;
    assert_eq!((&hidden["code"], &hidden["message"]), (&missing["code"], &missing["message"]));
}

fn assert_no_secrets(secrets: &[String], body: &str, what: &str) {
    for secret in secrets {
        assert!(!body.contains(secret.as_str()), "{what} leaked {secret}: {body}");
    }
}
