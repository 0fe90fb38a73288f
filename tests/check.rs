//! `specmock check` against a server with one contract bug of each kind, and against
//! specmock's own mock of each built-in style (which must pass).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Command;
use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};

/// A server that breaks the contract of tests/data/contract.yaml once per operation.
async fn buggy(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let path = parts.uri.path().to_string();
    let json_answer = |status: u16, value: Value| {
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(value.to_string())))
            .unwrap()
    };
    let documented = [
        "/healthy",
        "/status-bug",
        "/type-bug",
        "/required-bug",
        "/pattern-bug",
        "/content-type-bug",
        "/auth-bug",
        "/crash-bug",
        "/allow-bug",
    ];
    if !documented.contains(&path.as_str()) {
        return Ok(json_answer(404, json!({"error": "not found"})));
    }
    let expected_method = if path == "/crash-bug" { "POST" } else { "GET" };
    if parts.method.as_str() != expected_method {
        let mut r = json_answer(405, json!({"error": "method not allowed"}));
        if path != "/allow-bug" {
            r.headers_mut().insert("allow", expected_method.parse().unwrap());
        }
        return Ok(r);
    }
    let authorized =
        parts.headers.get("authorization").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Bearer "));
    if !authorized && path != "/auth-bug" {
        return Ok(json_answer(401, json!({"error": "unauthorized"})));
    }
    let org = json!({"id": "org_abc", "name": "Acme", "count": 3});
    Ok(match path.as_str() {
        "/status-bug" => json_answer(418, org),
        "/type-bug" => json_answer(200, json!({"id": "org_abc", "name": "Acme", "count": "three"})),
        "/required-bug" => json_answer(200, json!({"id": "org_abc", "count": 3})),
        "/pattern-bug" => json_answer(200, json!({"id": "ACME-1", "name": "Acme", "count": 3})),
        "/content-type-bug" => Response::builder()
            .status(200)
            .header("content-type", "text/html")
            .body(Full::new(Bytes::from_static(b"<h1>Acme</h1>")))
            .unwrap(),
        "/crash-bug" => match serde_json::from_slice::<Value>(&body) {
            Ok(v) if v.get("name").and_then(Value::as_str).is_some_and(|n| !n.is_empty()) => json_answer(200, org),
            _ => json_answer(500, json!({"error": "NullPointerException"})),
        },
        _ => json_answer(200, org),
    })
}

async fn start_buggy() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service_fn(buggy))
                    .await;
            });
        }
    });
    addr
}

