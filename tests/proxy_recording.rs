//! `specmock proxy` in front of a server that accepts anything: it is blamed for what it should
//! have refused; `--record` writes fixtures that `specmock validate` judges the same way, and no
//! credential is ever written down or reported.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::path::PathBuf;

use common::{Answer, client, proxy_violations, scratch, start, start_proxy};
use serde_json::{Value, json};

#[tokio::test]
async fn recorded_exchanges_are_fixtures_validate_reads() {
    let dir = scratch("specmock-record");
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

#[tokio::test]
async fn validate_reaches_the_proxys_verdict_on_the_same_exchanges() {
    let dir = scratch("specmock-same-verdict");
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
        assert_eq!(rules(&proxy_violations(answer)), offline, "{}", result["source"]);
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
    let dir = scratch("specmock-redact");
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
    let dir = scratch("specmock-redact-keys");
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

#[test]
fn validate_redacts_the_credentials_of_recordings_in_every_report() {
    let dir = scratch("specmock-validate-secrets");
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

/// An upstream that accepts everything: 200, a session cookie and a valid Clerk organization,
/// whatever is sent.
async fn start_lax_upstream() -> String {
    let body = json!({"object": "organization", "id": "org_21Ufcy98STcA11s3QckIwtwHIES", "name": "Acme Inc",
                      "created_at": 1638000669544i64, "updated_at": 1638000669544i64})
    .to_string();
    let cookie = ("set-cookie", "__session=s3cr3t-cookie; Path=/; HttpOnly");
    common::upstream(move |_| (body.clone(), vec![cookie])).await
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
    assert_eq!(rules(&proxy_violations(&answers[0])), Vec::<String>::new());
    assert_eq!(rules(&proxy_violations(&answers[1])), ["invalid-request-rejected", "request-valid"]);
    let anonymous = proxy_violations(&answers[2]);
    assert_eq!(rules(&anonymous), ["auth-enforced"], "{anonymous:?}");
    drop(proxy);
}
