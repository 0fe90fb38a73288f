//! Shared test plumbing: the mock in process (server.rs, shared with src/tests/), and the
//! binary run as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it
#![allow(dead_code)]

mod server;

use std::path::PathBuf;

#[allow(unused_imports)] // not every test binary uses the in-process server
pub use server::*;

/// A sandbox that remembers idempotency keys for an hour (longer than any test).
pub fn memory(sandbox: specmock::MockServerBuilder) -> specmock::MockServerBuilder {
    sandbox.idempotency_ttl(std::time::Duration::from_secs(3600))
}

/// A request with the sandbox tests' token; the answer must conform to the document it
/// serves (whatever it is).
pub async fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = client().request(method.parse().unwrap(), server.url(path)).header("Authorization", "Bearer t");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = Answer::of(request).await;
    let route_path = path.split('?').next().unwrap();
    assert_conforms(server, method, route_path, &answer);
    answer
}

/// Where the proxy says who answered: the upstream, or the proxy itself (--strict).
pub const ANSWERED_BY_HEADER: &str = "specmock-answered-by";
/// The verdict on each exchange, as JSON.
pub const VIOLATIONS_HEADER: &str = "specmock-violations";

/// `specmock proxy`, as a user starts it; stopped when dropped.
pub struct RunningProxy {
    pub base: String,
    child: std::process::Child,
}

impl Drop for RunningProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn start_proxy(spec: &str, upstream: &str, strict: bool, record: Option<std::path::PathBuf>) -> RunningProxy {
    let mut args = vec!["proxy", "--spec", spec, "--upstream", upstream, "--port", "0", "--timeout", "5"];
    if strict {
        args.push("--strict");
    }
    let record = record.map(|dir| dir.display().to_string());
    if let Some(dir) = &record {
        args.extend(["--record", dir]);
    }
    let (child, listening, lines) = launch(&args, &[], "specmock proxy listening on ");
    std::thread::spawn(move || for _ in lines {});
    let base = listening.split(',').next().unwrap_or(&listening).trim().to_string();
    RunningProxy { base, child }
}

/// A stand-in upstream on 127.0.0.1:0: every request is answered 200 with the JSON body and
/// the headers `answer` gives for its URI. Returns its base URL; it serves until the test's
/// runtime ends.
pub async fn upstream<F>(answer: F) -> String
where
    F: Fn(&http::Uri) -> (String, Vec<(&'static str, &'static str)>) + Clone + Send + Sync + 'static,
{
    use http_body_util::Full;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let answer = answer.clone();
            let service = hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let (body, headers) = answer(request.uri());
                let mut response = http::Response::new(Full::new(bytes::Bytes::from(body)));
                response.headers_mut().insert("content-type", "application/json".parse().unwrap());
                for (name, value) in headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                async move { Ok::<_, std::convert::Infallible>(response) }
            });
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    base
}

pub fn proxy_violations(answer: &Answer) -> Vec<serde_json::Value> {
    let header = answer.header(VIOLATIONS_HEADER).expect("the verdict header is always there");
    serde_json::from_str::<Vec<serde_json::Value>>(header).unwrap()
}

/// Redactions for values that change from run to run.
#[macro_export]
macro_rules! redacted_json_snapshot {
    ($name:expr, $value:expr) => {{
        let settings = $crate::common::snapshot_settings();
        settings.bind(|| {
            insta::assert_json_snapshot!($name, $value, {
                ".**.api_request_id" => "[request-id]",
                ".**.api_request_timestamp" => "[timestamp]",
                ".**.clerk_trace_id" => "[trace-id]",
            });
        });
    }};
}

/// Starts the binary (`specmock ARGS --port 0 --quiet`, in the crate's folder) and returns it
/// with its base URL, read from its banner. The rest of stderr is drained, so the child
/// never meets a full or closed pipe.
pub fn spawn_specmock(args: &[&str]) -> (std::process::Child, String) {
    let args: Vec<&str> = args.iter().copied().chain(["--port", "0", "--quiet"]).collect();
    let (child, base, lines) = launch(&args, &[], "specmock listening on ");
    std::thread::spawn(move || for _ in lines {});
    (child, base.trim().to_string())
}

/// Stderr's lines, as they come.
type StderrLines = std::io::Lines<std::io::BufReader<std::process::ChildStderr>>;

/// Starts the binary with `args` and `env`, in the crate's folder, and reads its stderr up to
/// the line starting with `banner`: the child, the rest of that line, and the lines after it
/// (the caller must keep reading them, or the child meets a full pipe).
fn launch(args: &[&str], env: &[(&str, &str)], banner: &str) -> (std::process::Child, String, StderrLines) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
    let mut before = Vec::new();
    let rest = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("specmock stopped before saying {banner:?}:\n{}", before.join("\n")))
            .expect("stderr is text");
        if let Some(rest) = line.strip_prefix(banner) {
            break rest.to_string();
        }
        before.push(line);
    };
    (child, rest, lines)
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
        let args: Vec<&str> = args.iter().copied().chain(["--port", "0"]).collect();
        let (child, base, lines) = launch(&args, env, "specmock listening on ");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Spawned { child, base: base.trim().to_string(), lines: rx }
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
