//! The embedded store's signed upload route and the completion checks: a photo arrives
//! only through its own signed URL, with its own type and length, and only photos pass
//! completion.

use punchline_testkit::photos;
use reqwest::Method;

use crate::harness::{json, punch_body, TestApp};
use crate::punches::{complete, upload};

pub async fn uploads_are_bound_to_their_signature(app: TestApp) {
    let tenant = app.tenant();
    let site = app.site(&tenant.admin).await;
    let heic = photos::read("iphone7_gps.heic");
    let mut body = punch_body("upload-1", &site, heic.len() as u64);
    body["photo"]["content_type"] = "image/heic".into();
    let created = json(app.post("/v1/punches", &tenant.worker, &body).await).await;
    let url = created["upload"]["url"].as_str().expect("url").to_owned();
    let punch = created["punch"]["id"].as_str().expect("id").to_owned();

    // Refused uploads are answered before their body is read, and the server then closes
    // the connection: send them on a client that pools nothing. A client still writing a
    // large body when that happens may see the reset before the answer (HTTP/1.1 allows
    // the early answer), so the signature and type checks, which come before the length
    // check, are sent small bodies: their answer is then certain.
    let once = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");
    let small = heic[..1024].to_vec();
    let tampered = format!("{}x", url);
    let forged = once.put(&tampered).header("content-type", "image/heic").body(small.clone()).send().await;
    assert_eq!(forged.expect("sent").status(), 403);
    let wrong_type = once.put(&url).header("content-type", "image/jpeg").body(small).send().await;
    assert_eq!(wrong_type.expect("sent").status(), 415);
    let mut longer = heic.clone();
    longer.extend_from_slice(b"one byte too many");
    match once.put(&url).header("content-type", "image/heic").body(longer).send().await {
        Ok(too_long) => assert_eq!(too_long.status(), 413),
        // Refused from its Content-Length while the client was still sending.
        Err(e) => assert!(e.is_request() && !e.is_timeout(), "{e:?}"),
    }
    assert_eq!(complete(&app, &punch, &tenant.worker).await.status(), 409, "refused uploads store nothing");

    assert_eq!(upload(&app, &created["upload"], heic.clone()).await.status(), 200);
    let done = json(complete(&app, &punch, &tenant.worker).await).await;
    assert_eq!(done["photo"]["format"], "heic");

    // A supervisor does not complete uploads; another worker does not see the punch.
    assert_eq!(complete(&app, &punch, &tenant.supervisor).await.status(), 403);
    assert_eq!(complete(&app, &punch, &tenant.other_worker).await.status(), 404);
    let download = app.request(Method::GET, "/v1/files/not.a-token", None).send().await.expect("sent");
    assert_eq!(download.status(), 403);
}

pub async fn only_photos_pass_completion(app: TestApp) {
    let tenant = app.tenant();
    let site = app.site(&tenant.admin).await;
    let video = photos::read("bad_mp4_named_jpg.jpg");
    let mut body = punch_body("video-1", &site, video.len() as u64);
    let created = json(app.post("/v1/punches", &tenant.worker, &body).await).await;
    assert_eq!(upload(&app, &created["upload"], video).await.status(), 200);
    let punch = created["punch"]["id"].as_str().expect("id");
    let refused = complete(&app, punch, &tenant.worker).await;
    assert_eq!(refused.status(), 422);
    let error = json(refused).await;
    assert_eq!(error["code"], "upload_rejected");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("not a JPEG, PNG or HEIC")), "{error}");
    app.relayed(tenant.org).await;
    assert_eq!(app.queue.depth().await.expect("queue depth").ready, 0, "no job for a non-photo");

    // The same punch again gets a fresh URL, which takes the real photo.
    let jpeg = photos::read("canon40d_small.jpg");
    body["photo"]["content_length"] = jpeg.len().into();
    let retried = app.post("/v1/punches", &tenant.worker, &body).await;
    assert_eq!(retried.status(), 200);
    let retried = json(retried).await;
    assert_eq!(upload(&app, &retried["upload"], jpeg).await.status(), 200);
    assert_eq!(complete(&app, punch, &tenant.worker).await.status(), 200);
}
