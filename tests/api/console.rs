//! The supervisors' console over real HTTP: signing in with a one-time link or a bearer
//! token, sessions that end, the CSRF token every form needs, the browser-facing headers,
//! and pages scoped to the session's organisation (another's ids are 404 pages, and no
//! evidence crosses). Browser-driven tests are in `tests/console/` of the binary.

use std::time::Duration;

use chrono::Utc;
use punchline_api::console::signin::create_login_link;
use punchline_api::console::ConsoleSettings;
use punchline_backends::records::{ConsoleSession, Grant, NewLogin};
use punchline_domain::{Flag, FlagCode, OrgId, Role, Severity, UserId, VerdictState};
use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, Response, StatusCode};

use crate::harness::{Member, TestApp};
use crate::punches::uploaded_punch;
use crate::worker::{commit_flags, commit_verdict};

/// A browser's view of one console session: its cookie and the CSRF token of its forms.
struct Browser {
    client: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

fn settings(app: &TestApp) -> ConsoleSettings {
    ConsoleSettings {
        login_ttl: Duration::from_secs(900),
        session_ttl: Duration::from_secs(3600),
        page_size: 25,
        secure_cookies: false,
        public_url: app.address.clone(),
    }
}

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(redirect::Policy::none()).build().expect("client")
}

/// The cookie `name` a response sets, with its attributes.
fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// `name=value` of a `Set-Cookie` value.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

/// The value of the hidden input `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in:\n{html}")) + marker.len();
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

/// Signs `user` of `org` in through a login link, as a browser does.
async fn sign_in(app: &TestApp, org: OrgId, user: UserId, role: Role) -> Browser {
    let link = create_login_link(app.records.as_ref(), &settings(app), org, user, role).await.expect("link");
    assert!(link.url.starts_with(&format!("{}/console/login/", app.address)), "{}", link.url);
    let client = client();
    let page = client.get(&link.url).send().await.expect("GET link");
    assert_eq!(page.status(), 200);
    let login_cookie =
        pair(&set_cookie(&page, "punchline_login").expect("the page pairs its form with a cookie"));
    let html = page.text().await.expect("body");
    let form = [("token", hidden(&html, "token")), ("csrf", hidden(&html, "csrf"))];
    let login = client
        .post(format!("{}/console/login", app.address))
        .header(COOKIE, &login_cookie)
        .form(&form)
        .send()
        .await
        .expect("POST login");
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert_eq!(login.headers()[LOCATION], "/console/queue");
    let session = set_cookie(&login, "punchline_session").expect("a session cookie");
    // The app's `console.session_ttl_s` (8 h), not the link settings above.
    for attribute in ["Path=/console", "HttpOnly", "SameSite=Strict", "Max-Age=28800"] {
        assert!(session.contains(attribute), "{attribute} missing from {session}");
    }
    let mut browser =
        Browser { client, base: app.address.clone(), cookie: pair(&session), csrf: String::new() };
    let queue = browser.get("/console/queue").await;
    assert_eq!(queue.status(), 200);
    browser.csrf = hidden(&queue.text().await.expect("body"), "csrf");
    browser
}

impl Browser {
    async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .expect("GET")
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let request = self.client.post(format!("{}{path}", self.base)).header(COOKIE, &self.cookie);
        request.form(form).send().await.expect("POST")
    }
}

pub async fn sign_in_with_a_link_and_sign_out(app: TestApp) {
    let tenant = app.tenant();
    let link = create_login_link(
        app.records.as_ref(),
        &settings(&app),
        tenant.org,
        tenant.supervisor.user,
        Role::Supervisor,
    )
    .await
    .expect("link");
    let client = client();
    let page = client.get(&link.url).send().await.expect("GET link");
    // Opening the link (as a chat's link preview would) does not use it.
    let csp = page.headers()[CONTENT_SECURITY_POLICY].to_str().expect("ascii").to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("script-src"), "no script may run: {csp}");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let cookie = pair(&set_cookie(&page, "punchline_login").expect("login cookie"));
    let html = page.text().await.expect("body");
    let (token, csrf) = (hidden(&html, "token"), hidden(&html, "csrf"));
    let url = format!("{}/console/login", app.address);
    // Without the page's cookie (a form posted from another site), or with another token: refused.
    let forged = client.post(&url).form(&[("token", &token), ("csrf", &csrf)]).send().await.expect("POST");
    assert_eq!(forged.status(), 403);
    let wrong = [("token", token.as_str()), ("csrf", "not-the-cookie")];
    assert_eq!(
        client.post(&url).header(COOKIE, &cookie).form(&wrong).send().await.expect("POST").status(),
        403
    );
    let form = [("token", token.as_str()), ("csrf", csrf.as_str())];
    let first = client.post(&url).header(COOKIE, &cookie).form(&form).send().await.expect("POST");
    assert_eq!(first.status(), 303);
    let session = pair(&set_cookie(&first, "punchline_session").expect("session cookie"));
    // The link signs in once.
    let again = client.post(&url).header(COOKIE, &cookie).form(&form).send().await.expect("POST");
    assert_eq!(again.status(), 401);
    assert!(set_cookie(&again, "punchline_session").is_none());

    let queue = client
        .get(format!("{}/console/queue", app.address))
        .header(COOKIE, &session)
        .send()
        .await
        .expect("GET");
    assert_eq!(queue.status(), 200);
    let html = queue.text().await.expect("body");
    assert!(html.contains("Review queue"), "{html}");
    let browser = Browser { client, base: app.address.clone(), cookie: session, csrf: hidden(&html, "csrf") };
    assert_eq!(
        browser.client.get(format!("{}/console/queue", app.address)).send().await.expect("GET").status(),
        401
    );
    // Signing out needs the session's CSRF token, then the cookie stops working.
    assert_eq!(browser.post("/console/logout", &[("csrf", "forged")]).await.status(), 403);
    assert_eq!(browser.get("/console/queue").await.status(), 200);
    let out = browser.post("/console/logout", &[("csrf", &browser.csrf)]).await;
    assert_eq!(out.status(), 303);
    assert!(set_cookie(&out, "punchline_session").expect("cleared").contains("Max-Age=0"));
    assert_eq!(browser.get("/console/queue").await.status(), 401);
}

