//! Stateful lifecycle checks: against a server with one lifecycle bug of each kind (and one
//! resource without any), against specmock's own `--stateful` sandbox of every built-in
//! (which must pass), and against a stateless mock (which keeps no state to check).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Map, Value, json};

/// (collection, the lifecycle rule its bug breaks, whether it documents an update)
const RESOURCES: &[(&str, Option<&str>, bool)] = &[
    ("lost", Some("created-readable"), true),
    ("altered", Some("read-matches-write"), false),
    ("stale", Some("update-visible"), true),
    ("hidden", Some("listed-after-create"), true),
    ("undead", Some("deleted-not-readable"), true),
    ("fine", None, true),
];

/// The id property of a collection's items: `fine` names it after itself.
fn id_property(collection: &str) -> String {
    if collection == "fine" { "fine_id".into() } else { "id".into() }
}

/// One document for all six resources.
fn document() -> String {
    let mut paths = String::new();
    for (name, _, update) in RESOURCES {
        let id = id_property(name);
        let item = if *name == "fine" { "FineThing" } else { "Thing" };
        let patch = if *update {
            format!(
                "
    patch:
      operationId: update_{name}
      requestBody: {{required: true, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Change'}}}}}}}}
      responses: {{'200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/{item}'}}}}}}}}, '404': {{$ref: '#/components/responses/NotFound'}}, '422': {{$ref: '#/components/responses/Invalid'}}}}"
            )
        } else {
            String::new()
        };
        paths.push_str(&format!(
            "
  /{name}:
    post:
      operationId: create_{name}
      requestBody: {{required: true, content: {{application/json: {{schema: {{$ref: '#/components/schemas/NewThing'}}}}}}}}
      responses: {{'201': {{description: created, content: {{application/json: {{schema: {{$ref: '#/components/schemas/{item}'}}}}}}}}, '422': {{$ref: '#/components/responses/Invalid'}}}}
    get:
      operationId: list_{name}
      responses: {{'200': {{description: ok, content: {{application/json: {{schema: {{type: object, required: [data], properties: {{data: {{type: array, items: {{$ref: '#/components/schemas/{item}'}}}}}}}}}}}}}}}}
  /{name}/{{{id}}}:
    parameters: [{{name: {id}, in: path, required: true, schema: {{type: string}}}}]
    get:
      operationId: read_{name}
      responses: {{'200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/{item}'}}}}}}}}, '404': {{$ref: '#/components/responses/NotFound'}}}}{patch}
    delete:
      operationId: delete_{name}
      responses: {{'204': {{description: gone}}, '404': {{$ref: '#/components/responses/NotFound'}}}}"
        ));
    }
    format!(
        "openapi: 3.1.0
info: {{title: Lifecycle bugs, version: '1'}}
components:
  schemas:
    Thing:
      type: object
      required: [id, name]
      properties:
        id: {{type: string, readOnly: true}}
        name: {{type: string, minLength: 1, maxLength: 40}}
        size: {{type: integer, minimum: 1, maximum: 100}}
    FineThing:
      type: object
      required: [fine_id, name]
      properties:
        fine_id: {{type: string, readOnly: true}}
        name: {{type: string, minLength: 1, maxLength: 40}}
        size: {{type: integer, minimum: 1, maximum: 100}}
    NewThing:
      type: object
      required: [name]
      additionalProperties: false
      properties:
        name: {{type: string, minLength: 1, maxLength: 40}}
        size: {{type: integer, minimum: 1, maximum: 100}}
    Change:
      type: object
      minProperties: 1
      additionalProperties: false
      properties:
        name: {{type: string, minLength: 1, maxLength: 40}}
        size: {{type: integer, minimum: 1, maximum: 100}}
    Error: {{type: object, required: [error], properties: {{error: {{type: string}}}}}}
  responses:
    NotFound: {{description: no such item, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Error'}}}}}}}}
    Invalid: {{description: invalid, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Error'}}}}}}}}
paths:{paths}
"
    )
}

type Items = Arc<Mutex<HashMap<String, Vec<(String, Value)>>>>;

fn answer(status: u16, body: Option<Value>) -> Response<Full<Bytes>> {
    let mut r = Response::builder().status(status);
    if body.is_some() {
        r = r.header("content-type", "application/json");
    }
    r.body(Full::new(body.map(|b| Bytes::from(b.to_string())).unwrap_or_default())).unwrap()
}

/// A body the document allows (`required` only when creating), as an object.
fn valid(body: &[u8], create: bool) -> Option<Map<String, Value>> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else { return None };
    let name_ok = match map.get("name") {
        Some(Value::String(n)) => (1..=40).contains(&n.chars().count()),
        Some(_) => false,
        None => !create,
    };
    let size_ok = map.get("size").is_none_or(|s| s.as_i64().is_some_and(|s| (1..=100).contains(&s)));
    let known = map.keys().all(|k| k == "name" || k == "size");
    (name_ok && size_ok && known && !map.is_empty()).then_some(map)
}

/// Right in everything except one lifecycle bug per collection.
async fn buggy(items: Items, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let segments: Vec<String> = parts.uri.path().trim_matches('/').split('/').map(str::to_string).collect();
    let Some((collection, _, _)) = RESOURCES.iter().find(|(name, _, _)| *name == segments[0]) else {
        return Ok(answer(404, Some(json!({"error": "no such path"}))));
    };
    let id_property = id_property(collection);
    let invalid = || answer(422, Some(json!({"error": "invalid body"})));
    let not_found = || answer(404, Some(json!({"error": "no such item"})));
    let mut store = items.lock().unwrap();
    let list = store.entry(collection.to_string()).or_default();
    let method = parts.method.clone();
    Ok(match (segments.len(), method) {
        (1, Method::POST) => match valid(&body, true) {
            Some(mut item) => {
                let id = format!("{collection}-{}", list.len() + 1);
                item.insert(id_property, Value::String(id.clone()));
                list.push((id, Value::Object(item.clone())));
                answer(201, Some(Value::Object(item)))
            }
            None => invalid(),
        },
        (1, Method::GET) => {
            let mut shown: Vec<Value> = list.iter().map(|(_, v)| v.clone()).collect();
            if *collection == "hidden" {
                shown.pop();
            }
            answer(200, Some(json!({"data": shown})))
        }
        (1, _) => {
            let mut r = answer(405, Some(json!({"error": "method not allowed"})));
            r.headers_mut().insert("allow", "GET, POST".parse().unwrap());
            r
        }
        (2, method) => {
            let position = list.iter().position(|(id, _)| *id == segments[1]);
            match (method, position) {
                (Method::GET, _) if *collection == "lost" => not_found(),
                (Method::GET, Some(i)) => {
                    let mut item = list[i].1.clone();
                    if *collection == "altered" {
                        item["name"] = json!("someone else's name");
                    }
                    answer(200, Some(item))
                }
                (Method::PATCH, Some(i)) if *collection != "altered" => match valid(&body, false) {
                    Some(change) => {
                        let mut item = list[i].1.clone();
                        for (k, v) in change {
                            item[k] = v;
                        }
                        if *collection != "stale" {
                            list[i].1 = item.clone();
                        }
                        answer(200, Some(item))
                    }
                    None => invalid(),
                },
                (Method::DELETE, Some(i)) => {
                    if *collection != "undead" {
                        list.remove(i);
                    }
                    answer(204, None)
                }
                (Method::GET | Method::DELETE, None) => not_found(),
                (Method::PATCH, None) if *collection != "altered" => not_found(),
                _ => {
                    let allow = if *collection == "altered" { "GET, DELETE" } else { "GET, PATCH, DELETE" };
                    let mut r = answer(405, Some(json!({"error": "method not allowed"})));
                    r.headers_mut().insert("allow", allow.parse().unwrap());
                    r
                }
            }
        }
        _ => not_found(),
    })
}

async fn start_buggy() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let items: Items = Arc::default();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let items = Arc::clone(&items);
            tokio::spawn(async move {
                let service = service_fn(move |r| buggy(Arc::clone(&items), r));
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

fn spec_file() -> String {
    common::spec_file("lifecycle", "lifecycle.yaml", &document())
}

/// `specmock check` with a JSON report on standard output: (exit code, report, stderr).
async fn check(spec: &str, base_url: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args: Vec<String> =
        ["check", "--spec", spec, "--base-url", base_url, "--report", "json=-"].iter().map(|s| s.to_string()).collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_specmock")).args(&args).current_dir(env!("CARGO_MANIFEST_DIR")).output()
    })
    .await
    .unwrap()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("no JSON report on stdout ({e}); stderr: {stderr}"));
    (output.status.code().unwrap_or(-1), report, stderr)
}

fn results(report: &Value) -> &Vec<Value> {
    report["results"].as_array().unwrap()
}

fn is_lifecycle(result: &Value) -> bool {
    result["case"].as_str().is_some_and(|c| c.starts_with("lifecycle"))
}

#[tokio::test(flavor = "multi_thread")]
async fn each_kind_of_lifecycle_bug_is_found_with_the_chain_that_shows_it() {
    let addr = start_buggy().await;
    let spec = spec_file();
    let (code, report, stderr) = check(&spec, &format!("http://{addr}"), &[]).await;
    assert_eq!(code, 1, "{stderr}");

    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for result in results(&report) {
        let findings = result["findings"].as_array().unwrap();
        if !is_lifecycle(result) {
            assert!(findings.is_empty(), "only the lifecycles are broken: {result:#}");
            continue;
        }
        let collection = result["case"].as_str().unwrap().split(['/', ':']).nth(1).unwrap().to_string();
        for finding in findings {
            found.entry(collection.clone()).or_default().insert(finding["rule"].as_str().unwrap().to_string());
            assert_eq!(finding["severity"], "error", "{finding}");
        }
        if !findings.is_empty() {
            let chain = result["curl"].as_str().unwrap();
            let lines: Vec<&str> = chain.lines().collect();
            assert!(lines[0].starts_with("ID=$(curl -s -X POST "), "the chain starts with the create: {chain}");
            assert!(lines[0].ends_with("| jq -r '.id')") || lines[0].ends_with("| jq -r '.fine_id')"), "{chain}");
            // The read after the create uses the id the create answered.
            assert!(lines.len() >= 2 && lines[1].contains("\"$ID\""), "{chain}");
        }
    }
    let expected: BTreeMap<String, BTreeSet<String>> = RESOURCES
        .iter()
        .filter_map(|(name, rule, _)| Some((name.to_string(), BTreeSet::from([(*rule)?.to_string()]))))
        .collect();
    assert_eq!(found, expected, "{}", serde_json::to_string_pretty(&report).unwrap());
    // Every step of the correct resource was walked, and passed.
    let fine: Vec<&str> = results(&report)
        .iter()
        .filter(|r| r["case"].as_str().is_some_and(|c| c.starts_with("lifecycle of /fine")))
        .map(|r| r["case"].as_str().unwrap().rsplit(": ").next().unwrap())
        .collect();
    assert_eq!(
        fine,
        [
            "create",
            "read after create",
            "update",
            "read after update",
            "list after create",
            "delete",
            "read after delete"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chain_reproduces_the_bug_when_run() {
    if Command::new("jq").arg("--version").output().is_err() {
        eprintln!("skipped: jq is not installed, the reproducer cannot be run here");
        return;
    }
    let addr = start_buggy().await;
    let spec = spec_file();
    let (_, report, _) =
        check(&spec, &format!("http://{addr}"), &["--operation", "create_altered", "--operation", "read_altered"])
            .await;
    let failed = results(&report)
        .iter()
        .find(|r| r["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "read-matches-write"))
        .unwrap_or_else(|| panic!("no read-matches-write: {report:#}"));
    let chain = failed["curl"].as_str().unwrap().to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("bash").args(["-euo", "pipefail", "-c", &chain]).output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.starts_with("HTTP/1.1 200"), "{stdout}");
    assert!(stdout.contains("someone else's name"), "the read shows the bug again: {stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_stateful_leaves_the_lifecycles_out() {
    let addr = start_buggy().await;
    let spec = spec_file();
    let (code, report, stderr) = check(&spec, &format!("http://{addr}"), &["--no-stateful"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(!results(&report).iter().any(is_lifecycle));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_of_every_builtin_passes_its_lifecycles() {
    for style in ["scalekit", "straddle", "clerk", "zitadel"] {
        let server = common::start_stateful(&[style], |b| b.idempotency_ttl(Duration::from_secs(60))).await;
        let (code, report, stderr) = check(style, &server.base, &["--auth", "Bearer t"]).await;
        assert_eq!(code, 0, "{style}: {stderr}");
        assert_eq!(report["summary"]["errors"], 0, "{style}");
        assert_eq!(report["summary"]["skipped"], 0, "{style}: {stderr}");
        let steps: Vec<&str> = results(&report)
            .iter()
            .filter(|r| is_lifecycle(r))
            .map(|r| r["case"].as_str().unwrap().rsplit(": ").next().unwrap())
            .collect();
        let last = if style == "straddle" { "list after create" } else { "read after delete" };
        assert!(steps.contains(&"read after create") && steps.contains(&last), "{style}: {steps:?}");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stateless_mock_has_no_state_to_check_and_says_so() {
    let server = common::start(&["clerk"], |b| b).await;
    let (code, report, stderr) = check("clerk", &server.base, &["--auth", "Bearer t"]).await;
    assert_eq!(code, 0, "{stderr}");
    let skipped: Vec<&Value> = results(&report).iter().filter(|r| r["skipped"].is_string()).collect();
    assert_eq!(skipped.len(), 1, "{report:#}");
    assert!(skipped[0]["skipped"].as_str().unwrap().contains("keeps no state"), "{}", skipped[0]);
    assert!(stderr.contains("SKIP createOrganization"), "{stderr}");
    server.stop().await;
}
