//! `specmock proxy`: forwards, judges both directions, reports in a header, refuses invalid
//! requests itself with --strict, records fixtures that `validate` reads.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::path::PathBuf;

use common::{Answer, client, start};
use serde_json::{Value, json};
/// Where the proxy says who answered: the upstream, or the proxy itself (--strict).
const ANSWERED_BY_HEADER: &str = "specmock-answered-by";
/// The verdict on each exchange, as JSON.
const VIOLATIONS_HEADER: &str = "specmock-violations";

/// `specmock proxy`, as a user starts it; stopped when dropped.
struct RunningProxy {
    base: String,
    child: std::process::Child,
}

impl Drop for RunningProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_proxy(spec: &str, upstream: &str, strict: bool, record: Option<PathBuf>) -> RunningProxy {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut args = vec!["proxy", "--spec", spec, "--upstream", upstream, "--port", "0", "--timeout", "5"];
    if strict {
        args.push("--strict");
    }
    let record = record.map(|dir| dir.display().to_string());
    if let Some(dir) = &record {
        args.extend(["--record", dir]);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
    let base = loop {
        let line = lines.next().expect("the proxy prints where it listens").expect("stderr is text");
        if let Some(rest) = line.strip_prefix("specmock proxy listening on ") {
            break rest.split(',').next().unwrap_or(rest).trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    RunningProxy { base, child }
}

fn violations(answer: &Answer) -> Vec<Value> {
    let header = answer.header(VIOLATIONS_HEADER).expect("the verdict header is always there");
    serde_json::from_str::<Vec<Value>>(header).unwrap()
}

#[tokio::test]
async fn forwards_and_reports_violations_in_a_header() {
    // Upstream: the Clerk mock; the proxy judges against the same document.
    let upstream = start(&["clerk"], |b| b).await;
    let proxy = start_proxy("clerk", &upstream.base, false, None).await;

    let ok = Answer::of(
        client()
            .post(format!("{}/v1/organizations", proxy.base))
            .header("Authorization", "Bearer t")
            .json(&serde_json::json!({"name": "Acme"})),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["object"], "organization", "the upstream's answer is passed through");
    assert!(violations(&ok).is_empty());

    // An invalid request is forwarded (not strict); the header names what was wrong with it.
    let bad = Answer::of(
        client()
            .post(format!("{}/v1/organizations", proxy.base))
            .header("Authorization", "Bearer t")
            .json(&serde_json::json!({"name": 7})),
    )
    .await;
    assert_eq!(bad.status, 422, "the upstream answered");
    let found = violations(&bad);
    assert!(found.iter().any(|v| v["rule"] == "request-valid" && v["location"] == "request/body/name"), "{found:?}");
    assert!(
        !found.iter().any(|v| v["rule"] == "invalid-request-rejected"),
        "the upstream rightly refused the request; it is not blamed: {found:?}"
    );
    assert_eq!(bad.header(ANSWERED_BY_HEADER), Some("upstream"));

    // Undocumented paths are forwarded and flagged.
    let unknown = Answer::of(client().get(format!("{}/v2/whatever", proxy.base))).await;
    assert!(violations(&unknown).iter().any(|v| v["rule"] == "operation-documented"));
    drop(proxy);
    upstream.stop().await;
}

#[tokio::test]
async fn response_violations_of_the_upstream_are_reported() {
    // The upstream answers {"which": "me"}; the document the proxy holds it to wants an id.
    let upstream = start(&[&common::data("routing.yaml")], |b| b).await;
    let proxy = start_proxy(&common::data("routing-strict.yaml"), &upstream.base, false, None).await;
    let answer = Answer::of(client().get(format!("{}/orgs/me", proxy.base))).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["which"], "me", "passed through unchanged");
    let found = violations(&answer);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["rule"], "body-schema");
    assert_eq!(found[0]["message"], "id is required");
    drop(proxy);
    upstream.stop().await;
}

#[tokio::test]
async fn strict_mode_answers_invalid_requests_itself() {
    // An upstream that must never be reached: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let proxy = start_proxy("clerk", &format!("http://127.0.0.1:{port}"), true, None).await;
    let anonymous =
        Answer::of(client().post(format!("{}/v1/organizations", proxy.base)).json(&serde_json::json!({"name": "A"})))
            .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["errors"][0]["code"], "authentication_invalid");
    let invalid = Answer::of(
        client()
            .post(format!("{}/v1/organizations", proxy.base))
            .header("Authorization", "Bearer t")
            .json(&serde_json::json!({})),
    )
    .await;
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.json()["errors"][0]["code"], "form_param_nil");
    let forbidden = Answer::of(
        client()
            .post(format!("{}/v1/organizations", proxy.base))
            .header("Authorization", "Bearer forbidden")
            .json(&serde_json::json!({"name": "A"})),
    )
    .await;
    assert_eq!(forbidden.status, 403);
    // The proxy's own answers say so, and list what was wrong with the request.
    for answer in [&anonymous, &invalid, &forbidden] {
        assert_eq!(answer.header(ANSWERED_BY_HEADER), Some("proxy"));
        let found = violations(answer);
        assert!(!found.is_empty() && found.iter().all(|v| v["rule"] == "request-valid"), "{found:?}");
    }
    assert!(violations(&invalid).iter().any(|v| v["location"] == "request/body/name"));
    // A valid request is forwarded: here the upstream is down, which is a 502.
    let valid = Answer::of(
        client()
            .post(format!("{}/v1/organizations", proxy.base))
            .header("Authorization", "Bearer t")
            .json(&serde_json::json!({"name": "A"})),
    )
    .await;
    assert_eq!(valid.status, 502);
    assert_eq!(valid.header(ANSWERED_BY_HEADER), Some("proxy"));
    assert!(violations(&valid).is_empty(), "the request was fine");
    drop(proxy);
}

