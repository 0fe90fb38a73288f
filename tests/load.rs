//! Loading documents: the vendors' real files, cycles, references to other files, and
//! every kind of document error (messages snapshotted).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::process::Command;

use common::{Answer, assert_conforms, client, data, start};

#[tokio::test]
async fn circular_references_load_and_serve_a_bounded_valid_body() {
    let server = start(&[&data("circular.yaml")], |b| b).await;
    for seed in 0..20 {
        let answer = Answer::of(client().get(server.url("/tree")).header("Prefer", format!("seed={seed}"))).await;
        assert_eq!(answer.status, 200);
        assert!(answer.json()["name"].is_string());
        assert_conforms(&server, "GET", "/tree", &answer);
    }
    server.stop().await;
}

#[tokio::test]
async fn references_to_other_files_resolve_relative_to_the_referring_file() {
    let server = start(&[&data("external/main.yaml")], |b| b).await;
    let answer = Answer::of(client().get(server.url("/widgets/wid_0042"))).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let body = answer.json();
    assert!(body["id"].as_str().unwrap().starts_with("wid_"));
    assert_conforms(&server, "GET", "/widgets/wid_0042", &answer);

    // The path parameter's schema came from common.json: it is enforced.
    let bad = Answer::of(client().get(server.url("/widgets/nope"))).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["violations"][0]["location"], "path/id");

    let not_found = Answer::of(client().get(server.url("/widgets/wid_0001")).header("Prefer", "code=404")).await;
    assert_eq!(not_found.status, 404);
    assert_eq!(not_found.json(), serde_json::json!({"error": "not found"}));
    server.stop().await;
}

/// Runs `specmock routes FILE` in tests/data/errors and returns (exit code, stderr).
fn routes_error(file: &str) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["routes", file])
        .current_dir(data("errors"))
        .output()
        .expect("run specmock");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn document_errors_name_the_file_and_the_pointer_and_exit_2() {
    let cases = [
        "missing-ref.yaml",
        "missing-file.yaml",
        "swagger12.json",
        "swagger2-missing-definition.yaml",
        "swagger2-bad-schema.yaml",
        "swagger2-bad-collection.yaml",
        "swagger2-unknown-security.yaml",
        "swagger2-no-responses.yaml",
        "no-responses.yaml",
        "bad-yaml.yaml",
        "bad-json.json",
        "no-openapi.yaml",
        "future.yaml",
        "unknown-scheme.yaml",
        "bad-schema.yaml",
        "bad-status.yaml",
        "bad-pattern.yaml",
        "ref-to-bad-yaml.yaml",
        "equivalent-templates.yaml",
        "bad-template.yaml",
        "does-not-exist.yaml",
    ];
    let mut report = String::new();
    for file in cases {
        let (code, stderr) = routes_error(file);
        assert_eq!(code, 2, "{file}: exit code; stderr: {stderr}");
        assert!(stderr.starts_with(&format!("error: {file}")), "{file}: names the file: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        report.push_str(&format!("{file}\n  {}\n", stderr.trim()));
    }
    let settings = common::snapshot_settings();
    settings.bind(|| insta::assert_snapshot!("document_errors", report));
}

#[test]
fn an_error_in_a_referenced_file_names_the_reference() {
    let (code, stderr) = routes_error("ref-to-bad-yaml.yaml");
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(
            "error: ref-to-bad-yaml.yaml: #/paths/~1x/get/responses/200/content/application~1json/schema: \
             $ref 'bad-yaml.yaml#/X': bad-yaml.yaml: invalid YAML: line 3 column 6"
        ),
        "{stderr}"
    );
}

#[tokio::test]
async fn any_json_value_may_be_a_ref_target() {
    let server = start(&[&data("refs/main.yaml")], |b| b).await;
    let first = Answer::of(client().get(server.url("/first"))).await;
    assert_eq!(first.json(), serde_json::json!({"id": "first"}));
    let bare = Answer::of(client().get(server.url("/bare"))).await;
    assert_eq!(bare.json(), serde_json::json!("bare"));
    server.stop().await;
}

#[test]
fn the_issue_example_message_is_exact() {
    let (_, stderr) = routes_error("missing-ref.yaml");
    assert_eq!(
        stderr.trim(),
        "error: missing-ref.yaml: #/paths/~1orgs/post/responses/200/content/application~1json/schema: $ref '#/components/schemas/Nope' not found"
    );
}

#[tokio::test]
async fn yaml_is_read_with_yaml_1_2_scalars() {
    let server = start(&[&data("yaml12.yaml")], |b| b).await;
    let listed = Answer::of(client().get(server.url("/countries"))).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json(), serde_json::json!(["NO", "SE", "On", "y", "n", "yes", "off", "1_000"]));
    let post = |body: &'static str| {
        client().post(server.url("/countries")).header("Content-Type", "application/json").body(body).send()
    };
    let norway = Answer::from(post(r#"{"n": "NO"}"#).await.unwrap()).await;
    assert_eq!(norway.status, 200, "{}", String::from_utf8_lossy(&norway.body));
    assert_eq!(norway.json(), serde_json::json!("NO"));
    let missing = Answer::from(post("{}").await.unwrap()).await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.json()["violations"][0]["field"], "n");
    let lower = Answer::from(post(r#"{"n": "no"}"#).await.unwrap()).await;
    assert_eq!(lower.status, 422, "the enum holds the strings as written");
    server.stop().await;
}

#[test]
fn openapi_3_0_3_1_and_3_2_are_read_and_the_refusal_lists_them() {
    let doc = |version: &str| format!("openapi: {version}\ninfo: {{title: t, version: '1'}}\npaths: {{}}\n");
    for accepted in ["3.0.3", "3.1.0", "3.2.0", "3.1", "'3.1'", "3.0"] {
        let api = specmock::Contract::load(specmock::Document::text("v.yaml", doc(accepted)));
        assert!(api.is_ok(), "{accepted}: {:?}", api.err());
    }
    for refused in ["4.0.0", "3.10.0", "3.3.0", "2.0", "3"] {
        let Err(err) = specmock::Contract::load(specmock::Document::text("v.yaml", doc(refused))) else {
            panic!("{refused} is refused")
        };
        let err = err.to_string();
        assert!(
            err.ends_with("is not supported (only Swagger 2.0 and OpenAPI 3.0.x, 3.1.x and 3.2.x)"),
            "{refused}: {err}"
        );
    }
}
