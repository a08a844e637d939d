//! What a supervisor does in the console, in a real browser, on real punches: sign in
//! with a login link from `punchline token --login`, see the queue, open a reused photo
//! and an out-of-fence photo and see their evidence drawn, reject one with a reason and
//! find it in the audit trail, export the CSV, and, as another organisation's
//! supervisor, get a 404 page for the first one's punch.

use std::collections::HashMap;

use fantoccini::Locator;
use punchline_api::schema::punch::PunchDetailsView;
use punchline_domain::{FlagCode, PunchKind};
use punchline_testkit::stack::{self, StackEnv};

use crate::browser::Browser;
use crate::crew::{Crew, SITE};

/// The photos were taken years ago: as in `punchline demo`, their distance from the
/// server's clock is information, so each photo's own flags decide its verdict.
pub fn judged_like_the_demo(env: StackEnv) -> StackEnv {
    env.set("PUNCHLINE_VERIFICATION__SEVERITY__CAPTURE_TIME_SKEW_SERVER", "info")
}

/// A login link for `crew`'s supervisor, from the command a deployment would run.
fn login_link(env: &StackEnv, records: &str, crew: &Crew) -> String {
    let output = stack::command(crate::PUNCHLINE)
        .args(["token", "--org", &crew.org.to_string(), "--user", &crew.supervisor.to_string()])
        .args(["--role", "supervisor", "--login"])
        .env("PUNCHLINE_RECORDS__URL", records)
        .env("PUNCHLINE_API__PUBLIC_URL", env.base_url())
        .output()
        .expect("punchline token runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let url = String::from_utf8(output.stdout).expect("utf-8").trim().to_owned();
    assert!(url.starts_with(&format!("{}/console/login/", env.base_url())), "{url}");
    url
}

fn flagged(details: &PunchDetailsView, code: FlagCode) -> bool {
    details.verdict.as_ref().is_some_and(|v| v.flags.iter().any(|f| f.code == code))
}

/// Great-circle metres, as the verification engine measures.
fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let (dlat, dlon) = ((b.0 - a.0).to_radians(), (b.1 - a.1).to_radians());
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

pub async fn run(env: &StackEnv, records: &str, name: &str) {
    let base = env.base_url();
    let crew = Crew::new(&base, "Poggio depot").await;
    let on_site = crew.punch(0, PunchKind::In, "coolpix_gps_0010.jpg", "2008-10-22T16:28:39+02:00").await;
    let off_site = crew.punch(0, PunchKind::Out, "coolpix_gps_0025.jpg", "2008-10-22T16:43:21+02:00").await;
    let original = crew.punch(0, PunchKind::In, "iphone6_hdr_on.jpg", "2015-04-10T20:12:23+02:00").await;
    let reused = crew.punch(1, PunchKind::In, "iphone6_hdr_off.jpg", "2015-04-10T20:12:23+02:00").await;
    assert!(flagged(&off_site, FlagCode::OutsideGeofence), "{:?}", off_site.verdict);
    assert!(flagged(&reused, FlagCode::ReusedPhoto), "{:?}", reused.verdict);
    let waiting = [&on_site, &off_site, &original, &reused]
        .iter()
        .filter(|d| {
            d.verdict.as_ref().is_some_and(|v| v.state == punchline_domain::VerdictState::NeedsReview)
        })
        .count();

    let browser = Browser::start(name, 1280, 1000).await;
    let b = &browser.client;

    // Sign in with the link: one button, then the queue.
    browser.sign_in(&login_link(env, records, &crew)).await;
    let count = browser.text("#waiting").await;
    assert!(count.starts_with(&format!("{waiting} punch")), "{count}");
    for punch in [&off_site, &original, &reused] {
        let link = format!("ol.queue a[href='/console/punches/{}']", punch.punch.id);
        assert!(browser.count(&link).await > 0, "{} is in the queue", punch.punch.id);
    }
    let thumbnail = b.find(Locator::Css("ol.queue img")).await.expect("thumbnail");
    assert!(browser.natural_width(&thumbnail).await > 0, "the 300 px thumbnail loads");
    browser.screenshot("queue").await;

    // The reused photo: both photos side by side with the PDQ distance the worker found.
    let reuse_flag =
        reused.verdict.as_ref().and_then(|v| v.flags.iter().find(|f| f.code == FlagCode::ReusedPhoto));
    let distance =
        reuse_flag.and_then(|f| f.evidence["matches"][0]["distance"].as_u64()).expect("a distance");
    b.goto(&format!("{base}/console/punches/{}", reused.punch.id)).await.expect("open");
    let pictures = b.find_all(Locator::Css("#reuse figure img")).await.expect("images");
    assert_eq!(pictures.len(), 2, "this photo and the earlier one");
    for picture in &pictures {
        assert!(browser.natural_width(picture).await > 0, "each photo loads");
    }
    let earlier = format!("#reuse a[href='/console/punches/{}']", original.punch.id);
    assert_eq!(browser.count(&earlier).await, 1, "the earlier photo links to its punch");
    let caption = browser.text("#reuse .earlier figcaption").await;
    assert!(caption.contains(&format!("PDQ distance {distance} of 256 bits")), "{caption}");
    b.find(Locator::Css("#reuse")).await.expect("reuse").click().await.ok();
    browser.screenshot("reused-photo").await;

    // Outside the fence: the circle, the photo's fix and the device with its accuracy, to scale.
    b.goto(&format!("{base}/console/punches/{}", off_site.punch.id)).await.expect("open");
    let fence = b.find(Locator::Css("#place svg circle.fence")).await.expect("the fence");
    assert_eq!(fence.attr("r").await.expect("attr").as_deref(), Some("150.00"), "radius in metres");
    assert_eq!(browser.count("#place svg circle.device").await, 1);
    let accuracy = b.find(Locator::Css("#place svg circle.accuracy")).await.expect("accuracy circle");
    assert_eq!(accuracy.attr("r").await.expect("attr").as_deref(), Some("25.00"));
    let photo = b.find(Locator::Css("#place svg rect.photo")).await.expect("the photo's fix");
    let transform = photo.attr("transform").await.expect("attr").unwrap_or_default();
    let numbers: Vec<f64> = transform
        .trim_start_matches("rotate(")
        .trim_end_matches(')')
        .split(' ')
        .filter_map(|n| n.parse().ok())
        .collect();
    let drawn = numbers[1].hypot(numbers[2]);
    let real = haversine_m(SITE, (43.468365, 11.881635));
    assert!((drawn - real).abs() < real * 0.01, "drawn {drawn:.0} m from the centre, really {real:.0} m");
    let description = browser.text("#place p.description").await;
    assert!(description.contains(&format!("photo GPS {real:.0} m from the site's centre")), "{description}");
    b.find(Locator::Css("#place")).await.expect("place").click().await.ok();
    browser.screenshot("outside-geofence").await;

    // Reject: a reason is required, then the decision is in the audit trail.
    b.goto(&format!("{base}/console/punches/{}", off_site.punch.id)).await.expect("open");
    browser.click("input[name=decision][value=rejected]").await;
    browser.click("form.decide button[type=submit]").await;
    // The refused form comes back as a new page: wait for it rather than race the load.
    let error = b.wait().for_element(Locator::Css("#decision-error")).await.expect("the refusal");
    assert!(error.text().await.expect("text").contains("a rejection needs a reason"));
    let reason = "Taken at the quarry, 300 m off site";
    browser.click("input[name=decision][value=rejected]").await;
    b.find(Locator::Css("#reason")).await.expect("reason").send_keys(reason).await.expect("type");
    browser.click("form.decide button[type=submit]").await;
    b.wait().for_element(Locator::Css("ol.audit li.review")).await.expect("the recorded decision");
    assert_eq!(browser.path().await, format!("/console/punches/{}#audit", off_site.punch.id));
    let trail = browser.text("ol.audit li.review").await;
    assert!(trail.contains("rejected") && trail.contains(reason), "{trail}");
    browser.screenshot("audit-trail").await;
    let recorded = crew.result(off_site.punch.id).await;
    assert_eq!(recorded.reviews.len(), 1);
    assert_eq!(recorded.reviews[0].reason, reason);

    // The CSV of the range, fetched with the browser's session.
    let session = b.get_named_cookie("punchline_session").await.expect("the session cookie");
    assert!(session.http_only().unwrap_or(false), "HttpOnly");
    let today = chrono::Utc::now().date_naive();
    let csv = reqwest::Client::new()
        .get(format!("{base}/console/export.csv?from=2008-01-01&to={today}"))
        .header("cookie", format!("punchline_session={}", session.value()))
        .send()
        .await
        .expect("export");
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"].to_str().unwrap_or("").starts_with("attachment"));
    let text = csv.text().await.expect("body");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let rows: HashMap<String, HashMap<String, String>> = reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            let row: HashMap<String, String> =
                header.iter().zip(r.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect();
            (row["punch_id"].clone(), row)
        })
        .collect();
    assert_eq!(rows.len(), 4, "{text}");
    for punch in [&on_site, &off_site, &original, &reused] {
        let row = &rows[&punch.punch.id.to_string()];
        let verdict = punch.verdict.as_ref().expect("verdict");
        assert_eq!(row["verdict"], verdict.state.as_str());
        assert_eq!(row["site"], "Poggio depot");
        assert_eq!(row["kind"], punch.punch.kind.as_str());
    }
    let rejected = &rows[&off_site.punch.id.to_string()];
    assert_eq!((rejected["review"].as_str(), rejected["review_reason"].as_str()), ("rejected", reason));
    assert!(rejected["flags"].split(';').any(|f| f == "outside_geofence"));
    assert_eq!(rows[&on_site.punch.id.to_string()]["date"], "2008-10-22");
    // The rejected out punch closes no pair: its in stands open, so no hours are paid.
    assert_eq!(rejected["pair_hours"], "");

    // The worker's timesheet for that day, and the site's map.
    let worker = crew.workers[0].0;
    b.goto(&format!("{base}/console/workers/{worker}?from=2008-10-22&to=2008-10-22")).await.expect("open");
    assert_eq!(browser.count("section.day tbody tr").await, 2);
    browser.screenshot("timesheet").await;
    b.goto(&format!("{base}/console/sites/{}", crew.site)).await.expect("open");
    assert_eq!(browser.count("svg circle.fence").await, 1);
    browser.screenshot("site").await;
    b.set_window_size(390, 844).await.expect("phone size");
    b.goto(&format!("{base}/console/queue")).await.expect("open");
    browser.screenshot("queue-phone").await;
    b.set_window_size(1280, 1000).await.expect("desktop size");

    // Another organisation's supervisor: the first one's punch is a 404 page.
    let other = Crew::new(&base, "Elsewhere").await;
    b.delete_all_cookies().await.expect("sign out of the first");
    browser.sign_in(&login_link(env, records, &other)).await;
    b.goto(&format!("{base}/console/punches/{}", reused.punch.id)).await.expect("open");
    assert_eq!(browser.text("h1").await, "Not found");
    assert_eq!(browser.count("img").await, 0);
    let source = b.source().await.expect("source");
    assert!(!source.contains("Poggio depot") && !source.contains("PDQ"), "nothing of the first organisation");
    browser.screenshot("other-organisation").await;
    browser.close().await;
}
