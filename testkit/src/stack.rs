//! `punchline` processes for end-to-end tests: the api (`serve`), workers (`work`) or both
//! (`all-in-one`) started as a deployment starts them, configured through `PUNCHLINE_…`
//! environment variables, stopped (SIGKILL) when the test drops them.
//!
//! The binary is the caller's: only an integration test of the root package knows where
//! cargo built it (`env!("CARGO_BIN_EXE_punchline")`), so it passes that in.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The environment of every process of one test's stack.
#[derive(Debug, Clone)]
pub struct StackEnv {
    /// The `punchline` binary.
    program: PathBuf,
    vars: BTreeMap<String, String>,
}

impl StackEnv {
    /// A stack of `program` (the `punchline` binary) on `records_url` whose api listens on
    /// a free port of this machine, with objects under `objects_dir` (the local store) and
    /// a CPU pool of one thread per process (two workers on two cores).
    pub fn new(program: impl AsRef<Path>, records_url: &str, objects_dir: &Path) -> StackEnv {
        let port = free_port();
        StackEnv { program: program.as_ref().to_path_buf(), vars: BTreeMap::new() }
            .set("PUNCHLINE_RECORDS__URL", records_url)
            .set("PUNCHLINE_STORE__LOCAL__DIRECTORY", &objects_dir.display().to_string())
            .set("PUNCHLINE_API__BIND", &format!("127.0.0.1:{port}"))
            .set("PUNCHLINE_API__PUBLIC_URL", &format!("http://127.0.0.1:{port}"))
            // One test client polls many punches from one token.
            .set("PUNCHLINE_API__RATE_LIMIT__PER_TOKEN_PER_S", "0")
            .set("PUNCHLINE_API__RATE_LIMIT__PER_IP_PER_S", "0")
            .set("PUNCHLINE_PIPELINE__THREADS", "1")
            .set("PUNCHLINE_QUEUE__RETRY_BASE_MS", "200")
            .set("PUNCHLINE_QUEUE__RETRY_MAX_MS", "2000")
            .set("PUNCHLINE_INGEST__RELAY_INTERVAL_MS", "200")
            .set("PUNCHLINE_LOG", "warn,punchline_workers=info")
            // Several workers on one machine: no fixed metrics port each.
            .set("PUNCHLINE_WORKER__METRICS_BIND", "")
    }

    /// Sets (or replaces) one variable.
    pub fn set(mut self, name: &str, value: &str) -> StackEnv {
        self.vars.insert(name.to_owned(), value.to_owned());
        self
    }

    /// The RabbitMQ queue, under a name of this test's own.
    pub fn rabbitmq(self, prefix: &str) -> StackEnv {
        self.set("PUNCHLINE_QUEUE__BACKEND", "rabbitmq").set("PUNCHLINE_QUEUE__NAME_PREFIX", prefix)
    }

    /// The api's address, as clients reach it.
    pub fn base_url(&self) -> String {
        self.vars["PUNCHLINE_API__PUBLIC_URL"].clone()
    }

    /// Starts `punchline ARGS…` with this environment and waits until its standard error
    /// shows `ready` (a line the process prints once it is serving or consuming).
    pub fn start(&self, args: &[&str], ready: &str) -> Process {
        let mut child = command(&self.program)
            .args(args)
            .envs(&self.vars)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("punchline starts");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut log) = sink.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        let process = Process { child, log, name: args.join(" ") };
        process.wait_for_log(ready, Duration::from_secs(60));
        process
    }
}

/// A running `punchline` process; killed (SIGKILL) when dropped.
pub struct Process {
    child: Child,
    log: Arc<Mutex<String>>,
    name: String,
}

impl Process {
    /// What the process wrote to standard error so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Waits until standard error contains `text`; panics with the log if it does not
    /// within `timeout` or the process exits first.
    pub fn wait_for_log(&self, text: &str, timeout: Duration) {
        let started = Instant::now();
        while !self.log().contains(text) {
            assert!(
                started.elapsed() < timeout,
                "`punchline {}` never printed {text:?}:\n{}",
                self.name,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: no chance to finish, release or say goodbye.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the exit; returns its exit code.
    pub fn terminate(mut self, timeout: Duration) -> Option<i32> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            assert!(
                started.elapsed() < timeout,
                "`punchline {}` ignored SIGTERM:\n{}",
                self.name,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on right now (the OS picks it; released for the process).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// `program` (the `punchline` binary) as a command run from the workspace root, so it
/// reads the repository's `pipeline.toml`, and without `PUNCHLINE_CONFIG`, so the
/// developer's own configuration never leaks into a test.
pub fn command(program: impl AsRef<Path>) -> Command {
    let mut command = Command::new(program.as_ref());
    command.current_dir(crate::workspace_root()).env_remove("PUNCHLINE_CONFIG");
    command
}