/// Runs the `check` command in a blocking thread; returns (exit code, stdout, JSON report).
async fn check(spec: &str, base_url: String, extra: &[&str]) -> (i32, String, Value) {
    let report = std::env::temp_dir().join(format!("specmock-check-{}-{}.json", std::process::id(), rand_suffix()));
    let mut args: Vec<String> = vec!["check".into(), "--spec".into(), spec.into(), "--base-url".into(), base_url];
    args.extend(["--report".to_string(), format!("json={}", report.display())]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_specmock"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let json: Value = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("no report; stderr: {}", String::from_utf8_lossy(&output.stderr)));
    let _ = std::fs::remove_file(report);
    (output.status.code().unwrap_or(-1), stdout, json)
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_of_contract_bug_is_reported_with_its_rule() {
    let addr = start_buggy().await;
    let started = Instant::now();
    let (code, stdout, report) =
        check(&common::data("contract.yaml"), format!("http://{addr}"), &["--auth", "Bearer t"]).await;
    eprintln!("check took {:?}", started.elapsed());
    assert_eq!(code, 1, "{stdout}");

    let mut rules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for result in report["results"].as_array().unwrap() {
        for finding in result["findings"].as_array().unwrap() {
            let operation = result["operation"].as_str().unwrap().to_string();
            rules.entry(operation).or_default().insert(finding["rule"].as_str().unwrap().to_string());
        }
        if !result["findings"].as_array().unwrap().is_empty() {
            assert!(result["curl"].as_str().unwrap().starts_with("curl -i -X "), "{result}");
        }
    }
    let expected: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("statusBug", &["status-documented"][..]),
        ("typeBug", &["body-schema"][..]),
        ("requiredBug", &["body-schema"][..]),
        ("patternBug", &["body-schema"][..]),
        ("contentTypeBug", &["content-type-documented"][..]),
        ("authBug", &["auth-enforced"][..]),
        ("crashBug", &["no-server-error", "status-documented"][..]),
        ("/allow-bug (any method)", &["method-not-allowed"][..]),
    ]);
    for (operation, wanted) in &expected {
        let found: Vec<&str> =
            rules.get(*operation).map(|s| s.iter().map(String::as_str).collect()).unwrap_or_default();
        assert_eq!(found, *wanted, "{operation}: {stdout}");
    }
    assert!(!rules.contains_key("healthy"), "the correct operation is not blamed: {stdout}");
    assert_eq!(rules.len(), expected.len(), "nothing else is reported: {rules:?}");

    // The human report names the operation, the rule, the pointer and a curl command.
    assert!(stdout.contains("typeBug"));
    assert!(stdout.contains("body-schema: body/count #/count: count must be an integer, not a string"), "{stdout}");
    assert!(stdout.contains("body-schema: body/id #/id: id must match the pattern"), "{stdout}");
    assert!(stdout.contains("reproduce: curl -i -X POST"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mock_of_every_builtin_style_passes_its_own_check() {
    for style in ["scalekit", "straddle", "clerk", "zitadel"] {
        let server = common::start(&[style], |b| b).await;
        let started = Instant::now();
        let (code, stdout, report) = check(style, server.base.clone(), &["--auth", "Bearer t"]).await;
        eprintln!("{style}: {} requests in {:?}", report["summary"]["exchanges"], started.elapsed());
        assert_eq!(code, 0, "{style}:\n{stdout}");
        assert_eq!(report["summary"]["violations"], 0);
        assert!(report["summary"]["exchanges"].as_u64().unwrap() >= 10, "{style}: {}", report["summary"]);
        // The valid requests' ids (boundary and random cases probe other text on purpose).
        for result in report["results"].as_array().unwrap().iter().filter(|r| r["probe"].is_null()) {
            let path = result["path"].as_str().unwrap();
            assert!(!path.contains("%20"), "{style}: ids look like ids, without spaces: {path}");
        }
        if style == "clerk" {
            assert!(stdout.contains("over 5 operations (and 2 paths' undocumented methods)"), "{stdout}");
        }
        if style == "zitadel" {
            // GetMyOrg and friends require x-zitadel-orgid: leaving it out must be refused.
            let cases: Vec<&str> =
                report["results"].as_array().unwrap().iter().map(|r| r["case"].as_str().unwrap()).collect();
            assert!(cases.contains(&"missing required header x-zitadel-orgid"), "{cases:?}");
        }
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_and_limits_shape_the_run() {
    let server = common::start(&["clerk"], |b| b).await;
    let (code, _, report) =
        check("clerk", server.base.clone(), &["--auth", "Bearer t", "--operation", "createOrganization"]).await;
    assert_eq!(code, 0);
    let operations: BTreeSet<String> =
        report["results"].as_array().unwrap().iter().map(|r| r["operation"].as_str().unwrap().to_string()).collect();
    assert!(operations.iter().all(|o| o == "createOrganization" || o.ends_with("(any method)")), "{operations:?}");

    let (_, _, report) = check("clerk", server.base.clone(), &["--auth", "Bearer t", "--max-requests", "3"]).await;
    assert_eq!(report["summary"]["exchanges"], 3);

    let (code, _, _) = check_expect_error("clerk", "not-a-url", &[]).await;
    assert_eq!(code, 2);
    // Zero requests, or zero in flight, is a usage error, not an empty pass.
    for (flag, needle) in [("--max-requests", "--max-requests"), ("--concurrency", "--concurrency")] {
        let (code, stdout, stderr) = check_expect_error("clerk", &server.base, &[flag, "0"]).await;
        assert_eq!(code, 2, "{flag} 0: {stdout}");
        assert!(stderr.contains(needle), "{stderr}");
    }
    server.stop().await;
}

async fn check_expect_error(spec: &str, base_url: &str, extra: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["check", "--spec", spec, "--base-url", base_url])
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_is_not_there_is_one_message_and_exit_2() {
    // A port nobody listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let (code, stdout, stderr) = check_expect_error("clerk", &url, &["--timeout", "2"]).await;
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
    assert!(stderr.starts_with(&format!("error: cannot reach {url}: ")), "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
}

/// Writes a document for one test into the temp directory; returns its path.
fn spec_file(name: &str, text: &str) -> String {
    common::spec_file("check-specs", name, text)
}

const ONLY_QUERY_PARAMETER: &str = r#"
openapi: 3.1.0
info: {title: qp, version: "1"}
paths:
  /a:
    get:
      operationId: a
      parameters:
        - {name: limit, in: query, required: true, schema: {type: integer}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        '400': {description: bad, content: {application/problem+json: {schema: {type: object}}}}
  /b:
    get:
      operationId: b
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
        - {name: limit, in: query, required: true, schema: {type: integer}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        '400': {description: bad, content: {application/problem+json: {schema: {type: object}}}}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_only_query_parameter_is_still_a_query_parameter() {
    let spec = spec_file("qp.yaml", ONLY_QUERY_PARAMETER);
    let server = common::start(&[&spec], |b| b).await;
    let (code, stdout, report) = check(&spec, server.base.clone(), &[]).await;
    assert_eq!(code, 0, "{stdout}");
    let paths: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["case"].as_str().unwrap().starts_with("invalid query parameter"))
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, "{stdout}");
    assert!(paths.contains(&"/a?limit=not-a-number"), "{paths:?}");
    assert!(paths.iter().all(|p| p.matches('?').count() == 1 && p.matches("limit=").count() == 1), "{paths:?}");
    server.stop().await;
}

const REQUIRED_HEADER: &str = r#"
openapi: 3.1.0
info: {title: hdr, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: X-Tenant, in: header, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}, example: {}}}}
        '400': {description: bad, content: {application/problem+json: {schema: {type: object}}}}
"#;

/// Answers 200 to anything: it never looks at X-Tenant.
async fn start_header_blind() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let service = service_fn(|request: Request<Incoming>| async move {
                let status = if request.method() == http::Method::GET { 200 } else { 405 };
                let mut answer = Response::builder().status(status).header("content-type", "application/json");
                if status == 405 {
                    answer = answer.header("allow", "GET");
                }
                Ok::<_, Infallible>(answer.body(Full::new(Bytes::from_static(b"{}"))).unwrap())
            });
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread")]
async fn a_required_header_left_out_must_be_refused() {
    let spec = spec_file("hdr.yaml", REQUIRED_HEADER);
    let server = common::start(&[&spec], |b| b).await;
    let (code, stdout, report) = check(&spec, server.base.clone(), &[]).await;
    assert_eq!(code, 0, "the mock refuses it: {stdout}");
    let case = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["case"] == "missing required header X-Tenant")
        .unwrap_or_else(|| panic!("no such case: {stdout}"));
    assert_eq!(case["status"], 400);
    assert!(!case["curl"].as_str().unwrap().contains("X-Tenant"), "{case}");
    server.stop().await;

    let blind = start_header_blind().await;
    let (code, stdout, _) = check(&spec, format!("http://{blind}"), &[]).await;
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("invalid-request-rejected: response: accepted an invalid request with 200 (missing required header X-Tenant)"), "{stdout}");
    assert!(stdout.contains("over 1 operation (and 1 path's undocumented methods)"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_given_on_the_command_line_reach_no_report() {
    let addr = start_buggy().await;
    let dir = std::env::temp_dir().join(format!("specmock-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json, junit) = (dir.join("r.json"), dir.join("r.xml"));
    let secrets = ["sk_live_TOKEN_123", "sk_live_SECRET_456"];
    let run = |reports: Vec<String>| {
        let mut args: Vec<String> =
            ["check", "--spec", &common::data("contract.yaml"), "--base-url"].iter().map(|s| s.to_string()).collect();
        args.extend([format!("http://{addr}"), "--auth".into(), format!("Bearer {}", secrets[0])]);
        args.extend(["--header".into(), format!("X-API-Key: {}", secrets[1])]);
        for report in reports {
            args.extend(["--report".into(), report]);
        }
        std::thread::spawn(move || Command::new(env!("CARGO_BIN_EXE_specmock")).args(&args).output().unwrap())
    };
    let files = run(vec![format!("json={}", json.display()), format!("junit={}", junit.display())]);
    let output = tokio::task::spawn_blocking(move || files.join().unwrap()).await.unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let on_stdout = run(vec!["junit=-".into()]);
    let xml_output = tokio::task::spawn_blocking(move || on_stdout.join().unwrap()).await.unwrap();
    let texts = [
        ("console", stdout.clone()),
        ("stderr", String::from_utf8_lossy(&output.stderr).into_owned()),
        ("JSON report", std::fs::read_to_string(&json).unwrap()),
        ("JUnit report", std::fs::read_to_string(&junit).unwrap()),
        ("JUnit on stdout", String::from_utf8_lossy(&xml_output.stdout).into_owned()),
        ("console on stderr", String::from_utf8_lossy(&xml_output.stderr).into_owned()),
    ];
    for (kind, text) in &texts {
        assert!(!text.is_empty(), "{kind} is empty");
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} is in the {kind}:\n{text}");
        }
    }
    // The reproducers stay runnable: the secrets are environment variables.
    assert!(stdout.contains(r#"-H "Authorization: $SPECMOCK_AUTH""#), "{stdout}");
    assert!(stdout.contains(r#"-H "X-API-Key: $SPECMOCK_HEADER_X_API_KEY""#), "{stdout}");
    assert!(stdout.contains("The reproducers read $SPECMOCK_AUTH (--auth), $SPECMOCK_HEADER_X_API_KEY"), "{stdout}");
    assert!(texts[4].1.starts_with("<?xml"), "the JUnit report is all of stdout: {}", texts[4].1);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_and_pass_are_coloured_on_a_terminal_unless_no_color() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed, no terminal to run the check on");
        return;
    }
    let addr = start_buggy().await;
    let command = format!(
        "{} check --spec {} --base-url http://{addr} --auth 'Bearer t' --no-stateful",
        env!("CARGO_BIN_EXE_specmock"),
        common::data("contract.yaml")
    );
    let run = move |no_color: Option<&'static str>| {
        let command = command.clone();
        std::thread::spawn(move || {
            let mut script = Command::new("script");
            script.args(["-qec", &command, "/dev/null"]).env_remove("NO_COLOR");
            if let Some(value) = no_color {
                script.env("NO_COLOR", value);
            }
            String::from_utf8_lossy(&script.output().unwrap().stdout).into_owned()
        })
    };
    let (colored, plain) = (run(None), run(Some("1")));
    let (colored, plain) =
        tokio::task::spawn_blocking(move || (colored.join().unwrap(), plain.join().unwrap())).await.unwrap();
    assert!(colored.contains("\x1b[31mFAIL\x1b[0m"), "{colored}");
    // The progress bar still moves the cursor; no colour is set.
    assert!(plain.contains("FAIL") && !plain.contains("\x1b[3"), "{plain}");
}
