//! `specmock lint`: a document against itself; `serve` warning of broken examples at
//! start-up; `serve --validate-responses` refusing to send an answer that breaks the document.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Answer, client, specmock};
use serde_json::Value;

/// Writes a document for one test into the temp directory; returns its path.
fn spec_file(name: &str, text: &str) -> String {
    common::spec_file("lint", name, text)
}

/// One mistake of each kind lint looks for.
const MISTAKES: &str = r#"
openapi: 3.1.0
info: {title: mistakes, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  parameters:
    Limit: {name: limit, in: query, schema: {type: integer, maximum: 10}, example: 50}
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, readOnly: true, example: "seven"}
        name: {type: string}
        password: {type: string, writeOnly: true}
      example: {id: 1, name: Rex}
security: [{bearer: []}]
paths:
  /pets:
    get:
      operationId: listPets
      parameters: [{$ref: '#/components/parameters/Limit'}]
      responses:
        '200':
          description: ok
          headers:
            X-Rate-Limit: {schema: {type: integer}, example: lots}
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
              examples:
                two: {value: [{id: 1, name: Rex}, {id: "2", name: Tom}]}
        '401': {description: no}
    post:
      operationId: createPet
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
            example: {name: 7}
      responses:
        '201': {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Pett'}}}}
        '401': {description: no}
  /pets/{petId}:
    get:
      operationId: listPets
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '302': {description: elsewhere}
"#;

#[test]
fn every_kind_of_mistake_is_named_by_rule_severity_and_pointer() {
    let spec = spec_file("mistakes.yaml", MISTAKES);
    let (code, stdout, stderr) = specmock(&["lint", &spec, "--report", "json=-"]);
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let found: BTreeSet<(String, String, String)> = report["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["file"], spec.as_str(), "{i}");
            (
                i["rule"].as_str().unwrap().into(),
                i["severity"].as_str().unwrap().into(),
                i["pointer"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = [
        ("example-valid", "error", "/components/parameters/Limit/example"),
        ("example-valid", "error", "/components/schemas/Pet/properties/id/example"),
        ("example-valid", "error", "/paths/~1pets/get/responses/200/headers/X-Rate-Limit/example"),
        ("example-valid", "error", "/paths/~1pets/get/responses/200/content/application~1json/examples/two/value"),
        ("example-valid", "error", "/paths/~1pets/post/requestBody/content/application~1json/example"),
        ("ref-resolves", "error", "/paths/~1pets/post/responses/201/content/application~1json/schema/$ref"),
        ("client-error-documented", "warning", "/paths/~1pets/post/responses"),
        ("path-params", "error", "/paths/~1pets~1{petId}/get"),
        ("path-params", "error", "/paths/~1pets~1{petId}/get/parameters/0"),
        ("operation-id-unique", "error", "/paths/~1pets~1{petId}/get/operationId"),
        ("success-documented", "warning", "/paths/~1pets~1{petId}/get/responses"),
        ("unauthorized-documented", "warning", "/paths/~1pets~1{petId}/get/responses"),
    ]
    .iter()
    .map(|(r, s, p)| (r.to_string(), s.to_string(), p.to_string()))
    .collect();
    assert_eq!(found, expected, "{stdout}");
    assert_eq!(report["summary"], serde_json::json!({"errors": 9, "warnings": 3}));
    // The schema's own example (readOnly id present, writeOnly password absent) is fine.
    // The person's report names the same things, and says what is wrong.
    let (_, human, _) = specmock(&["lint", &spec]);
    assert!(
        human.contains("/paths/~1pets/get/responses/200/content/application~1json/examples/two/value: the example does not conform to its schema")
            && human.contains("/1/id: 1.id must be an integer, not a string"),
        "{human}"
    );
    assert!(human.trim_end().ends_with("9 errors, 3 warnings"), "{human}");
}

#[test]
fn warnings_alone_pass_unless_strict() {
    let spec = spec_file(
        "gaps.yaml",
        "openapi: 3.0.3\ninfo: {title: gaps, version: '1'}\ncomponents: {securitySchemes: {key: {type: apiKey, in: header, name: X-Key}}}\n\
         security: [{key: []}]\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n",
    );
    let (code, stdout, _) = specmock(&["lint", &spec]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("warning unauthorized-documented"), "{stdout}");
    assert!(stdout.contains("0 errors, 1 warning"), "{stdout}");
    let (code, _, _) = specmock(&["lint", &spec, "--strict"]);
    assert_eq!(code, 1);
    let (code, xml, _) = specmock(&["lint", &spec, "--report", "junit=-"]);
    assert_eq!(code, 0);
    assert!(
        xml.starts_with("<?xml") && xml.contains(r#"failures="0""#) && xml.contains("<system-out>warning:"),
        "{xml}"
    );
}

#[test]
fn the_built_in_documents_are_clean() {
    for name in ["scalekit", "straddle", "clerk", "zitadel"] {
        let (code, stdout, stderr) = specmock(&["lint", name]);
        assert_eq!(code, 0, "{name}: {stdout}{stderr}");
        assert!(stdout.contains("0 errors, 0 warnings"), "{name}: {stdout}");
    }
}

#[test]
fn a_document_that_cannot_be_read_exits_2_and_a_missing_file_ref_is_an_issue() {
    let (code, _, stderr) = specmock(&["lint", "nope.yaml"]);
    assert_eq!((code, stderr.contains("nope.yaml: no such file")), (2, true), "{stderr}");
    let swagger = spec_file("old.json", r#"{"swagger": "1.2", "info": {"title": "x", "version": "1"}, "paths": {}}"#);
    let (code, _, stderr) = specmock(&["lint", &swagger]);
    assert_eq!(code, 2, "{stderr}");
    // Swagger 2.0 is read (converted as the loader converts it) and linted.
    let two = spec_file("two.json", r#"{"swagger": "2.0", "info": {"title": "x", "version": "1"}, "paths": {}}"#);
    let (code, stdout, stderr) = specmock(&["lint", &two]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let dangling = spec_file(
        "dangling.yaml",
        "openapi: 3.1.0\ninfo: {title: d, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {$ref: 'gone.yaml#/Ok'}}\n",
    );
    let (code, stdout, _) = specmock(&["lint", &dangling]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("ref-resolves") && stdout.contains("#/paths/~1a/get/responses/200"), "{stdout}");
}

#[test]
fn vendor_documents_are_linted_without_failing_to_read() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("skipped: ../shared/vendor-specs is not beside this checkout");
        return;
    };
    for file in [
        "clerk/bapi/2026-05-12.yml",
        "clerk/fapi/2026-05-12.yml",
        "scalekit/scalekit.scalar.yaml",
        "straddle/spec.json",
    ] {
        let path = shared.join("vendor-specs").join(file);
        let (code, stdout, stderr) = specmock(&["lint", path.to_str().unwrap()]);
        assert!(code == 0 || code == 1, "{file}: {stderr}");
        assert!(stdout.trim_end().lines().last().unwrap().contains(" errors, "), "{file}: {stdout}");
    }
}

const BROKEN_EXAMPLE: &str = r#"
openapi: 3.1.0
info: {title: pets, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: object, required: [id], properties: {id: {type: integer}}}}
              example: [{id: "one"}]
  /pets/{id}:
    get:
      operationId: getPet
      parameters: [{name: id, in: path, required: true, schema: {type: integer}, example: "x"}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}, example: {}}}}
"#;

#[test]
fn serve_warns_of_each_broken_example_when_it_starts() {
    let spec = spec_file("served.yaml", BROKEN_EXAMPLE);
    let mut child = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["serve", &spec, "--port", "0", "--quiet"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut warnings = Vec::new();
    let mut listening = false;
    while warnings.len() < 2 {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) else { break };
        listening |= line.starts_with("specmock listening on ");
        if line.starts_with("warning: ") {
            warnings.push(line);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(listening, "the server started although its examples are broken");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.contains("#/paths/~1pets/get/responses/200/content/application~1json/example: "))
    );
    assert!(warnings.iter().any(|w| w.contains("#/paths/~1pets~1{id}/get/parameters/0/example: ")));
}

#[tokio::test]
async fn validate_responses_answers_500_instead_of_a_broken_example() {
    let spec = spec_file("validated.yaml", BROKEN_EXAMPLE);
    let plain = common::start(&[&spec], |b| b).await;
    let sent = Answer::of(client().get(plain.url("/pets"))).await;
    assert_eq!(sent.status, 200, "without the flag the example is sent as documented");
    plain.stop().await;

    let server = common::start(&[&spec], |b| b.validate_responses(true)).await;
    let refused = Answer::of(client().get(server.url("/pets"))).await;
    assert_eq!(refused.status, 500);
    assert_eq!(refused.header("content-type"), Some("application/problem+json"));
    let body = refused.json();
    assert_eq!(body["type"], "https://specmock.dev/problems/invalid-response");
    assert_eq!(body["violations"][0]["pointer"], "/0/id", "{body}");
    // A conforming answer, and the mock's own refusals, go out as they are.
    assert_eq!(Answer::of(client().get(server.url("/pets/3"))).await.status, 200);
    assert_eq!(Answer::of(client().get(server.url("/pets/x"))).await.status, 422);
    server.stop().await;
}
