//! The stateful sandbox: each style's whole lifecycle, rules, pagination, idempotency,
//! persistence across restarts and kill -9, concurrency, the admin surface.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Answer, TestServer, assert_conforms, client, start_stateful};
use serde_json::{Value, json};
use specmock::store::StoreOptions;

const TOKEN: &str = "Bearer t";

fn memory() -> StoreOptions {
    StoreOptions { state_file: None, seed_file: None, idempotency_ttl: Duration::from_secs(3600) }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("specmock-sandbox-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn send(server: &TestServer, method: &str, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Answer {
    let mut request = client().request(method.parse().unwrap(), server.url(path)).header("Authorization", TOKEN);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = Answer::from(request.send().await.unwrap()).await;
    // Every answer of the sandbox conforms to the document it serves.
    let route_path = path.split('?').next().unwrap();
    assert_conforms(server, method, route_path, &answer);
    answer
}

/// Replaces what changes run to run (the created id) before snapshotting.
fn redact(value: &Value, id: &str) -> Value {
    serde_json::from_str(&value.to_string().replace(id, "[id]")).unwrap()
}

macro_rules! lifecycle_snapshot {
    ($name:expr, $value:expr) => {{
        let settings = snapshot_settings!();
        settings.bind(|| {
            insta::assert_json_snapshot!($name, $value, {
                ".**.created_at" => "[time]", ".**.updated_at" => "[time]",
                ".**.create_time" => "[time]", ".**.update_time" => "[time]",
                ".**.creationDate" => "[time]", ".**.changeDate" => "[time]", ".**.viewTimestamp" => "[time]",
                ".**.api_request_id" => "[request-id]", ".**.api_request_timestamp" => "[time]",
                ".**.clerk_trace_id" => "[trace-id]",
            });
        });
    }};
}

#[tokio::test]
async fn clerk_lifecycle() {
    let s = start_stateful(&["clerk"], memory()).await;
    let created = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Acme Inc"})), &[]).await;
    assert_eq!(created.status, 200);
    let org = created.json();
    let id = org["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("org_") && id.len() == 31, "{id}");
    assert_eq!(org["object"], "organization");
    assert!(org["created_at"].as_i64().unwrap() > 1_700_000_000_000, "epoch milliseconds");
    let read = send(&s, "GET", &format!("/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(read.json(), org);
    let list = send(&s, "GET", "/v1/organizations", None, &[]).await;
    assert_eq!(list.json()["total_count"], 1);
    tokio::time::sleep(Duration::from_millis(5)).await; // so the update time can move
    let patched = send(&s, "PATCH", &format!("/v1/organizations/{id}"), Some(json!({"name": "Acme Corp"})), &[]).await;
    assert_eq!(patched.json()["name"], "Acme Corp");
    assert_eq!(patched.json()["created_at"], org["created_at"]);
    assert!(patched.json()["updated_at"].as_i64() > org["updated_at"].as_i64(), "PATCH moves updated_at");
    let deleted = send(&s, "DELETE", &format!("/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(deleted.json()["deleted"], true);
    let gone = send(&s, "GET", &format!("/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["errors"][0]["code"], "resource_not_found");
    let steps: Vec<Value> = [&created, &read, &list, &patched, &deleted, &gone]
        .iter()
        .map(|a| json!({"status": a.status, "body": redact(&a.json(), &id)}))
        .collect();
    lifecycle_snapshot!("sandbox_clerk_lifecycle", steps);
    s.stop().await;
}

#[tokio::test]
async fn scalekit_lifecycle() {
    let s = start_stateful(&["scalekit"], memory()).await;
    let body = json!({"display_name": "Acme Corp", "external_id": "my_unique_id", "metadata": {"someKey": "somevalue"}, "region_code": "US"});
    let created = send(&s, "POST", "/api/v1/organizations", Some(body), &[]).await;
    assert_eq!(created.status, 201);
    let org = created.json()["organization"].clone();
    let id = org["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("org_"), "{id}");
    let read = send(&s, "GET", &format!("/api/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(read.json()["organization"], org);
    let by_external = send(&s, "GET", "/api/v1/organizations:external/my_unique_id", None, &[]).await;
    assert_eq!(by_external.json()["organization"]["id"], id.as_str());
    let list = send(&s, "GET", "/api/v1/organizations?page_size=10", None, &[]).await;
    assert_eq!(list.json()["total_size"], 1);
    let patched =
        send(&s, "PATCH", &format!("/api/v1/organizations/{id}"), Some(json!({"display_name": "Acme Inc"})), &[]).await;
    assert_eq!(patched.json()["organization"]["display_name"], "Acme Inc");
    assert_eq!(patched.json()["organization"]["external_id"], "my_unique_id", "PATCH merges");
    let deleted = send(&s, "DELETE", &format!("/api/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(deleted.status, 200);
    let gone = send(&s, "GET", &format!("/api/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["code"], 5);
    let steps: Vec<Value> = [&created, &read, &by_external, &list, &patched, &deleted, &gone]
        .iter()
        .map(|a| json!({"status": a.status, "body": redact(&a.json(), &id)}))
        .collect();
    lifecycle_snapshot!("sandbox_scalekit_lifecycle", steps);
    s.stop().await;
}

#[tokio::test]
async fn straddle_lifecycle() {
    let s = start_stateful(&["straddle"], memory()).await;
    let created = send(
        &s,
        "POST",
        "/v1/organizations",
        Some(json!({"name": "Acme", "external_id": "acme-1", "metadata": {"tier": "gold"}})),
        &[],
    )
    .await;
    assert_eq!(created.status, 201);
    let id = created.json()["data"]["id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let read = send(&s, "GET", &format!("/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(read.json()["data"], created.json()["data"]);
    assert_ne!(
        read.json()["meta"]["api_request_id"],
        created.json()["meta"]["api_request_id"],
        "a fresh request id per request"
    );
    let list = send(&s, "GET", "/v1/organizations?page_number=1&page_size=10", None, &[]).await;
    assert_eq!(list.json()["meta"]["total_items"], 1);
    let missing = send(&s, "GET", "/v1/organizations/3f1c2b7e-9a4d-4c6b-8e21-5d0f7a9b1c33", None, &[]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["response_type"], "error");
    let steps: Vec<Value> = [&created, &read, &list, &missing]
        .iter()
        .map(|a| json!({"status": a.status, "body": redact(&a.json(), &id)}))
        .collect();
    lifecycle_snapshot!("sandbox_straddle_lifecycle", steps);
    s.stop().await;
}

#[tokio::test]
async fn zitadel_lifecycle() {
    let s = start_stateful(&["zitadel"], memory()).await;
    let created = send(&s, "POST", "/management/v1/orgs", Some(json!({"name": "Customer A"})), &[]).await;
    assert_eq!(created.status, 200);
    let id = created.json()["id"].as_str().unwrap().to_string();
    assert!(id.chars().all(|c| c.is_ascii_digit()), "numeric string: {id}");
    let mine = send(&s, "GET", "/management/v1/orgs/me", None, &[("x-zitadel-orgid", &id)]).await;
    assert_eq!(mine.json()["org"]["name"], "Customer A");
    let by_id = send(&s, "GET", &format!("/admin/v1/orgs/{id}"), None, &[]).await;
    assert_eq!(by_id.json()["org"]["id"], id.as_str());
    let list =
        send(&s, "POST", "/admin/v1/orgs/_search", Some(json!({"query": {"offset": "0", "limit": 10}})), &[]).await;
    assert_eq!(list.json()["details"]["totalResult"], "1");
    let updated =
        send(&s, "PUT", "/management/v1/orgs/me", Some(json!({"name": "Customer B"})), &[("x-zitadel-orgid", &id)])
            .await;
    assert_eq!(updated.status, 200);
    let after = send(&s, "GET", "/management/v1/orgs/me", None, &[("x-zitadel-orgid", &id)]).await;
    assert_eq!(after.json()["org"]["name"], "Customer B");
    let removed = send(&s, "DELETE", "/management/v1/orgs/me", None, &[("x-zitadel-orgid", &id)]).await;
    assert_eq!(removed.status, 200);
    let gone = send(&s, "GET", "/management/v1/orgs/me", None, &[("x-zitadel-orgid", &id)]).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["code"], 5);
    let steps: Vec<Value> = [&created, &mine, &by_id, &list, &updated, &after, &removed, &gone]
        .iter()
        .map(|a| json!({"status": a.status, "body": redact(&a.json(), &id)}))
        .collect();
    lifecycle_snapshot!("sandbox_zitadel_lifecycle", steps);
    s.stop().await;
}

#[tokio::test]
async fn vendor_rules_are_enforced() {
    let s = start_stateful(&[], memory()).await;
    // Clerk: at most 100 organizations.
    for i in 0..100 {
        let a = send(&s, "POST", "/clerk/v1/organizations", Some(json!({"name": format!("Org {i}")})), &[]).await;
        assert_eq!(a.status, 200, "{i}");
    }
    let over = send(&s, "POST", "/clerk/v1/organizations", Some(json!({"name": "One too many"})), &[]).await;
    assert_eq!(over.status, 403);
    assert_eq!(over.json()["errors"][0]["code"], "organization_quota_exceeded");
    // Scalekit: external_id is unique.
    send(&s, "POST", "/scalekit/api/v1/organizations", Some(json!({"display_name": "A", "external_id": "dup"})), &[])
        .await;
    let dup = send(
        &s,
        "POST",
        "/scalekit/api/v1/organizations",
        Some(json!({"display_name": "B", "external_id": "dup"})),
        &[],
    )
    .await;
    assert_eq!(dup.status, 409);
    assert!(dup.json()["message"].as_str().unwrap().contains("external_id"));
    // Straddle: at most 20 metadata pairs.
    let metadata: serde_json::Map<String, Value> = (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
    let many =
        send(&s, "POST", "/straddle/v1/organizations", Some(json!({"name": "A", "metadata": metadata})), &[]).await;
    assert_eq!(many.status, 422);
    assert_eq!(many.json()["error"]["items"][0]["reference"], "metadata");
    // Zitadel: at most 200 characters.
    let long = send(&s, "POST", "/zitadel/management/v1/orgs", Some(json!({"name": "x".repeat(201)})), &[]).await;
    assert_eq!(long.status, 400);
    assert!(long.json()["message"].as_str().unwrap().contains("200"));
    s.stop().await;
}

#[tokio::test]
async fn lists_paginate_and_filter_by_the_documents_parameters() {
    let s = start_stateful(&["clerk", "scalekit", "straddle"], memory()).await;
    for i in 0..5 {
        send(&s, "POST", "/clerk/v1/organizations", Some(json!({"name": format!("C{i}")})), &[]).await;
        send(
            &s,
            "POST",
            "/scalekit/api/v1/organizations",
            Some(json!({"display_name": format!("S{i}"), "external_id": format!("e{i}")})),
            &[],
        )
        .await;
        send(&s, "POST", "/straddle/v1/organizations", Some(json!({"name": format!("T{i}")})), &[]).await;
    }
    let page = send(&s, "GET", "/clerk/v1/organizations?limit=2&offset=2", None, &[]).await.json();
    assert_eq!(page["total_count"], 5);
    let names: Vec<&str> = page["data"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["C2", "C3"]);

    let first = send(&s, "GET", "/scalekit/api/v1/organizations?page_size=10", None, &[]).await.json();
    assert_eq!(first["organizations"].as_array().unwrap().len(), 5);
    assert_eq!(first["next_page_token"], "");
    let filtered =
        send(&s, "GET", "/scalekit/api/v1/organizations?page_size=10&external_id=e3", None, &[]).await.json();
    // Scalekit's list documents an external_id query parameter: it filters.
    assert_eq!(filtered["total_size"], 1);
    assert_eq!(filtered["organizations"][0]["external_id"], "e3");

    let second = send(&s, "GET", "/straddle/v1/organizations?page_number=2&page_size=2", None, &[]).await.json();
    let names: Vec<&str> = second["data"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["T2", "T3"]);
    assert_eq!(second["meta"]["total_items"], 5);
    assert_eq!(second["meta"]["total_pages"], 3);
    assert_eq!(second["meta"]["page_number"], 2);
    s.stop().await;
}

#[tokio::test]
async fn idempotent_retries_replay_and_conflicting_ones_are_refused() {
    let s = start_stateful(&["straddle"], memory()).await;
    let key = ("idempotency-key", "retry-key-0001");
    let first = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Acme"})), &[key]).await;
    let again = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Acme"})), &[key]).await;
    assert_eq!(again.status, first.status);
    assert_eq!(again.body, first.body, "the same status and bytes");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert!(first.header("idempotent-replayed").is_none());
    let list = send(&s, "GET", "/v1/organizations", None, &[]).await.json();
    assert_eq!(list["meta"]["total_items"], 1, "the retry created nothing");
    let other = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Other"})), &[key]).await;
    assert_eq!(other.status, 422);
    assert_eq!(other.json()["error"]["items"][0]["reference"], "idempotency-key");
    s.stop().await;

    // Keys expire.
    let s = start_stateful(&["straddle"], StoreOptions { idempotency_ttl: Duration::ZERO, ..memory() }).await;
    send(&s, "POST", "/v1/organizations", Some(json!({"name": "Acme"})), &[key]).await;
    let later = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Other"})), &[key]).await;
    assert_eq!(later.status, 201, "an expired key is a new request");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_creates_make_a_thousand_resources() {
    let dir = temp("concurrent");
    let state = dir.join("state.json");
    let s = start_stateful(&["straddle"], StoreOptions { state_file: Some(state.clone()), ..memory() }).await;
    let client = client();
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let (client, url) = (client.clone(), s.url("/v1/organizations"));
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .header("Authorization", TOKEN)
                .json(&json!({"name": format!("Org {i}")}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()["data"]["id"].as_str().unwrap().to_string()
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 1000);
    let dump = Answer::from(client.get(s.url("/__specmock/state")).send().await.unwrap()).await.json();
    let stored: HashSet<String> = dump["resources"]["straddle:/v1/organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(stored, ids);
    s.stop().await;
    // And the file holds exactly those.
    let s = start_stateful(&["straddle"], StoreOptions { state_file: Some(state), ..memory() }).await;
    let list = send(&s, "GET", "/v1/organizations?page_size=1000", None, &[]).await.json();
    assert_eq!(list["meta"]["total_items"], 1000);
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = temp("restart");
    let options = StoreOptions { state_file: Some(dir.join("sandbox.json")), ..memory() };
    let s = start_stateful(&[], options.clone()).await;
    let id = send(&s, "POST", "/clerk/v1/organizations", Some(json!({"name": "Keep me"})), &[]).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.stop().await;
    let s = start_stateful(&[], options).await;
    let read = send(&s, "GET", &format!("/clerk/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["name"], "Keep me");
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn corrupt_or_foreign_state_files_stop_start_up_with_a_clear_message() {
    let dir = temp("corrupt");
    let run = |args: Vec<String>| {
        let out = Command::new(env!("CARGO_BIN_EXE_specmock")).args(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let file = dir.join("state.json");
    std::fs::write(
        &file,
        "{\"specmock_state\":1}\n{\"op\":\"put\",\"resource\":\"clerk:/v1/organizations\",oops}\n{\"op\":\"clear\"}\n",
    )
    .unwrap();
    let (code, stderr) =
        run(vec!["serve".into(), "--port".into(), "0".into(), "--state".into(), file.display().to_string()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("line 2: corrupt record"), "{stderr}");
    std::fs::write(&file, "hello\nworld\n").unwrap();
    let (code, stderr) =
        run(vec!["serve".into(), "--port".into(), "0".into(), "--state".into(), file.display().to_string()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not a specmock state file"), "{stderr}");
    std::fs::write(
        &file,
        "{\"specmock_state\":1}\n{\"op\":\"put\",\"resource\":\"billing:/invoices\",\"id\":\"1\",\"value\":{}}\n",
    )
    .unwrap();
    let (code, stderr) = run(vec![
        "serve".into(),
        "clerk".into(),
        "--port".into(),
        "0".into(),
        "--state".into(),
        file.display().to_string(),
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("billing:/invoices"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Starts the binary on a free port and returns it with its base URL (read from its banner).
fn spawn_binary(args: &[&str]) -> (Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(args)
        .args(["--port", "0", "-q"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines.next().expect("the server prints where it listens").unwrap();
        if let Some(url) = line.strip_prefix("specmock listening on ") {
            break url.trim().to_string();
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_no_acknowledged_write() {
    let dir = temp("kill9");
    let state = dir.join("state.json");
    let state_arg = state.display().to_string();
    let (mut child, base) = spawn_binary(&["serve", "clerk", "--state", &state_arg]);
    let client = client();
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for i in 0..400 {
        let (client, url, acked) = (client.clone(), format!("{base}/v1/organizations"), acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            let sent =
                client.post(url).header("Authorization", TOKEN).json(&json!({"name": format!("Org {i}")})).send().await;
            if let Ok(r) = sent
                && r.status() == 200
                && let Ok(v) = r.json::<Value>().await
            {
                acked.lock().unwrap().push(v["id"].as_str().unwrap().to_string());
            }
        }));
    }
    // Kill once some writes are acknowledged, with others still in flight.
    loop {
        if acknowledged.lock().unwrap().len() >= 100 {
            break;
        }
        tokio::task::yield_now().await;
    }
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    for t in tasks {
        let _ = t.await;
    }
    let acked: Vec<String> = acknowledged.lock().unwrap().clone();
    assert!(acked.len() >= 100);

    let (mut child, base) = spawn_binary(&["serve", "clerk", "--state", &state_arg]);
    let dump = Answer::from(client.get(format!("{base}/__specmock/state")).send().await.unwrap()).await.json();
    let stored: HashSet<&str> = dump["resources"]["clerk:/v1/organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    for id in &acked {
        assert!(stored.contains(id.as_str()), "acknowledged {id} was lost");
    }
    eprintln!("{} acknowledged before kill -9, {} on disk after restart", acked.len(), stored.len());
    child.kill().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn seeds_load_and_reset_returns_to_them() {
    let dir = temp("seed");
    let seed = dir.join("seed.yaml");
    std::fs::write(&seed, "clerk:\n  organizations:\n    - {id: org_seed00000000000000000000001, name: Seeded Inc}\n")
        .unwrap();
    let s = start_stateful(&[], StoreOptions { seed_file: Some(seed), ..memory() }).await;
    let read = send(&s, "GET", "/clerk/v1/organizations/org_seed00000000000000000000001", None, &[]).await;
    assert_eq!(read.json()["name"], "Seeded Inc");
    send(&s, "POST", "/clerk/v1/organizations", Some(json!({"name": "New"})), &[]).await;
    let reset = Answer::from(client().post(s.url("/__specmock/reset")).send().await.unwrap()).await;
    assert_eq!(reset.status, 200);
    let list = send(&s, "GET", "/clerk/v1/organizations", None, &[]).await.json();
    assert_eq!(list["total_count"], 1, "back to the seed");
    Answer::from(client().post(s.url("/__specmock/reset?to=empty")).send().await.unwrap()).await;
    let list = send(&s, "GET", "/clerk/v1/organizations", None, &[]).await.json();
    assert_eq!(list["total_count"], 0);
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_admin_surface_needs_its_token_when_one_is_set() {
    let options = specmock::mock::MockOptions { admin_token: Some("s3cret".into()), ..Default::default() };
    let s = common::start_full(
        &["clerk"],
        options,
        specmock::server::Limits { access_log: false, ..Default::default() },
        Some(memory()),
    )
    .await;
    let anonymous = client().get(s.url("/__specmock/state")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = client().get(s.url("/__specmock/state")).header("Authorization", "Bearer nope").send().await.unwrap();
    assert_eq!(wrong.status(), 403);
    let right = client().get(s.url("/__specmock/state")).header("Authorization", "Bearer s3cret").send().await.unwrap();
    assert_eq!(right.status(), 200);
    let method =
        client().get(s.url("/__specmock/reset")).header("Authorization", "Bearer s3cret").send().await.unwrap();
    assert_eq!(method.status(), 405);
    s.stop().await;
}

#[tokio::test]
async fn without_state_nothing_changes() {
    let s = common::start(&["clerk"], specmock::mock::MockOptions::default()).await;
    let created = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Anything"})), &[]).await;
    assert_eq!(created.json()["name"], "Acme Inc", "the documented example, not the body");
    let admin = client().get(s.url("/__specmock/state")).send().await.unwrap();
    assert_eq!(admin.status(), 404);
    s.stop().await;
}

#[tokio::test]
async fn prefer_still_returns_documented_answers_in_the_sandbox() {
    let s = start_stateful(&["clerk"], memory()).await;
    let forced = send(&s, "GET", "/v1/organizations/org_nothing", None, &[("Prefer", "code=200")]).await;
    assert_eq!(forced.status, 200);
    assert_eq!(forced.json()["id"], "org_21Ufcy98STcA11s3QckIwtwHIES");
    s.stop().await;
}
