//! Answers chosen by request content: named examples paired (Microcks-style), rules in the
//! document (`x-specmock-rules`) and in a file (`--rules`), `Prefer` over all of them, and
//! `Prefer: code=` for statuses the operation does not document.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::{Answer, Spawned, client, scratch};
use serde_json::json;

const PETS: &str = "tests/data/devloop/pets.yaml";

#[tokio::test]
async fn a_request_equal_to_a_named_example_gets_the_response_example_of_that_name() {
    let server = Spawned::start(&["serve", PETS, "--quiet"]);
    let login = |body: serde_json::Value| client().post(server.url("/login")).json(&body);
    let wrong = Answer::of(login(json!({"username": "alice", "password": "nope"}))).await;
    assert_eq!((wrong.status, wrong.json()), (401, json!({"error": "invalid_credentials"})));
    // Key order does not matter: the body is compared as JSON.
    let good = Answer::of(login(json!({"password": "secret", "username": "alice"}))).await;
    assert_eq!((good.status, good.json()), (200, json!({"token": "tok_alice"})));
    let other = Answer::of(login(json!({"username": "bob", "password": "x"}))).await;
    assert_eq!((other.status, other.json()), (200, json!({"token": "tok_alice"})), "no pair: the usual choice");
    // Parameters' named examples pair too.
    assert_eq!(Answer::of(client().get(server.url("/pets/2"))).await.json(), json!({"id": 2, "name": "Fido"}));
    assert_eq!(Answer::of(client().get(server.url("/pets/1"))).await.json(), json!({"id": 1, "name": "Rex"}));
    // Prefer overrides the pairing.
    let asked = Answer::of(client().get(server.url("/pets/2")).header("Prefer", "example=rex")).await;
    assert_eq!(asked.json(), json!({"id": 1, "name": "Rex"}));
}

#[tokio::test]
async fn rules_in_the_document_choose_by_path_and_header_and_prefer_overrides_them() {
    let server = Spawned::start(&["serve", PETS, "--quiet"]);
    let missing = Answer::of(client().get(server.url("/pets/404"))).await;
    assert_eq!((missing.status, missing.json()), (404, json!({"message": "no such pet"})));
    let teapot = Answer::of(client().get(server.url("/pets/7")).header("x-scenario", "teapot-brewing")).await;
    assert_eq!((teapot.status, teapot.json()), (200, json!({"id": 418, "name": "Teapot"})));
    assert_eq!(teapot.header("x-rule"), Some("teapot"));
    let not_teapot = Answer::of(client().get(server.url("/pets/7")).header("x-scenario", "coffee")).await;
    assert_eq!(not_teapot.json(), json!({"id": 1, "name": "Rex"}), "no rule matches: the usual choice");
    let preferred = Answer::of(client().get(server.url("/pets/404")).header("Prefer", "code=200")).await;
    assert_eq!(preferred.status, 200, "Prefer still overrides everything");
    let journal = Answer::of(client().get(server.url("/__specmock/requests?limit=4"))).await.json();
    let why = journal["requests"][2]["response"]["why"].as_str().unwrap().to_string();
    assert!(why.contains("rule 2 of x-specmock-rules"), "{why}");
}

