//! `on_both!` as the suites use it: both forms, the default sides and named ones, a limit,
//! scenarios beside the invocation and in modules, and the tests' names (`sqlite::`,
//! `postgres::`).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use punchline_testkit::Backend;

mod scenarios {
    use punchline_testkit::Backend;

    /// Takes the fixture `setup` made: the backend, and the test it was made for.
    pub async fn gets_its_backend(fixture: (Backend, String)) {
        let (backend, test) = fixture;
        let expected = match test.split("::").next() {
            Some("sqlite") => Backend::Sqlite,
            Some("postgres") => Backend::Postgres,
            _ => panic!("{test} is not in a sqlite or postgres module"),
        };
        assert_eq!(backend, expected, "{test}");
    }
}

/// What a suite's setup does: makes the fixture of one backend. Here the backend itself,
/// and the running test's name (libtest names each test's thread after it), so the
/// scenario can check that the `sqlite::` test got SQLite and the `postgres::` one
/// PostgreSQL.
async fn setup(backend: Backend) -> (Backend, String) {
    (backend, std::thread::current().name().unwrap_or_default().to_owned())
}

punchline_testkit::on_both!(setup = setup; scenarios::gets_its_backend);

/// How many scenarios `run` saw, to show it really ran them.
static RAN: AtomicUsize = AtomicUsize::new(0);

/// What a suite's run does: holds something around the scenario and passes it less.
async fn run<F, Fut>(side: u8, scenario: F)
where
    F: FnOnce(u8) -> Fut,
    Fut: Future<Output = ()>,
{
    RAN.fetch_add(1, Ordering::SeqCst);
    scenario(side).await;
}

async fn sees_its_side(side: u8) {
    assert!(side == 1 || side == 2, "side {side}");
    assert!(RAN.load(Ordering::SeqCst) >= 1, "run ran first");
}

mod named {
    // Sides named after the function, with values of the suite's own.
    punchline_testkit::on_both!(run = crate::run, local = 1, s3 = 2; super::sees_its_side);
}

mod bounded {
    use std::time::Duration;

    /// The fixture: how long the scenario takes, in milliseconds.
    async fn pause(millis: u64) -> u64 {
        millis
    }

    async fn takes_its_time(millis: u64) {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }

    // Named sides, and a limit the scenarios stay within.
    punchline_testkit::on_both!(setup = pause, limit = Duration::from_secs(5), short = 10, longer = 200;
        takes_its_time);

    /// What the limit does to a scenario that does not end.
    #[tokio::test]
    #[should_panic(expected = "timed out after 50ms waiting for the hang")]
    async fn a_hang_fails_naming_what_it_waited_for() {
        punchline_testkit::wait::within(Duration::from_millis(50), "the hang", std::future::pending::<()>())
            .await;
    }
}
