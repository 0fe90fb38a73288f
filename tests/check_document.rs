//! `specmock check` where the document, not the server, is at fault: gaps (warnings, not
//! errors; `--strict`, `--checks`, `--exclude-checks`), examples that break their own
//! schemas, header parameters HTTP governs, documents with nothing to check; and how it
//! says so (JUnit, plurals, unknown operations).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::process::Command;

use serde_json::{Value, json};

/// Runs `check` with a JSON report; returns (exit code, stdout, report).
async fn check(spec: &str, base_url: String, extra: &[&str]) -> (i32, String, Value) {
    let mut args: Vec<String> = ["check", "--spec", spec, "--base-url", &base_url, "--report", "json=-"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_specmock")).args(&args).current_dir(env!("CARGO_MANIFEST_DIR")).output()
    })
    .await
    .unwrap()
    .unwrap();
    // With the report on stdout, the human report is on stderr.
    let human = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("no report ({e}): {human}"));
    (output.status.code().unwrap_or(-1), human, report)
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

/// Writes a document for one test into the temp directory; returns its path.
fn spec_file(name: &str, text: &str) -> String {
    common::spec_file("check-document", name, text)
}

const INCOMPLETE: &str = r#"
openapi: 3.1.0
info: {title: incomplete, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /orgs:
    post:
      operationId: createOrg
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}, example: {}}}}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_gap_in_the_document_is_a_warning_not_an_error() {
    let spec = spec_file("incomplete.yaml", INCOMPLETE);
    let server = common::start(&[&spec], |b| b).await;
    // The mock rightly answers 401 without credentials and 422 to invalid bodies; the
    // document lists neither.
    let (code, stdout, report) = check(&spec, server.base.clone(), &["--auth", "Bearer t"]).await;
    assert_eq!(code, 0, "{stdout}");
    let findings: Vec<&Value> =
        report["results"].as_array().unwrap().iter().flat_map(|r| r["findings"].as_array().unwrap()).collect();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["rule"] == "error-documented" && f["severity"] == "warning"), "{findings:?}");
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["warnings"], findings.len());
    assert!(stdout.contains("WARN createOrg  POST /orgs → 401  [without credentials]"), "{stdout}");
    assert!(stdout.contains("401 is the right answer to a request without credentials"), "{stdout}");
    let summary = format!("0 failed, {} with warnings (0 errors, {} warnings)", findings.len(), findings.len());
    assert!(stdout.contains(&summary), "{stdout}");

    let (code, stdout, report) = check(&spec, server.base.clone(), &["--auth", "Bearer t", "--strict"]).await;
    assert_eq!(code, 1, "--strict fails on warnings: {stdout}");
    assert_eq!(report["summary"]["errors"], findings.len());

    let (code, _, report) =
        check(&spec, server.base.clone(), &["--auth", "Bearer t", "--strict", "--exclude-checks", "error-documented"])
            .await;
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["violations"], 0);

    let (code, _, report) = check(&spec, server.base.clone(), &["--checks", "body-schema,no-server-error"]).await;
    assert_eq!((code, &report["summary"]["violations"]), (0, &json!(0)));

    let (code, _, stderr) = check_expect_error(&spec, &server.base, &["--checks", "status-documentd"]).await;
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no rule is called 'status-documentd'") && stderr.contains("status-documented"),
        "{stderr}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn junit_reports_warnings_as_output_and_errors_as_failures() {
    let spec = spec_file("incomplete-junit.yaml", INCOMPLETE);
    let server = common::start(&[&spec], |b| b).await;
    let output = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["check", "--spec", &spec, "--base-url", &server.base, "--auth", "Bearer t", "--report", "junit=-"])
        .output()
        .unwrap();
    let xml = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{xml}");
    assert!(xml.contains(r#"failures="0""#), "{xml}");
    assert!(xml.contains("<system-out>warning error-documented:"), "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");
    server.stop().await;
}

const BROKEN_EXAMPLES: &str = r#"
openapi: 3.1.0
info: {title: examples, version: "1"}
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties: {id: {type: integer}, name: {type: string}}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
              example: [{id: "one", name: Rex}]
    post:
      operationId: createPet
      parameters:
        - {name: Accept, in: header, required: true, schema: {type: string, enum: [copper]}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
            example: {id: 3}
      responses:
        '201': {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
        '422': {description: invalid, content: {application/problem+json: {schema: {type: object}}}}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_document_that_breaks_its_own_examples_is_warned_about_not_blamed_on_the_server() {
    let spec = spec_file("examples.yaml", BROKEN_EXAMPLES);
    let server = common::start(&[&spec], |b| b).await;
    let (code, stdout, report) = check(&spec, server.base.clone(), &["--no-stateful"]).await;
    assert_eq!(code, 0, "{stdout}");
    let results = report["results"].as_array().unwrap();
    let listed = results.iter().find(|r| r["operation"] == "listPets" && r["case"] == "valid request").unwrap();
    let finding = &listed["findings"][0];
    assert_eq!((&finding["rule"], &finding["severity"]), (&json!("example-valid"), &json!("warning")), "{listed}");
    let message = finding["message"].as_str().unwrap();
    assert!(message.contains("the documented example 'default'"), "{message}");
    assert!(message.contains("#/paths/~1pets/get/responses/200/content/application~1json/example"), "{message}");
    // The broken request example is not sent as valid: a generated body is, and the
    // document is told about.
    let created = results.iter().find(|r| r["operation"] == "createPet" && r["case"] == "valid request").unwrap();
    assert_eq!(created["status"], 201, "{created}");
    assert!(!created["curl"].as_str().unwrap().contains(r#"{"id":3}"#), "{created}");
    let note = results.iter().find(|r| r["case"] == "document").unwrap_or_else(|| panic!("{stdout}"));
    let note_message = note["findings"][0]["message"].as_str().unwrap();
    assert!(note_message.contains("the request example 'default' breaks its own schema"), "{note_message}");
    assert!(
        note["findings"][0]["location"]
            .as_str()
            .unwrap()
            .ends_with("/post/requestBody/content/application~1json/example")
    );
    // An `Accept` header parameter is HTTP's, not the API's: no `Accept: copper`, no 406.
    assert!(results.iter().all(|r| r["status"] != 406), "{stdout}");
    assert!(!stdout.contains("copper"), "{stdout}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_of_webhooks_only_has_nothing_to_check() {
    let spec = spec_file(
        "hooks.yaml",
        "openapi: 3.1.0\ninfo: {title: hooks, version: '1'}\nwebhooks:\n  ping:\n    post:\n      responses: {'200': {description: ok}}\n",
    );
    let (code, stdout, stderr) = check_expect_error(&spec, "http://127.0.0.1:9", &[]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("has no paths, only 1 webhook (requests the API sends"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_operation_is_named_with_the_ones_there_are() {
    let (code, _, stderr) =
        check_expect_error("clerk", "http://127.0.0.1:9", &["--operation", "createOrganisation"]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("--operation createOrganisation: no such operation"), "{stderr}");
    for known in ["createOrganization", "getOrganization", "ListOrganizations"] {
        assert!(stderr.contains(known), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn counts_are_spelled_right_for_one() {
    let server = common::start(&["clerk"], |b| b).await;
    let args = ["--auth", "Bearer t", "--operation", "createOrganization", "--max-requests", "1", "--no-stateful"];
    let (code, stdout, _) = check("clerk", server.base.clone(), &args).await;
    assert_eq!(code, 0);
    assert!(stdout.contains("1 exchange over 1 operation: 1 passed, 0 failed (0 errors, 0 warnings)"), "{stdout}");
    server.stop().await;
}
