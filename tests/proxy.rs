//! `specmock proxy`: forwards, judges both directions, reports in a header, refuses invalid
//! requests itself with --strict, sends the upstream's base path once. (Blame, recording and
//! redaction: proxy_recording.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::{ANSWERED_BY_HEADER, Answer, client, proxy_violations, start, start_proxy};
use serde_json::json;

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
    assert!(proxy_violations(&ok).is_empty());

    // An invalid request is forwarded (not strict); the header names what was wrong with it.
    let bad = Answer::of(
        client()
            .post(format!("{}/v1/organizations", proxy.base))
            .header("Authorization", "Bearer t")
            .json(&serde_json::json!({"name": 7})),
    )
    .await;
    assert_eq!(bad.status, 422, "the upstream answered");
    let found = proxy_violations(&bad);
    assert!(found.iter().any(|v| v["rule"] == "request-valid" && v["location"] == "request/body/name"), "{found:?}");
    assert!(
        !found.iter().any(|v| v["rule"] == "invalid-request-rejected"),
        "the upstream rightly refused the request; it is not blamed: {found:?}"
    );
    assert_eq!(bad.header(ANSWERED_BY_HEADER), Some("upstream"));

    // Undocumented paths are forwarded and flagged.
    let unknown = Answer::of(client().get(format!("{}/v2/whatever", proxy.base))).await;
    assert!(proxy_violations(&unknown).iter().any(|v| v["rule"] == "operation-documented"));
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
    let found = proxy_violations(&answer);
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
        let found = proxy_violations(answer);
        assert!(!found.is_empty() && found.iter().all(|v| v["rule"] == "request-valid"), "{found:?}");
    }
    assert!(proxy_violations(&invalid).iter().any(|v| v["location"] == "request/body/name"));
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
    assert!(proxy_violations(&valid).is_empty(), "the request was fine");
    drop(proxy);
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
    common::upstream(|uri| (json!({"path": uri.to_string()}).to_string(), Vec::new())).await
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
        assert!(proxy_violations(&answer).is_empty(), "{sent} is listPets: {:?}", proxy_violations(&answer));
    }
    // A path that only starts like the base path is not the base path.
    let answer = Answer::of(client().get(format!("{}/v2pets", proxy.base))).await;
    assert_eq!(answer.json()["path"], "/v2/v2pets");
    drop(proxy);
    let _ = std::fs::remove_dir_all(dir);
}
