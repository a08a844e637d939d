//! Sites: admins create, change and deactivate them; everyone in the org reads them.

use serde_json::{json, Value};

use crate::harness::{json, punch_body, TestApp};

pub async fn admins_manage_sites(app: TestApp) {
    let tenant = app.tenant();
    let polygon = json!({
        "name": "  Yard  ",
        "time_zone": "Europe/London",
        "geofence": {"kind": "polygon", "points": [
            {"lat": 51.5, "lon": -0.12}, {"lat": 51.501, "lon": -0.12}, {"lat": 51.501, "lon": -0.119}
        ]},
    });
    let created = app.post("/v1/sites", &tenant.admin, &polygon).await;
    assert_eq!(created.status(), 201);
    let created = json(created).await;
    assert_eq!(created["name"], "Yard");
    assert_eq!(created["geofence"]["kind"], "polygon");
    assert_eq!(created["active"], true);
    let id = created["id"].as_str().expect("id").to_owned();
    let circle = app.site(&tenant.admin).await;

    let listed = json(app.get("/v1/sites", &tenant.worker).await).await;
    let names: Vec<_> = listed.as_array().expect("a list").iter().map(|s| s["name"].clone()).collect();
    assert_eq!(names, [json!("Werribee depot"), json!("Yard")]);
    assert_eq!(json(app.get(&format!("/v1/sites/{id}"), &tenant.supervisor).await).await, created);

    let path = format!("/v1/sites/{id}");
    let patched =
        app.patch(&path, &tenant.admin, &json!({"name": "North yard", "time_zone": "Australia/Perth"})).await;
    assert_eq!(patched.status(), 200);
    let patched = json(patched).await;
    assert_eq!(
        (patched["name"].clone(), patched["time_zone"].clone()),
        (json!("North yard"), json!("Australia/Perth"))
    );
    assert_eq!(patched["geofence"], created["geofence"], "fields not sent are kept");

    let deleted = app
        .request(reqwest::Method::DELETE, &format!("/v1/sites/{circle}"), Some(&tenant.admin.token))
        .send()
        .await;
    assert_eq!(deleted.expect("sent").status(), 204);
    let circle_now = json(app.get(&format!("/v1/sites/{circle}"), &tenant.admin).await).await;
    assert_eq!(circle_now["active"], false, "DELETE deactivates");
    let refused = app.post("/v1/punches", &tenant.worker, &punch_body("at-inactive", &circle, 1000)).await;
    assert_eq!(refused.status(), 422);
    assert!(json(refused).await["message"].as_str().is_some_and(|m| m.contains("inactive")));
    let back = app.patch(&format!("/v1/sites/{circle}"), &tenant.admin, &json!({"active": true})).await;
    assert_eq!(json(back).await["active"], true);
}

pub async fn bad_sites_say_what_is_wrong(app: TestApp) {
    let tenant = app.tenant();
    let site = |zone: &str, fence: Value| json!({"name": "Depot", "time_zone": zone, "geofence": fence});
    let circle = |lat: f64, radius: f64| json!({"kind": "circle", "center": {"lat": lat, "lon": 0.0}, "radius_m": radius});
    let cases = [
        (site("Mars/Olympus", circle(1.0, 10.0)), "time zone"),
        (site("AEST", circle(1.0, 10.0)), "time zone"),
        (site("UTC", circle(91.0, 10.0)), "latitude"),
        (site("UTC", circle(1.0, 0.0)), "radius"),
        (site("UTC", json!({"kind": "polygon", "points": [{"lat": 0.0, "lon": 0.0}]})), "polygon"),
        (site("UTC", json!({"kind": "square", "side_m": 3})), "square"),
        (
            site(
                "UTC",
                json!({"kind": "circle", "center": {"lat": 1.0, "lon": 0.0}, "radius_m": 5.0, "extra": 1}),
            ),
            "extra",
        ),
        (json!({"name": " ", "time_zone": "UTC", "geofence": circle(1.0, 10.0)}), "name"),
    ];
    for (body, needle) in cases {
        let response = app.post("/v1/sites", &tenant.admin, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let message = json(response).await["message"].as_str().expect("message").to_owned();
        assert!(message.contains(needle), "{needle:?} not in {message:?}");
    }
    let id = app.site(&tenant.admin).await;
    let bad_zone =
        app.patch(&format!("/v1/sites/{id}"), &tenant.admin, &json!({"time_zone": "Nowhere/City"})).await;
    assert_eq!(bad_zone.status(), 422);
    let unknown_field = app.patch(&format!("/v1/sites/{id}"), &tenant.admin, &json!({"colour": "red"})).await;
    assert_eq!(unknown_field.status(), 422);
    assert_eq!(json(app.get("/v1/sites", &tenant.admin).await).await.as_array().map(Vec::len), Some(1));
}