#[tokio::test]
async fn a_rules_file_matches_body_pointers_query_and_headers() {
    let dir = scratch("rules");
    let rules = dir.join("rules.yaml");
    std::fs::write(
        &rules,
        r#"
rules:
  - name: locked accounts
    operation: login
    when:
      body:
        /username: {one-of: [mallory, trudy]}
    answer: {example: wrongPassword, headers: {x-locked: "yes"}}
  - operation: POST /login
    when:
      body:
        /password: {regex: "^admin"}
        /otp: {absent: true}
    answer:
      status: 401
      body: {error: otp_required}
  - operation: listPets
    when:
      query: {limit: 0}
      headers: {x-tenant: {present: true}}
    answer: {body: [], delay: 10ms}
"#,
    )
    .unwrap();
    let server = Spawned::start(&["serve", PETS, "--rules", rules.to_str().unwrap(), "--quiet"]);
    let login = |body: serde_json::Value| client().post(server.url("/login")).json(&body);
    let locked = Answer::of(login(json!({"username": "trudy", "password": "secret"}))).await;
    assert_eq!((locked.status, locked.json()), (401, json!({"error": "invalid_credentials"})));
    assert_eq!(locked.header("x-locked"), Some("yes"));
    let otp = Answer::of(login(json!({"username": "bob", "password": "admin1"}))).await;
    assert_eq!((otp.status, otp.json()), (401, json!({"error": "otp_required"})));
    let with_otp = Answer::of(login(json!({"username": "bob", "password": "admin1", "otp": "1"}))).await;
    assert_eq!(with_otp.status, 200);
    let empty = Answer::of(client().get(server.url("/pets?limit=0")).header("x-tenant", "t")).await;
    assert_eq!(empty.json(), json!([]));
    let no_tenant = Answer::of(client().get(server.url("/pets?limit=0"))).await;
    assert_eq!(no_tenant.json(), json!([{"id": 1, "name": "Rex"}]));
}

fn refused(rules: &str) -> String {
    let dir = scratch("bad-rules");
    let file = dir.join("rules.yaml");
    std::fs::write(&file, rules).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["serve", PETS, "--port", "0", "--rules", file.to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn rules_that_break_the_document_are_reported_at_start_up() {
    let table = [
        (
            "- {operation: login, answer: {status: 418}}",
            "#/0/answer/status: answers 418, which login does not document",
        ),
        (
            "- {operation: login, answer: {example: nope}}",
            "#/0/answer/example: login documents no response example named 'nope'",
        ),
        (
            "- {operation: getPet, answer: {body: {id: one, name: Rex}}}",
            "#/0/answer/body: the body breaks the documented 200 answer of getPet: body/id",
        ),
        ("- {operation: nothing, answer: {status: 200}}", "#/0/operation: no operation 'nothing'"),
        (
            "- {operation: getPet, when: {path: {id: 1}}, answer: {status: 200}}",
            "#/0/when/path/id: /pets/{petId} has no path parameter 'id'",
        ),
        (
            "- {operation: getPet, when: {query: {q: {regex: '('}}}, answer: {status: 200}}",
            "#/0/when/query/q/regex: not a regular expression",
        ),
        ("- {operation: getPet, answer: {fault: explode}}", "#/0/answer/fault: 'explode' is not a fault"),
        ("rules: 3", "expected a list of rules"),
    ];
    for (rules, expected) in table {
        let said = refused(rules);
        assert!(said.contains("rules.yaml: ") && said.contains(expected), "{rules}\n→ {said}");
    }
}

#[tokio::test]
async fn an_undocumented_code_is_answered_as_asked_and_marked() {
    let server = Spawned::start(&["serve", PETS, "--quiet"]);
    for code in [500, 503, 418] {
        let answer = Answer::of(client().get(server.url("/pets/1")).header("Prefer", format!("code={code}"))).await;
        assert_eq!(answer.status, code);
        assert_eq!(answer.header("specmock-undocumented"), Some("true"));
        assert_eq!(answer.header("content-type"), Some("application/problem+json"));
        let body = answer.json();
        assert!(
            body["detail"].as_str().unwrap().contains("is not documented for getPet (documented: 200, 404)"),
            "{body}"
        );
    }
    let documented = Answer::of(client().get(server.url("/pets/1?__code=404"))).await;
    assert_eq!((documented.status, documented.header("specmock-undocumented")), (404, None));
    for invalid in ["code=999", "code=abc", "code=100"] {
        let answer = Answer::of(client().get(server.url("/pets/1")).header("Prefer", invalid)).await;
        assert_eq!(answer.status, 404, "{invalid}");
        assert!(String::from_utf8_lossy(&answer.body).contains("not an HTTP status code"), "{invalid}");
    }
    let no_body = Answer::of(client().get(server.url("/pets/1")).header("Prefer", "code=204")).await;
    assert_eq!((no_body.status, no_body.body.len()), (204, 0));
}
