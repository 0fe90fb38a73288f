//! Lifecycles a document declares with OpenAPI `links`, where paths alone would not tell
//! that `POST /signup` creates what `GET /accounts/{accountId}` reads.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

use std::collections::HashMap;
use std::convert::Infallible;
use std::process::Command;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};

const LINKED: &str = r#"
openapi: 3.1.0
info: {title: linked, version: "1"}
components:
  schemas:
    Account:
      type: object
      required: [uid, email]
      properties: {uid: {type: string}, email: {type: string, format: email}}
  responses:
    NotFound: {description: none, content: {application/json: {schema: {type: object}}}}
paths:
  /signup:
    post:
      operationId: signUp
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [email], properties: {email: {type: string, format: email}}}}}
      responses:
        '201':
          description: signed up
          content: {application/json: {schema: {type: object, required: [account], properties: {account: {$ref: '#/components/schemas/Account'}}}}}
          links:
            read: {operationId: getAccount, parameters: {accountId: '$response.body#/account/uid'}}
            close: {operationRef: '#/paths/~1accounts~1{accountId}/delete', parameters: {path.accountId: '$response.body#/account/uid'}}
        '422': {description: invalid, content: {application/json: {schema: {type: object}}}}
  /accounts/{accountId}:
    parameters: [{name: accountId, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getAccount
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Account'}}}}
        '404': {$ref: '#/components/responses/NotFound'}
    delete:
      operationId: closeAccount
      responses:
        '204': {description: closed}
        '404': {$ref: '#/components/responses/NotFound'}
"#;

/// Signs up and reads accounts right; a closed account stays readable (the planted bug).
async fn serve(
    accounts: Arc<Mutex<HashMap<String, Value>>>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let answer = |status: u16, value: Option<Value>| {
        let mut r = Response::builder().status(status);
        if value.is_some() {
            r = r.header("content-type", "application/json");
        }
        r.body(Full::new(value.map(|v| Bytes::from(v.to_string())).unwrap_or_default())).unwrap()
    };
    let path = parts.uri.path().to_string();
    let mut accounts = accounts.lock().unwrap();
    Ok(match (parts.method, path.strip_prefix("/accounts/")) {
        (Method::POST, None) if path == "/signup" => {
            match serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|b| b.get("email").and_then(Value::as_str).map(str::to_string))
            {
                Some(email) if email.contains('@') => {
                    let account = json!({"uid": format!("acct-{}", accounts.len() + 1), "email": email});
                    accounts.insert(account["uid"].as_str().unwrap().to_string(), account.clone());
                    answer(201, Some(json!({"account": account})))
                }
                _ => answer(422, Some(json!({"error": "email"}))),
            }
        }
        (Method::GET, Some(id)) => match accounts.get(id) {
            Some(account) => answer(200, Some(account.clone())),
            None => answer(404, Some(json!({}))),
        },
        (Method::DELETE, Some(id)) if accounts.contains_key(id) => answer(204, None),
        (Method::DELETE, Some(_)) => answer(404, Some(json!({}))),
        (_, Some(_)) => {
            let mut r = answer(405, Some(json!({})));
            r.headers_mut().insert("allow", "GET, DELETE".parse().unwrap());
            r
        }
        (_, None) if path == "/signup" => {
            let mut r = answer(405, Some(json!({})));
            r.headers_mut().insert("allow", "POST".parse().unwrap());
            r
        }
        _ => answer(404, Some(json!({}))),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn links_lead_the_lifecycle_where_paths_do_not() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accounts: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let accounts = Arc::clone(&accounts);
            tokio::spawn(async move {
                let service = service_fn(move |r| serve(Arc::clone(&accounts), r));
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let dir = std::env::temp_dir().join(format!("specmock-links-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("linked.yaml");
    std::fs::write(&spec, LINKED).unwrap();
    let spec = spec.display().to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_specmock"))
            .args(["check", "--spec", &spec, "--base-url", &base, "--report", "json=-"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let steps: Vec<(&str, Vec<&str>)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["case"].as_str().is_some_and(|c| c.starts_with("lifecycle")))
        .map(|r| {
            let rules = r["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
            (r["case"].as_str().unwrap().rsplit(": ").next().unwrap(), rules)
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("create", vec![]),
            ("read after create", vec![]),
            ("delete", vec![]),
            ("read after delete", vec!["deleted-not-readable"])
        ],
        "{report:#}"
    );
    let failed = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["case"].as_str().unwrap().ends_with("read after delete"))
        .unwrap();
    assert!(
        failed["curl"].as_str().unwrap().starts_with("ID=$(curl -s -X POST")
            && failed["curl"].as_str().unwrap().contains("jq -r '.account.uid'"),
        "{failed}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