pub async fn workers_and_expired_credentials_are_refused(app: TestApp) {
    let tenant = app.tenant();
    let refused = create_login_link(
        app.records.as_ref(),
        &settings(&app),
        tenant.org,
        tenant.worker.user,
        Role::Worker,
    )
    .await;
    assert!(refused.is_err(), "workers get no login link");
    // The session endpoint: a bearer token once, supervisors and admins only.
    let endpoint = format!("{}/console/session", app.address);
    let session_for = |member: Option<&Member>| {
        let request = client().post(&endpoint);
        match member {
            Some(m) => request.bearer_auth(&m.token),
            None => request,
        }
    };
    assert_eq!(session_for(None).send().await.expect("POST").status(), 401);
    assert_eq!(session_for(Some(&tenant.worker)).send().await.expect("POST").status(), 403);
    for member in [&tenant.supervisor, &tenant.admin] {
        let started = session_for(Some(member)).send().await.expect("POST");
        assert_eq!(started.status(), 201);
        let cookie = set_cookie(&started, "punchline_session").expect("cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let body: serde_json::Value = started.json().await.expect("json");
        assert_eq!(body["console_url"], "/console/queue");
        let queue = client().get(format!("{}/console/queue", app.address)).header(COOKIE, pair(&cookie));
        assert_eq!(queue.send().await.expect("GET").status(), 200);
    }
    // An expired link and an expired session open nothing.
    let past = Utc::now() - chrono::TimeDelta::minutes(1);
    let admin = tenant.admin.user;
    let token = punchline_api::console::secrets::new_secret().expect("secret");
    let login = NewLogin {
        token_hash: punchline_api::console::secrets::digest(&token),
        org: tenant.org,
        user: admin,
        role: Role::Admin,
        created_at: past - chrono::TimeDelta::minutes(15),
        expires_at: past,
    };
    app.records.create_login(&login).await.expect("stored");
    let page = client().get(format!("{}/console/login/{token}", app.address)).send().await.expect("GET");
    let cookie = pair(&set_cookie(&page, "punchline_login").expect("cookie"));
    let csrf = hidden(&page.text().await.expect("body"), "csrf");
    let used = client()
        .post(format!("{}/console/login", app.address))
        .header(COOKIE, cookie)
        .form(&[("token", &token), ("csrf", &csrf)])
        .send()
        .await
        .expect("POST");
    assert_eq!(used.status(), 401, "an expired link");
    let secret = punchline_api::console::secrets::new_secret().expect("secret");
    let expired = ConsoleSession {
        id_hash: punchline_api::console::secrets::digest(&secret),
        grant: Grant { org: tenant.org, user: admin, role: Role::Admin },
        csrf_token: "x".into(),
        created_at: past - chrono::TimeDelta::hours(8),
        expires_at: past,
    };
    app.records.create_session(&expired).await.expect("stored");
    let stale = client()
        .get(format!("{}/console/queue", app.address))
        .header(COOKIE, format!("punchline_session={secret}"));
    assert_eq!(stale.send().await.expect("GET").status(), 401);
}

pub async fn pages_are_scoped_to_the_organisation(app: TestApp) {
    let (first, second) = (app.tenant(), app.tenant());
    let first_site = app.site(&first.admin).await;
    let second_site = app.site(&second.admin).await;
    let (punch, photo) = uploaded_punch(&app, &first.worker, &first_site, "console-scope-1").await;
    commit_verdict(&app, first.org, photo, VerdictState::NeedsReview).await;
    // A punch of the second org whose (corrupt) evidence names the first org's punch.
    let (own, own_photo) = uploaded_punch(&app, &second.worker, &second_site, "console-scope-2").await;
    let leak = Flag {
        code: FlagCode::ReusedPhoto,
        severity: Severity::Critical,
        evidence: serde_json::json!({"matches": [{"punch_id": punch, "distance": 3}], "match_count": 1}),
        message: "reused".into(),
    };
    commit_flags(&app, second.org, own_photo, vec![leak]).await;

    let mine = sign_in(&app, first.org, first.supervisor.user, Role::Supervisor).await;
    let html = mine.get(&format!("/console/punches/{punch}")).await.text().await.expect("body");
    assert!(html.contains("Photo outside site") && html.contains("812"), "the flag and its evidence: {html}");
    let thumb = mine.get(&format!("/console/punches/{punch}/photo/300")).await;
    assert_eq!(thumb.status(), 200);
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    let queue = mine.get("/console/queue").await.text().await.expect("body");
    assert!(queue.contains(&punch) && !queue.contains(&own), "each org's queue has its own punch only");

    let other = sign_in(&app, second.org, second.admin.user, Role::Admin).await;
    let worker = first.worker.user.to_string();
    for path in [
        format!("/console/punches/{punch}"),
        format!("/console/punches/{punch}/photo/300"),
        format!("/console/workers/{worker}"),
        format!("/console/workers/{worker}/timesheet.csv"),
        format!("/console/sites/{first_site}"),
        "/console/punches/not-a-uuid".to_owned(),
    ] {
        let response = other.get(&path).await;
        assert_eq!(response.status(), 404, "{path}");
        let body = response.text().await.expect("body");
        assert!(
            !body.contains(&punch) && !body.contains(&first_site),
            "{path} says nothing of the first org"
        );
    }
    let review = other
        .post(&format!("/console/punches/{punch}/review"), &[("csrf", &other.csrf), ("decision", "approved")])
        .await;
    assert_eq!(review.status(), 404);
    assert!(app.records.reviews(first.org, punch.parse().expect("id")).await.expect("reviews").is_empty());
    let own_page = other.get(&format!("/console/punches/{own}")).await.text().await.expect("body");
    assert!(!own_page.contains(&format!("/console/punches/{punch}")), "no evidence crosses organisations");
    let csv = other.get("/console/export.csv").await.text().await.expect("body");
    assert!(csv.contains(&own) && !csv.contains(&punch), "{csv}");
}

pub async fn decisions_need_the_csrf_token_and_a_reason(app: TestApp) {
    let tenant = app.tenant();
    let site = app.site(&tenant.admin).await;
    let (punch, photo) = uploaded_punch(&app, &tenant.worker, &site, "console-review-1").await;
    commit_verdict(&app, tenant.org, photo, VerdictState::NeedsReview).await;
    let browser = sign_in(&app, tenant.org, tenant.supervisor.user, Role::Supervisor).await;
    let path = format!("/console/punches/{punch}/review");
    let reason = "<script>alert(1)</script> taken at home";
    let forged =
        browser.post(&path, &[("decision", "rejected"), ("reason", reason), ("csrf", "forged")]).await;
    assert_eq!(forged.status(), 403);
    let missing = browser.post(&path, &[("decision", "rejected"), ("reason", reason)]).await;
    assert!(missing.status().is_client_error(), "a form without its token: {}", missing.status());
    let no_reason =
        browser.post(&path, &[("decision", "rejected"), ("reason", "  "), ("csrf", &browser.csrf)]).await;
    assert_eq!(no_reason.status(), 422);
    assert!(no_reason.text().await.expect("body").contains("a rejection needs a reason"));
    assert!(app.records.reviews(tenant.org, punch.parse().expect("id")).await.expect("reviews").is_empty());

    let recorded =
        browser.post(&path, &[("decision", "rejected"), ("reason", reason), ("csrf", &browser.csrf)]).await;
    assert_eq!(recorded.status(), 303);
    let html = browser.get(&format!("/console/punches/{punch}")).await.text().await.expect("body");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; taken at home"),
        "escaped in the audit trail"
    );
    assert!(!html.contains("<script>"), "nothing the reviewer typed runs");
    assert!(html.contains("rules-test-1"), "the verdict's rules version");
    // The JSON API sees the same decision, beside the verdict.
    let details: serde_json::Value =
        app.get(&format!("/v1/punches/{punch}"), &tenant.supervisor).await.json().await.expect("json");
    assert_eq!(details["reviews"][0]["decision"], "rejected");
    assert_eq!(details["verdict"]["state"], "needs_review");
    // Reviewed: off the queue, and the CSV says so.
    let queue = browser.get("/console/queue").await.text().await.expect("body");
    assert!(!queue.contains(&punch));
    let csv = browser.get("/console/export.csv").await.text().await.expect("body");
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let header = rows.headers().expect("header").clone();
    let row = rows.records().next().expect("a row").expect("readable");
    let column =
        |name: &str| row.get(header.iter().position(|h| h == name).expect(name)).expect(name).to_owned();
    assert_eq!(column("punch_id"), punch);
    assert_eq!(column("verdict"), "needs_review");
    assert_eq!(column("flags"), "outside_geofence");
    assert_eq!(column("review"), "rejected");
    assert_eq!(column("review_reason"), reason);
}
