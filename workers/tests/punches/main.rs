//! Real photos through the whole judgement: the image pipeline, the records (PostgreSQL and
//! SQLite, a fresh database per test), the reuse index and the verification rules. Each row
//! is a punch a phone could send; the flags are what a supervisor would expect to see.

mod scenario;
mod stack;
mod worker_loop;

use punchline_domain::FlagCode::*;
use punchline_domain::VerdictState;
use scenario::{Case, Scenario};

/// The southern/eastern-hemisphere lego photo: GPS -37.669822, 144.546539, taken
/// 2019-01-04 12:34:31 local (its GPS clock says 01:34:24 UTC).
const LEGO: &str = "iphonexs_lego_gps.heic";
const LEGO_AT: (f64, f64) = (-37.6698, 144.5465);
const LEGO_UTC: &str = "2019-01-04T12:34:40+11:00";

async fn judged_alone(s: Scenario) {
    let cases = [
        Case::at(LEGO, LEGO_AT, "Australia/Melbourne", LEGO_UTC).expect(
            VerdictState::Verified,
            &[],
            &[OutsideGeofence, NoGps, CaptureTimeSkew, ReusedPhoto],
        ),
        // The same photo punched at a site 2 km north is outside the fence.
        Case::at(LEGO, (-37.6518, 144.5465), "Australia/Melbourne", LEGO_UTC).expect(
            VerdictState::NeedsReview,
            &[OutsideGeofence],
            &[NoGps],
        ),
        Case::at("galaxys_gps00_rot6.jpg", (48.85, 2.35), "Europe/Paris", "2011-04-02T18:30:30+02:00")
            .expect(VerdictState::NeedsReview, &[BogusGps], &[]),
        Case::at("iphonexs_pug3_nometa.heic", (46.7547, 33.3361), "Europe/Kyiv", "2021-07-06T16:08:20+03:00")
            .expect(VerdictState::NeedsReview, &[NoCaptureTime, NoGps, ExifStripped], &[]),
        Case::at("canon_r5_black.hif", (51.5, -0.12), "Europe/London", "2021-02-18T19:55:00+00:00").expect(
            VerdictState::NeedsReview,
            &[BlankPhoto],
            &[ReusedPhoto],
        ),
        Case::at("iphonexr_1x1_gps.jpg", (43.8595, 15.5033), "Europe/Zagreb", "2020-09-02T18:52:50+02:00")
            .expect(VerdictState::NeedsReview, &[TooSmall, Edited], &[]),
        Case::at("bad_truncated.heic", (0.5, 0.5), "UTC", "2024-01-01T00:00:00+00:00").expect(
            VerdictState::Failed,
            &[PhotoUnprocessable],
            &[],
        ),
    ];
    for case in cases {
        s.submit_and_check(s.org_a, &case).await;
    }
}

async fn reuse_within_an_org_only(s: Scenario) {
    let first =
        Case::at("iphone11pro_a.heic", (40.0, -75.0), "America/New_York", "2020-05-04T18:39:20-04:00");
    let again = Case::at(
        "iphone11pro_a_exif_at_eof.heic",
        (40.0, -75.0),
        "America/New_York",
        "2020-05-04T18:40:00-04:00",
    );
    s.submit_and_check(s.org_a, &first.clone().expect(VerdictState::NeedsReview, &[NoGps], &[ReusedPhoto]))
        .await;
    // The same picture in another organisation is nobody's business there.
    s.submit_and_check(
        s.org_b,
        &again.clone().expect(VerdictState::NeedsReview, &[], &[ReusedPhoto, ExactDuplicate]),
    )
    .await;
    // In the first organisation it is the photo punched before.
    let verdict =
        s.submit_and_check(s.org_a, &again.expect(VerdictState::NeedsReview, &[ReusedPhoto], &[])).await;
    let evidence = &verdict.flags.iter().find(|f| f.code == ReusedPhoto).expect("reuse flag").evidence;
    assert!(evidence.to_string().contains("distance"), "reuse evidence names the distance: {evidence}");
}

async fn copied_exif_is_caught(s: Scenario) {
    let pug = Case::at("iphonexs_pug1.heic", (46.7547, 33.3361), "Europe/Kyiv", "2021-07-06T16:08:20+03:00");
    let copy = Case::at(
        "iphonexs_pug_closeup_exifmismatch.heic",
        (46.7547, 33.3361),
        "Europe/Kyiv",
        "2021-07-06T16:09:00+03:00",
    );
    s.submit_and_check(s.org_a, &pug.expect(VerdictState::Verified, &[], &[ExifCopied])).await;
    s.submit_and_check(s.org_a, &copy.expect(VerdictState::NeedsReview, &[ExifCopied], &[ReusedPhoto])).await;
}

async fn a_redelivered_job_changes_nothing(s: Scenario) {
    let case = Case::at(LEGO, LEGO_AT, "Australia/Melbourne", LEGO_UTC);
    s.redelivery_is_a_no_op(s.org_a, &case).await;
}

punchline_testkit::on_both!(setup = Scenario::new;
    judged_alone,
    reuse_within_an_org_only,
    copied_exif_is_caught,
    a_redelivered_job_changes_nothing,
);
