//! The S3 server the tests talk to: the one `PUNCHLINE_TEST_S3_ENDPOINT` names (with the
//! standard `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_REGION`), or else an
//! s3s-fs this test process starts through `scripts/s3-server.sh` and that stops when the
//! process exits. Never skipped: without a server the S3 tests fail saying how to get one.
//! Behind the `test-support` feature, for this crate's store tests and the end-to-end tests.

use std::process::Command;
use std::sync::OnceLock;

/// How to reach the server.
#[derive(Debug, Clone)]
pub struct S3Server {
    /// The server's address, e.g. `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The region the clients sign for.
    pub region: String,
    /// `None`: the credentials come from the standard AWS chain (the environment).
    pub credentials: Option<(String, String)>,
}

const HOW_TO: &str = "start one with `eval \"$(scripts/s3-server.sh start)\"` and set \
    PUNCHLINE_TEST_S3_ENDPOINT=$endpoint AWS_ACCESS_KEY_ID=$access_key \
    AWS_SECRET_ACCESS_KEY=$secret_key AWS_REGION=$region";

/// The server, started on first use (and installed first if s3s-fs is missing); shared by
/// every test of the process.
pub fn s3_server() -> &'static S3Server {
    static SERVER: OnceLock<Result<S3Server, String>> = OnceLock::new();
    match SERVER.get_or_init(find_or_start) {
        Ok(server) => server,
        Err(message) => panic!("no S3 server for the store tests: {message}\n{HOW_TO}"),
    }
}

fn find_or_start() -> Result<S3Server, String> {
    if let Ok(endpoint) = std::env::var("PUNCHLINE_TEST_S3_ENDPOINT") {
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            if std::env::var(name).is_err() {
                return Err(format!("PUNCHLINE_TEST_S3_ENDPOINT is set but {name} is not"));
            }
        }
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_owned());
        return Ok(S3Server { endpoint, region, credentials: None });
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/s3-server.sh");
    eprintln!("starting s3s-fs with {script} (the first time installs it, which takes minutes)");
    let output = Command::new("bash")
        .arg(script)
        .args(["start", "--owner", &std::process::id().to_string()])
        .output()
        .map_err(|err| format!("cannot run {script}: {err}"))?;
    if !output.status.success() {
        return Err(format!("{script} start failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix('=').map(str::to_owned))
            .ok_or_else(|| format!("{script} printed no {name}: {stdout}"))
    };
    Ok(S3Server {
        endpoint: field("endpoint")?,
        region: field("region")?,
        credentials: Some((field("access_key")?, field("secret_key")?)),
    })
}
