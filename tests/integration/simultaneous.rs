//! Copies that arrive together (buddy punching): K workers of one organisation punch
//! copies of one picture at the same moment, on a stack of two `punchline work`
//! processes with several jobs in flight each. Whatever the timing, exactly one copy is
//! the original and the K − 1 others are flagged, each naming that original; a copy in
//! another organisation punched at the same moment is never matched.

use std::time::Duration;

use futures::StreamExt;
use punchline_api::schema::punch::PunchDetailsView;
use punchline_domain::PunchId;
use punchline_testkit::stack::StackEnv;

use crate::copies::{CopySets, Kind};
use crate::production_stack::ProductionServices;
use crate::punching::Crew;

/// Rounds per kind of copy and number of workers.
const ROUNDS: usize = 50;
/// Workers punching one picture at once.
const WORKERS: [usize; 3] = [2, 4, 8];
/// Rounds run at once (each in an organisation of its own): more jobs in flight.
const ROUNDS_AT_ONCE: usize = 3;
const RESULT_TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_copies_have_one_original_on_the_production_stack() {
    let services = ProductionServices::new().await;
    let env = with_jobs_in_flight(services.env.clone());
    let _api = env.start(&["serve", "--migrate"], "serving the API on");
    let _workers =
        [env.start(&["work"], "worker consuming jobs"), env.start(&["work"], "worker consuming jobs")];
    every_kind_every_k(&env.base_url()).await;
    services.tear_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_copies_have_one_original_on_the_embedded_stack() {
    let data = tempfile::tempdir().expect("temporary directory");
    let records = format!("sqlite:{}", data.path().join("punchline.db").display());
    let env = with_jobs_in_flight(StackEnv::new(crate::PUNCHLINE, &records, &data.path().join("objects")));
    let _api = env.start(&["serve", "--migrate"], "serving the API on");
    let _workers =
        [env.start(&["work"], "worker consuming jobs"), env.start(&["work"], "worker consuming jobs")];
    every_kind_every_k(&env.base_url()).await;
}

/// Four jobs held by each worker (on a one-thread CPU pool): several photos of a round
/// are between their decode and their commit at once in every process.
fn with_jobs_in_flight(env: StackEnv) -> StackEnv {
    env.set("PUNCHLINE_WORKER__CONCURRENCY", "4")
}

async fn every_kind_every_k(base_url: &str) {
    let sets = CopySets::new();
    let mut wrong = Vec::new();
    for kind in Kind::ALL {
        for k in WORKERS {
            let failures: Vec<String> = futures::stream::iter(0..ROUNDS)
                .map(|round| {
                    let sets = &sets;
                    async move {
                        one_round(base_url, sets, kind, k).await.err().map(|e| format!("round {round}: {e}"))
                    }
                })
                .buffer_unordered(ROUNDS_AT_ONCE)
                .filter_map(|failure| async move { failure })
                .collect()
                .await;
            wrong.extend(failures.into_iter().map(|f| format!("{kind:?}, K = {k}, {f}")));
        }
    }
    assert!(wrong.is_empty(), "{} rounds went wrong:\n{}", wrong.len(), wrong.join("\n"));
}

/// K workers of a new organisation, and one of another, punch their copies at once: all
/// created and uploaded first, then every completion sent together.
async fn one_round(base_url: &str, sets: &CopySets, kind: Kind, k: usize) -> Result<(), String> {
    let (crew, elsewhere) = tokio::join!(Crew::new(base_url), Crew::new(base_url));
    let files = sets.files(kind, k);
    let now = chrono::Utc::now().fixed_offset();
    let uploads = files.iter().map(|bytes| crew.create_and_upload("image/jpeg", bytes.clone(), now));
    let punches: Vec<PunchId> =
        futures::future::try_join_all(uploads).await.map_err(|e| format!("punching: {e}"))?;
    let other =
        elsewhere.create_and_upload("image/jpeg", files[0].clone(), now).await.map_err(|e| e.to_string())?;
    let completions =
        punches.iter().map(|p| crew.worker.complete(*p)).chain([elsewhere.worker.complete(other)]);
    futures::future::try_join_all(completions).await.map_err(|e| format!("completing: {e}"))?;

    let results = crew.results(&punches, RESULT_TIMEOUT).await;
    let alone = elsewhere.results(&[other], RESULT_TIMEOUT).await;
    if let Some(flag) =
        alone[0].verdict.iter().flat_map(|v| &v.flags).find(|f| f.code.to_string() == kind.flag())
    {
        return Err(format!("another organisation's copy was matched: {}", flag.message));
    }
    one_original(&results, kind)
}

/// Exactly one punch without the kind's flag, and every other naming it as the original.
fn one_original(results: &[PunchDetailsView], kind: Kind) -> Result<(), String> {
    let named: Vec<(PunchId, Option<String>)> =
        results.iter().map(|d| (d.punch.id, original_named(d, kind.flag()))).collect();
    let unflagged: Vec<PunchId> = named.iter().filter(|(_, o)| o.is_none()).map(|(p, _)| *p).collect();
    let [original] = unflagged[..] else {
        return Err(format!("{} of {} unflagged, not one: {named:?}", unflagged.len(), results.len()));
    };
    let original = original.to_string();
    match named.iter().find(|(_, o)| o.as_ref().is_some_and(|o| *o != original)) {
        Some((copy, o)) => Err(format!("{copy} names {o:?} as the original, not {original}")),
        None => Ok(()),
    }
}

/// The punch the flag `code` names as the original, if the verdict has the flag.
fn original_named(details: &PunchDetailsView, code: &str) -> Option<String> {
    let flag = details.verdict.iter().flat_map(|v| &v.flags).find(|f| f.code.to_string() == code)?;
    let named = match code {
        "exif_copied" => &flag.evidence["punch_id"],
        _ => &flag.evidence["original"]["punch_id"],
    };
    Some(named.as_str().unwrap_or("(none)").to_owned())
}
