//! Shared test plumbing: a real server on an ephemeral port, a real HTTP client, and the
//! project's own validator to check that every answer conforms to its document.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use specmock::mock::{Mock, MockOptions};
use specmock::route::{Lookup, Mount, Router};
use specmock::server::{self, Limits};
use specmock::store::{Store, StoreOptions};
use specmock::validate::{ResponseInput, Violation, check_response};
use tokio::sync::oneshot;

pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    pub mounts: Vec<Mount>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// Starts a mock of `specs` (built-in names or files) on 127.0.0.1:0.
pub async fn start(specs: &[&str], options: MockOptions) -> TestServer {
    start_with(specs, options, Limits { access_log: false, ..Limits::default() }).await
}

pub async fn start_with(specs: &[&str], options: MockOptions, limits: Limits) -> TestServer {
    start_full(specs, options, limits, None).await
}

/// A stateful sandbox of `specs`.
pub async fn start_stateful(specs: &[&str], store: StoreOptions) -> TestServer {
    start_full(specs, MockOptions::default(), Limits { access_log: false, ..Limits::default() }, Some(store)).await
}

pub async fn start_full(
    specs: &[&str],
    options: MockOptions,
    limits: Limits,
    store: Option<StoreOptions>,
) -> TestServer {
    let specs: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
    let mounts = specmock::mounts::mounts(&specs, &[]).expect("documents load");
    let mut mock = Mock::new(mounts.clone(), options).expect("routes build");
    if let Some(store) = store {
        mock = mock.with_store(Store::open(&mounts, &store).expect("the store opens"));
    }
    let mock = Arc::new(mock);
    // The socket is bound before the server task starts: connections queue until it accepts.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(listener, mock, limits, async move {
        let _ = rx.await;
    }));
    TestServer { addr, base: format!("http://{addr}"), mounts, stop: Some(tx), task: Some(task) }
}

/// Starts the binary (`specmock ARGS --port 0 --quiet`, in the crate's folder) and returns it
/// with its base URL, read from its banner. The rest of stderr is drained, so the child
/// never meets a full or closed pipe.
pub fn spawn_specmock(args: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(args)
        .args(["--port", "0", "--quiet"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
    let base = loop {
        let line = lines.next().expect("the server prints where it listens").expect("stderr is text");
        if let Some(url) = line.strip_prefix("specmock listening on ") {
            break url.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

pub fn client() -> reqwest::Client {
    client_builder().build().expect("client")
}

/// A client builder for tests that need other settings (redirects, timeouts).
pub fn client_builder() -> reqwest::ClientBuilder {
    // reqwest is built with rustls for specmock's own client; it needs a crypto provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy()
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// Sends the request and reads the whole answer.
    pub async fn of(request: reqwest::RequestBuilder) -> Answer {
        Answer::from(request.send().await.expect("the request is answered")).await
    }

    pub async fn from(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("body");
        Answer { status, headers, body }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Judges an answer of the mock against the document it came from, with the project's validator.
pub fn violations(server: &TestServer, method: &str, path: &str, answer: &Answer) -> Vec<Violation> {
    let router = Router::new(&server.mounts).expect("router");
    let method: http::Method = method.parse().expect("method");
    let Lookup::Found { route, operation, .. } = router.lookup(&method, path) else {
        panic!("{method} {path} does not route");
    };
    let api = &server.mounts[route.mount].api;
    let op = &api.operations[operation];
    check_response(
        api,
        op,
        &ResponseInput { method: &method, status: answer.status, headers: &answer.headers, body: &answer.body },
    )
}

/// Panics unless the answer conforms to its document.
pub fn assert_conforms(server: &TestServer, method: &str, path: &str, answer: &Answer) {
    let found = violations(server, method, path, answer);
    assert!(
        found.is_empty(),
        "{method} {path} → {} does not conform to its document: {found:#?}\nbody: {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
}

/// Where ../shared lives, if this checkout has it beside it.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    dir.join("vendor-specs").is_dir().then_some(dir)
}

pub fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name).display().to_string()
}

/// insta settings shared by every snapshot: the snapshots/ folder, no module prefix.
#[macro_export]
macro_rules! snapshot_settings {
    () => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings
    }};
}

/// Redactions for values that change from run to run.
#[macro_export]
macro_rules! redacted_json_snapshot {
    ($name:expr, $value:expr) => {{
        let settings = $crate::snapshot_settings!();
        settings.bind(|| {
            insta::assert_json_snapshot!($name, $value, {
                ".**.api_request_id" => "[request-id]",
                ".**.api_request_timestamp" => "[timestamp]",
                ".**.clerk_trace_id" => "[trace-id]",
            });
        });
    }};
}

/// The binary, started with `args` (and `--port 0`, in the crate's folder), its base URL and
/// every line it writes to stderr after the banner, as they come.
pub struct Spawned {
    pub child: std::process::Child,
    pub base: String,
    pub lines: std::sync::mpsc::Receiver<String>,
}

impl Spawned {
    pub fn start(args: &[&str]) -> Spawned {
        Spawned::start_with_env(args, &[])
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Spawned {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_specmock"))
            .args(args)
            .args(["--port", "0"])
            .envs(env.iter().copied())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
        let mut banner = Vec::new();
        let base = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("the server stopped before listening:\n{}", banner.join("\n")))
                .expect("stderr is text");
            if let Some(url) = line.strip_prefix("specmock listening on ") {
                break url.trim().to_string();
            }
            banner.push(line);
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Spawned { child, base, lines: rx }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The next stderr line containing `needle` (within `within`), or a panic naming what came.
    pub fn line_with(&self, needle: &str, within: std::time::Duration) -> String {
        let deadline = std::time::Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => panic!("no line with {needle:?} within {within:?}; the server wrote:\n{}", seen.join("\n")),
            }
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh folder under target/ for files a test writes.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Runs the binary as a user would, from the project folder: (exit code, stdout, stderr).
pub fn specmock(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes a document for one test binary (`test` names its folder) into the temp
/// directory; returns its path.
pub fn spec_file(test: &str, name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("specmock-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
