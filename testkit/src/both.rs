//! Which deployment a test runs on, and [`on_both!`](crate::on_both), which declares a
//! scenario's test once for each: the behaviour punchline promises holds on both, so the
//! same assertions run on both, written once.

/// The two deployments punchline runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// The embedded one: SQLite records (and, where the suite has a queue, the SQLite
    /// job queue).
    Sqlite,
    /// The production one: PostgreSQL records (and, where the suite has a queue,
    /// RabbitMQ).
    Postgres,
}

/// Declares, for each scenario, one test per backend: `mod sqlite { fn scenario }` and
/// `mod postgres { fn scenario }`, so `cargo test postgres::` runs one side. Every test is
/// a `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]` (the suite needs tokio
/// with `macros` and `rt-multi-thread`).
///
/// A scenario is an `async fn` taking the fixture, named by its path from where the macro
/// is invoked (`module::scenario`, or `scenario` for one beside the invocation). The
/// header's paths and values are written inside the generated modules, which see all the
/// invoking module sees (`harness::spawn_app`, an imported `Scenario::new`); a path that
/// starts with `super::` or `self::` would start one module too deep: use `crate::`.
///
/// Two ways to get from the backend to the scenario:
/// - `setup = path`: `let fixture = path(backend).await; scenario(fixture).await`, for a
///   fixture that owns everything the test needs (its database, its server).
/// - `run = path`: `path(backend, scenario).await`, for a suite that must hold something
///   the scenario does not take (a database guard around the records it passes on).
///
/// Then, optionally, `limit = duration`: the scenario (not the setup) fails after that
/// long, naming the test ([`crate::wait::within`]), so a hang fails instead of blocking
/// the suite.
///
/// The two sides are `sqlite = Backend::Sqlite, postgres = Backend::Postgres` unless named
/// last: `setup = harness::TestQueue::new, sqlite = QueueBackend::Sqlite, rabbitmq =
/// QueueBackend::Rabbitmq;` (the first side's module, its value, then the second's), for
/// a suite whose two sides are not the databases (a queue, a store).
///
/// ```ignore
/// punchline_testkit::on_both!(setup = harness::spawn_app;
///     punches::retries_return_the_same_punch,
///     sites::admins_manage_sites,
/// );
/// ```
///
/// A scenario only one backend has stays an ordinary `#[tokio::test]`.
#[macro_export]
macro_rules! on_both {
    // The public forms: `setup` or `run`, an optional limit, the default sides or two
    // named ones.
    ($how:ident = $f:path; $($scenarios:tt)*) => {
        $crate::on_both!(@munch [$how $f] []
            sqlite = ($crate::Backend::Sqlite), postgres = ($crate::Backend::Postgres); [] [] $($scenarios)*);
    };
    ($how:ident = $f:path, limit = $limit:expr; $($scenarios:tt)*) => {
        $crate::on_both!(@munch [$how $f] [($limit)]
            sqlite = ($crate::Backend::Sqlite), postgres = ($crate::Backend::Postgres); [] [] $($scenarios)*);
    };
    ($how:ident = $f:path, limit = $limit:expr, $a:ident = $av:expr, $b:ident = $bv:expr; $($scenarios:tt)*) => {
        $crate::on_both!(@munch [$how $f] [($limit)] $a = ($av), $b = ($bv); [] [] $($scenarios)*);
    };
    ($how:ident = $f:path, $a:ident = $av:expr, $b:ident = $bv:expr; $($scenarios:tt)*) => {
        $crate::on_both!(@munch [$how $f] [] $a = ($av), $b = ($bv); [] [] $($scenarios)*);
    };

    // Splits the list into `(name [path prefix])` one scenario at a time: a path's last
    // segment is the test's name (macro_rules cannot tell `a::b` from `b` in one matcher).
    (@munch $how:tt $limit:tt $a:ident = $av:tt, $b:ident = $bv:tt; [$($done:tt)*] [$($prefix:tt)*]
        $segment:ident :: $($rest:tt)*) => {
        $crate::on_both!(@munch $how $limit $a = $av, $b = $bv; [$($done)*] [$($prefix)* $segment ::] $($rest)*);
    };
    (@munch $how:tt $limit:tt $a:ident = $av:tt, $b:ident = $bv:tt; [$($done:tt)*] [$($prefix:tt)*]
        $name:ident $(, $($rest:tt)*)?) => {
        $crate::on_both!(@munch $how $limit $a = $av, $b = $bv; [$($done)* ($name [$($prefix)*])] [] $($($rest)*)?);
    };
    (@munch $how:tt $limit:tt $a:ident = $av:tt, $b:ident = $bv:tt; [$($done:tt)*] []) => {
        $crate::on_both!(@side $how $limit $a = $av; $($done)*);
        $crate::on_both!(@side $how $limit $b = $bv; $($done)*);
    };

    (@side $how:tt $limit:tt $side:ident = $backend:tt; $(($name:ident [$($prefix:tt)*]))*) => {
        mod $side {
            // Whatever the invoking module sees, the header's paths see.
            #[allow(unused_imports)]
            use super::*;
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::on_both!(@call $how $limit $backend, $name, super::$($prefix)* $name);
                }
            )*
        }
    };

    (@call [setup $setup:path] [] $backend:tt, $name:ident, $scenario:path) => {
        let fixture = $setup($backend).await;
        $scenario(fixture).await
    };
    (@call [setup $setup:path] [$limit:tt] $backend:tt, $name:ident, $scenario:path) => {
        let fixture = $setup($backend).await;
        $crate::wait::within($limit, concat!(module_path!(), "::", stringify!($name)), $scenario(fixture)).await
    };
    (@call [run $run:path] [] $backend:tt, $name:ident, $scenario:path) => {
        $run($backend, $scenario).await
    };
    (@call [run $run:path] [$limit:tt] $backend:tt, $name:ident, $scenario:path) => {
        $crate::wait::within($limit, concat!(module_path!(), "::", stringify!($name)), $run($backend, $scenario)).await
    };
}
