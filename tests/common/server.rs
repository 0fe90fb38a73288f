//! A mock on an ephemeral port (through the public [`specmock::MockServer`]), a real HTTP
//! client, and [`specmock::Contract`] to check that every answer conforms to its document.
//! Shared by the integration tests and the crate's own tests of its model (src/tests/).

use std::net::SocketAddr;
use std::path::PathBuf;

use bytes::Bytes;
use http::HeaderMap;
use specmock::{Contract, Finding, MockServer, MockServerBuilder, Rule};

pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    /// The server's own documents, to judge its answers against.
    contract: Contract,
    server: MockServer,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(self) {
        let _ = self.server.shutdown().await;
    }
}

/// Starts a mock of `specs` (built-in names or files; none: the four built-ins, as
/// `specmock serve` does) on 127.0.0.1:0, with the options `configure` sets.
pub async fn start(specs: &[&str], configure: impl FnOnce(MockServerBuilder) -> MockServerBuilder) -> TestServer {
    const BUILTINS: [&str; 4] = ["scalekit", "straddle", "clerk", "zitadel"];
    let specs: Vec<&str> = if specs.is_empty() { BUILTINS.to_vec() } else { specs.to_vec() };
    let mut builder = MockServer::builder(specs[0]);
    for spec in &specs[1..] {
        builder = builder.and(*spec);
    }
    let server = configure(builder).start().await.expect("the mock starts");
    let contract = server.contract().expect("the server's documents judge");
    TestServer { addr: server.addr(), base: server.url(), contract, server }
}

/// A stateful sandbox of `specs`, with the options `configure` sets.
pub async fn start_stateful(
    specs: &[&str],
    configure: impl FnOnce(MockServerBuilder) -> MockServerBuilder,
) -> TestServer {
    start(specs, |b| configure(b.stateful())).await
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

/// A JSON POST (`auth` as the Authorization header, `headers` besides), read whole.
pub async fn post(server: &TestServer, path: &str, auth: Option<&str>, body: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = client().post(server.url(path)).header("Content-Type", "application/json").body(body.to_string());
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    Answer::of(request).await
}

/// Where an answer of the mock departs from the document it came from (a documented 5xx is
/// the mock doing its job, not a failure of the server).
pub fn violations(server: &TestServer, method: &str, path: &str, answer: &Answer) -> Vec<Finding> {
    let method: http::Method = method.parse().expect("method");
    let mut response = http::Response::new(answer.body.clone());
    *response.status_mut() = http::StatusCode::from_u16(answer.status).expect("a status");
    *response.headers_mut() = answer.headers.clone();
    let verdict = server.contract.judge_response(&method, path, &response);
    verdict.findings.into_iter().filter(|f| f.rule != Rule::NoServerError).collect()
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
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}
