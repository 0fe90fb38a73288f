//! `$ref` wherever documents put one (tests/data/refs-anywhere/): operations written as
//! files (as DigitalOcean's document does), path items, parameters, request bodies,
//! responses, headers, examples, links and callbacks, relative to the referring file, with
//! `~0`/`~1`-escaped and percent-encoded pointers. An operation that still has no responses
//! is a load error, never a 404 per request.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::{Answer, TestServer, assert_conforms, client, data, start};
use serde_json::json;

async fn refs() -> TestServer {
    start(&[&data("refs-anywhere/main.yaml")], |b| b).await
}

#[tokio::test]
async fn every_operation_written_as_a_reference_is_served() {
    let server = refs().await;
    let (_, routes, _) = common::specmock(&["routes", &data("refs-anywhere/main.yaml")]);
    let ids: Vec<&str> =
        routes.lines().filter(|l| l.starts_with(['G', 'P'])).filter_map(|l| l.split_whitespace().nth(2)).collect();
    assert_eq!(ids, ["listWidgets", "createWidget", "getWidget", "getOdd"]);

    // An operation in another file: its parameter, header and named example are references too.
    let list = Answer::of(client().get(server.url("/widgets?limit=3"))).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json(), json!([{"id": "w_1", "name": "one"}, {"id": "w_2", "name": "two"}]));
    assert_eq!(list.header("x-rate-limit"), Some("99"));
    assert_conforms(&server, "GET", "/widgets", &list);
    assert_eq!(
        Answer::of(client().get(server.url("/widgets?limit=11"))).await.status,
        422,
        "limit's schema is enforced"
    );

    // An operation elsewhere in the same file; its request body and response are in other files.
    let create = |name: &str| client().post(server.url("/widgets")).json(&json!({ "name": name }));
    let created = Answer::of(create("gear")).await;
    assert_eq!(created.status, 201);
    assert!(created.json()["id"].as_str().is_some_and(|id| id.starts_with("w_")), "{}", created.json());
    assert_conforms(&server, "POST", "/widgets", &created);
    assert_eq!(Answer::of(create("too long")).await.status, 422, "the referenced body's maxLength holds");

    // A path item in another file, whose operation is a file found relative to it.
    let widget = Answer::of(client().get(server.url("/widgets/w_7"))).await;
    assert_eq!(widget.status, 200);
    assert_conforms(&server, "GET", "/widgets/w_7", &widget);
    assert_eq!(Answer::of(client().get(server.url("/widgets/nope"))).await.status, 422, "the shared id pattern holds");
    let missing = Answer::of(client().get(server.url("/widgets/w_7")).header("Prefer", "code=404")).await;
    assert_eq!((missing.status, missing.json()), (404, json!({"error": "no such widget"})));
    server.stop().await;
}

#[tokio::test]
async fn escaped_and_percent_encoded_pointers_resolve() {
    let server = refs().await;
    // The parameter is `#/components/parameters/odd~1name`, the schema `#/…/a~1b~0c%20d`.
    let odd = Answer::of(client().get(server.url("/odd/tilde~"))).await;
    assert_eq!(odd.status, 200);
    assert!(odd.json()["odd"].is_boolean(), "{}", odd.json());
    assert_conforms(&server, "GET", "/odd/tilde~", &odd);
    assert_eq!(Answer::of(client().get(server.url("/odd/other"))).await.status, 422);
    server.stop().await;
}

/// `specmock routes FILE` in tests/data/errors: (exit code, stderr).
fn routes_error(file: &str) -> (i32, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["routes", file])
        .current_dir(data("errors"))
        .output()
        .expect("specmock runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).trim().to_string())
}

#[test]
fn an_operation_without_responses_is_a_load_error_naming_where_it_is() {
    let (code, stderr) = routes_error("no-responses.yaml");
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: no-responses.yaml: #/paths/~1orgs/get: GET /orgs documents no responses (no-responses-op.yaml: #)"
    );
}

#[test]
fn links_and_callbacks_that_point_nowhere_are_load_errors() {
    let (code, stderr) = routes_error("broken-link.yaml");
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: broken-link.yaml: #/paths/~1x/get/responses/200/links/next: $ref '#/components/links/Nope' not found"
    );
    let (code, stderr) = routes_error("broken-callback.yaml");
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(
            "error: broken-callback.yaml: #/paths/~1x/post/callbacks/done/{$request.body#~1url}/post: \
             $ref to 'missing-callback-op.yaml': cannot read the file"
        ),
        "{stderr}"
    );
}
