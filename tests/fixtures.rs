//! `specmock validate`: exit codes, reports, HAR files, the request side of recordings.
//! (Every fixture judged and snapshotted: src/tests/fixtures.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::specmock;

#[test]
fn the_validate_command_exits_0_1_or_2() {
    let (code, stdout, _) = specmock(&["validate", "--spec", "clerk", "fixtures/clerk/good"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 failed"));

    let (code, stdout, _) = specmock(&["validate", "--spec", "clerk", "fixtures/clerk"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("created_at must be an integer, not a string"), "{stdout}");
    assert!(stdout.contains("#/created_at"), "the JSON pointer is printed: {stdout}");

    let (code, _, stderr) = specmock(&["validate", "--spec", "clerk", "fixtures/nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("fixtures/nope"), "{stderr}");
    let (code, _, stderr) = specmock(&["validate", "--spec", "nope.yaml", "fixtures/clerk"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("nope.yaml"), "{stderr}");
    let (code, _, stderr) = specmock(&["validate", "--spec", "clerk", "tests/data/errors/bad-json.json"]);
    assert_eq!(code, 2, "{stderr}");

    // An empty directory is a wrong path, not a pass.
    let empty = std::env::temp_dir().join(format!("specmock-empty-{}", std::process::id()));
    std::fs::create_dir_all(empty.join("nested")).unwrap();
    std::fs::write(empty.join("notes.txt"), "not a fixture").unwrap();
    let (code, stdout, stderr) = specmock(&["validate", "--spec", "clerk", empty.to_str().unwrap()]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("no fixtures found"), "{stderr}");
    assert!(stderr.contains(empty.to_str().unwrap()), "{stderr}");
    let _ = std::fs::remove_dir_all(empty);
}

#[test]
fn reports_are_written_as_json_and_junit() {
    let dir = std::env::temp_dir().join(format!("specmock-reports-{}", std::process::id()));
    let json = dir.join("out.json");
    let junit = dir.join("out.xml");
    let (code, _, _) = specmock(&[
        "validate",
        "--spec",
        "zitadel",
        "fixtures/zitadel",
        "--report",
        &format!("json={}", json.display()),
        "--report",
        &format!("junit={}", junit.display()),
    ]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["summary"]["failed"], 7);
    assert!(report["results"][0]["findings"].is_array());
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"specmock validate\""));
    assert_eq!(xml.matches("<failure").count(), 7);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn har_files_are_read() {
    let dir = std::env::temp_dir().join(format!("specmock-har-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "POST", "url": "https://clerk.example.com/v1/organizations",
                     "headers": [{"name": "content-type", "value": "application/json"},
                                 {"name": "authorization", "value": "Bearer t"}],
                     "postData": {"mimeType": "application/json", "text": "{\"name\":\"Acme Inc\"}"}},
         "response": {"status": 200, "headers": [{"name": "content-type", "value": "application/json"}],
                      "content": {"mimeType": "application/json",
                                  "text": "{\"object\":\"organization\",\"id\":\"org_21Ufcy98STcA11s3QckIwtwHIES\",\"name\":\"Acme Inc\",\"created_at\":1638000669544,\"updated_at\":1638000669544}"}}},
        {"request": {"method": "GET", "url": "https://clerk.example.com/v1/organizations/org_1",
                     "headers": [{"name": "Authorization", "value": "Bearer t"}]},
         "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": "{\"object\":\"organization\"}"}}}
    ]}});
    let file = dir.join("session.har");
    std::fs::write(&file, har.to_string()).unwrap();
    let (code, stdout, _) = specmock(&["validate", "--spec", "clerk", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
    assert!(stdout.contains("id is required"), "{stdout}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A recorded exchange, as HAR, of `request` answered 200 with a valid organization.
fn har_accepting(requests: &[serde_json::Value]) -> serde_json::Value {
    let organization = "{\"object\":\"organization\",\"id\":\"org_21Ufcy98STcA11s3QckIwtwHIES\",\"name\":\"Acme Inc\",\"created_at\":1638000669544,\"updated_at\":1638000669544}";
    let entries: Vec<serde_json::Value> = requests
        .iter()
        .map(|request| {
            serde_json::json!({"request": request, "response": {"status": 200,
                "headers": [{"name": "content-type", "value": "application/json"}],
                "content": {"mimeType": "application/json", "text": organization}}})
        })
        .collect();
    serde_json::json!({"log": {"version": "1.2", "entries": entries}})
}

#[test]
fn the_request_side_of_a_recording_is_judged_too() {
    let dir = std::env::temp_dir().join(format!("specmock-har-requests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = serde_json::json!([{"name": "content-type", "value": "application/json"}]);
    let with_token = serde_json::json!([{"name": "content-type", "value": "application/json"},
                                        {"name": "authorization", "value": "Bearer [redacted]"}]);
    let post = |headers: &serde_json::Value, body: &str| {
        serde_json::json!({"method": "POST", "url": "https://api.clerk.com/v1/organizations", "headers": headers,
                           "postData": {"mimeType": "application/json", "text": body}})
    };
    let har = har_accepting(&[
        post(&with_token, r#"{"name":5}"#),
        post(&json, r#"{"name":"Acme Inc"}"#),
        post(&with_token, r#"{"name":"Acme Inc"}"#),
    ]);
    let file = dir.join("session.har");
    std::fs::write(&file, har.to_string()).unwrap();
    let report = dir.join("report.json");
    let (code, stdout, _) = specmock(&[
        "validate",
        "--spec",
        "clerk",
        file.to_str().unwrap(),
        "--report",
        &format!("json={}", report.display()),
    ]);
    assert_eq!(code, 1, "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let rules: Vec<Vec<String>> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect())
        .collect();
    assert_eq!(rules[0], ["request-valid", "invalid-request-rejected"], "{stdout}");
    assert_eq!(rules[1], ["auth-enforced"], "{stdout}");
    assert!(rules[2].is_empty(), "a redacted token still counts as credentials: {stdout}");
    assert!(
        stdout.contains("request-valid: request/body/name #/name: name must be a string, not an integer"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