#[tokio::test]
async fn recorded_exchanges_are_fixtures_validate_reads() {
    let dir = std::env::temp_dir().join(format!("specmock-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let upstream = start(&["zitadel"], |b| b).await;
    let proxy = start_proxy("zitadel", &upstream.base, false, Some(dir.clone())).await;
    for body in [r#"{"name":"Customer A"}"#, r#"{"name":""}"#] {
        client()
            .post(format!("{}/management/v1/orgs", proxy.base))
            .header("Authorization", "Bearer t")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
    }
    let files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 2, "{files:?}");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["validate", "--spec", "zitadel", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The mock's answers conform; the blank name is the client's mistake, and is reported as one.
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("2 exchanges"), "{stdout}");
    assert!(stdout.contains("1 passed, 1 failed (1 error, 0 warnings)"), "{stdout}");
    assert!(stdout.contains("request-valid: request/body/name"), "{stdout}");
    drop(proxy);
    upstream.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// An upstream that accepts everything: 200, a session cookie and a valid Clerk organization,
/// whatever is sent.
async fn start_lax_upstream() -> String {
    use http_body_util::Full;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let body = json!({"object": "organization", "id": "org_21Ufcy98STcA11s3QckIwtwHIES", "name": "Acme Inc",
                      "created_at": 1638000669544i64, "updated_at": 1638000669544i64})
    .to_string();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let body = body.clone();
            let service = hyper::service::service_fn(move |_request: http::Request<hyper::body::Incoming>| {
                let body = body.clone();
                async move {
                    let mut answer = http::Response::new(Full::new(bytes::Bytes::from(body)));
                    answer.headers_mut().insert("content-type", "application/json".parse().unwrap());
                    answer
                        .headers_mut()
                        .insert("set-cookie", "__session=s3cr3t-cookie; Path=/; HttpOnly".parse().unwrap());
                    Ok::<_, std::convert::Infallible>(answer)
                }
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

fn rules(found: &[Value]) -> Vec<String> {
    let mut rules: Vec<String> = found.iter().map(|v| v["rule"].as_str().unwrap().to_string()).collect();
    rules.sort();
    rules.dedup();
    rules
}

/// Requests a lax server wrongly accepts: valid, invalid body, no credentials.
async fn send_to_lax(proxy: &str) -> Vec<Answer> {
    let post = |auth: bool, body: Value| {
        let mut request = client().post(format!("{proxy}/v1/organizations")).json(&body);
        if auth {
            request = request.header("Authorization", "Bearer t");
        }
        async move { Answer::of(request).await }
    };
    vec![
        post(true, json!({"name": "Acme"})).await,
        post(true, json!({"name": 5})).await,
        post(false, json!({"name": "A"})).await,
    ]
}

#[tokio::test]
async fn a_server_that_accepts_invalid_or_anonymous_requests_is_blamed() {
    let upstream = start_lax_upstream().await;
    let proxy = start_proxy("clerk", &upstream, false, None).await;
    let answers = send_to_lax(&proxy.base).await;
    assert!(answers.iter().all(|a| a.status == 200));
    assert_eq!(rules(&violations(&answers[0])), Vec::<String>::new());
    assert_eq!(rules(&violations(&answers[1])), ["invalid-request-rejected", "request-valid"]);
    let anonymous = violations(&answers[2]);
    assert_eq!(rules(&anonymous), ["auth-enforced"], "{anonymous:?}");
    drop(proxy);
}

#[tokio::test]
async fn validate_reaches_the_proxys_verdict_on_the_same_exchanges() {
    let dir = std::env::temp_dir().join(format!("specmock-same-verdict-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let upstream = start_lax_upstream().await;
    let proxy = start_proxy("clerk", &upstream, false, Some(dir.clone())).await;
    let answers = send_to_lax(&proxy.base).await;
    let report = dir.join("report.json");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["validate", "--spec", "clerk", dir.to_str().unwrap(), "--report"])
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), answers.len());
    for (answer, result) in answers.iter().zip(results) {
        let offline = rules(result["findings"].as_array().unwrap());
        assert_eq!(rules(&violations(answer)), offline, "{}", result["source"]);
    }
    drop(proxy);
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs `validate` on a directory; returns (exit code, stdout).
fn validate(spec: &str, dir: &std::path::Path) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["validate", "--spec", spec, dir.to_str().unwrap()])
        .output()
        .unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
}

fn recorded_text(dir: &std::path::Path) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn recordings_keep_credentials_out_but_show_they_were_sent() {
    let dir = std::env::temp_dir().join(format!("specmock-redact-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let upstream = start_lax_upstream().await;
    let proxy = start_proxy("clerk", &upstream, false, Some(dir.clone())).await;
    let answer = Answer::of(
        client()
            .post(format!("{}/v1/organizations", proxy.base))
            .header("Authorization", "Bearer sk_live_bearer_secret")
            .header("Proxy-Authorization", "Basic cHJveHk6cHJveHktc2VjcmV0")
            .header("Cookie", "__session=cookie-secret; __client_uat=1700000000")
            .json(&json!({"name": "Acme"})),
    )
    .await;
    assert_eq!(answer.header("set-cookie"), Some("__session=s3cr3t-cookie; Path=/; HttpOnly"), "passed through");
    let text = recorded_text(&dir);
    for secret in ["sk_live_bearer_secret", "cHJveHk6cHJveHktc2VjcmV0", "cookie-secret", "1700000000", "s3cr3t-cookie"]
    {
        assert!(!text.contains(secret), "{secret} was recorded: {text}");
    }
    for kept in [
        r#""authorization": "Bearer [redacted]""#,
        r#""proxy-authorization": "Basic [redacted]""#,
        r#""cookie": "__session=[redacted]; __client_uat=[redacted]""#,
        r#""set-cookie": "__session=[redacted]; Path=/; HttpOnly""#,
    ] {
        assert!(text.contains(kept), "{kept} missing: {text}");
    }
    // Replayed, the redacted token still counts as credentials: no auth-enforced finding.
    let (code, stdout) = validate("clerk", &dir);
    assert_eq!(code, Some(0), "{stdout}");
    drop(proxy);
    let _ = std::fs::remove_dir_all(dir);
}

const API_KEYS: &str = r#"
openapi: 3.1.0
info: {title: keys, version: "1"}
components:
  securitySchemes:
    header: {type: apiKey, in: header, name: X-Api-Key}
    query: {type: apiKey, in: query, name: api_key}
    cookie: {type: apiKey, in: cookie, name: sid}
paths:
  /things:
    get:
      operationId: listThings
      security: [{header: []}, {query: []}, {cookie: []}]
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: theme, in: cookie, schema: {type: string, enum: [dark, light]}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {type: object}, example: {}}}
        '401':
          description: no key
          content: {application/json: {schema: {type: object}, example: {error: unauthorized}}}
"#;

#[tokio::test]
async fn api_keys_of_the_document_are_redacted_wherever_they_are_sent() {
    let dir = std::env::temp_dir().join(format!("specmock-redact-keys-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("keys.yaml");
    std::fs::write(&spec, API_KEYS).unwrap();
    let spec = spec.display().to_string();
    let record = dir.join("recorded");
    let upstream = start(&[&spec], |b| b).await;
    let proxy = start_proxy(&spec, &upstream.base, false, Some(record.clone())).await;
    let get = |query: &str, header: Option<(&'static str, &'static str)>| {
        let mut request = client().get(format!("{}/things{query}", proxy.base));
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        async move { Answer::of(request).await }
    };
    assert_eq!(get("", Some(("X-Api-Key", "header-secret"))).await.status, 200);
    assert_eq!(get("?limit=5&api_key=query-secret", None).await.status, 200);
    assert_eq!(get("", Some(("Cookie", "sid=cookie-secret; theme=dark"))).await.status, 200);
    assert_eq!(get("", None).await.status, 401);
    let text = recorded_text(&record);
    for secret in ["header-secret", "query-secret", "cookie-secret"] {
        assert!(!text.contains(secret), "{secret} was recorded: {text}");
    }
    assert!(text.contains(r#""x-api-key": "[redacted]""#), "{text}");
    assert!(text.contains(r#""path": "/things?limit=5&api_key=%5Bredacted%5D""#), "{text}");
    assert!(text.contains(r#""cookie": "sid=[redacted]; theme=dark""#), "documented cookies are data: {text}");
    let (code, stdout) = validate(&spec, &record);
    assert_eq!(code, Some(0), "{stdout}");
    drop(proxy);
    upstream.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

const PETS: &str = r#"
openapi: 3.1.0
info: {title: pets, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, required: [path], properties: {path: {type: string}}}}}}
"#;

/// Answers every request with the path it arrived at.
async fn start_echo_upstream() -> String {
    use http_body_util::Full;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let service = hyper::service::service_fn(|request: http::Request<hyper::body::Incoming>| async move {
                let body = json!({"path": request.uri().to_string()}).to_string();
                let mut answer = http::Response::new(Full::new(bytes::Bytes::from(body)));
                answer.headers_mut().insert("content-type", "application/json".parse().unwrap());
                Ok::<_, std::convert::Infallible>(answer)
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

#[tokio::test]
async fn the_upstreams_base_path_is_sent_once_whether_or_not_the_client_sends_it() {
    let dir = std::env::temp_dir().join(format!("specmock-base-path-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("pets.yaml");
    std::fs::write(&spec, PETS).unwrap();
    let upstream = start_echo_upstream().await;
    let proxy = start_proxy(spec.to_str().unwrap(), &format!("{upstream}/v2"), false, None).await;
    for sent in ["/pets", "/v2/pets", "/pets?limit=2", "/v2/pets?limit=2"] {
        let answer = Answer::of(client().get(format!("{}{sent}", proxy.base))).await;
        let wanted = if sent.contains('?') { "/v2/pets?limit=2" } else { "/v2/pets" };
        assert_eq!(answer.json()["path"], wanted, "{sent} was forwarded to {}", answer.json()["path"]);
        assert!(violations(&answer).is_empty(), "{sent} is listPets: {:?}", violations(&answer));
    }
    // A path that only starts like the base path is not the base path.
    let answer = Answer::of(client().get(format!("{}/v2pets", proxy.base))).await;
    assert_eq!(answer.json()["path"], "/v2/v2pets");
    drop(proxy);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn validate_redacts_the_credentials_of_recordings_in_every_report() {
    let dir = std::env::temp_dir().join(format!("specmock-validate-secrets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("in")).unwrap();
    // Recorded without redaction (by another tool), with an answer that breaks the document.
    std::fs::write(dir.join("keys.yaml"), API_KEYS).unwrap();
    let fixture = json!({"exchanges": [
        {"request": {"method": "GET", "path": "/things?limit=5&api_key=query_RECORDED_1"},
         "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": []}},
        {"request": {"method": "GET", "path": "/things", "headers": {"x-api-key": "header_RECORDED_2",
                     "authorization": "Bearer sk_live_RECORDED_789", "cookie": "sid=cookie_RECORDED_42"}},
         "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": []}}
    ]});
    std::fs::write(dir.join("in/one.json"), fixture.to_string()).unwrap();
    std::fs::write(dir.join("in/package.json"), r#"{"name": "not a fixture"}"#).unwrap();
    let (json_report, junit_report) = (dir.join("r.json"), dir.join("r.xml"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["validate", "--spec", dir.join("keys.yaml").to_str().unwrap(), dir.join("in").to_str().unwrap()])
        .arg("--report")
        .arg(format!("json={}", json_report.display()))
        .arg("--report")
        .arg(format!("junit={}", junit_report.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // A file in the directory that is not a fixture is passed over, saying so.
    assert!(stderr.contains("package.json: not a fixture"), "{stderr}");
    let texts = [
        String::from_utf8_lossy(&output.stdout).into_owned(),
        std::fs::read_to_string(&json_report).unwrap(),
        std::fs::read_to_string(&junit_report).unwrap(),
    ];
    for text in &texts {
        assert!(text.contains("body-schema"), "{text}");
        assert!(text.contains("api_key=%5Bredacted%5D"), "{text}");
        for secret in ["query_RECORDED_1", "header_RECORDED_2", "sk_live_RECORDED_789", "cookie_RECORDED_42"] {
            assert!(!text.contains(secret), "{secret}: {text}");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
