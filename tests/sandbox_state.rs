//! The sandbox's state over time: a thousand concurrent creates, restarts, corrupt and foreign
//! state files, kill -9 during a burst, seeds and resets, and the admin surface.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;

use common::{Answer, client, memory, send, start_stateful};
use serde_json::{Value, json};

const TOKEN: &str = "Bearer t";

fn temp(name: &str) -> PathBuf {
    common::scratch(&format!("sandbox-{name}"))
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = temp("restart");
    let state = dir.join("sandbox.json");
    let s = start_stateful(&[], |b| memory(b).state_file(state.clone())).await;
    let id = send(&s, "POST", "/clerk/v1/organizations", Some(json!({"name": "Keep me"})), &[]).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key = ("idempotency-key", "restart-key-0001");
    let first = send(&s, "POST", "/straddle/v1/organizations", Some(json!({"name": "Once"})), &[key]).await;
    s.stop().await;
    let s = start_stateful(&[], |b| memory(b).state_file(state)).await;
    let read = send(&s, "GET", &format!("/clerk/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["name"], "Keep me");
    // Idempotency keys are state too: a retry after the restart replays, it does not create again.
    let retry = send(&s, "POST", "/straddle/v1/organizations", Some(json!({"name": "Once"})), &[key]).await;
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!((retry.status, &retry.body), (first.status, &first.body));
    let list = send(&s, "GET", "/straddle/v1/organizations", None, &[]).await.json();
    assert_eq!(list["meta"]["total_items"], 1);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_no_acknowledged_write() {
    let dir = temp("kill9");
    let state = dir.join("state.json");
    let state_arg = state.display().to_string();
    let (mut child, base) = common::spawn_specmock(&["serve", "clerk", "--state", &state_arg]);
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

    let (mut child, base) = common::spawn_specmock(&["serve", "clerk", "--state", &state_arg]);
    let dump = Answer::of(client.get(format!("{base}/__specmock/state"))).await.json();
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
    let s = start_stateful(&[], |b| memory(b).state_seed(seed)).await;
    let read = send(&s, "GET", "/clerk/v1/organizations/org_seed00000000000000000000001", None, &[]).await;
    assert_eq!(read.json()["name"], "Seeded Inc");
    send(&s, "POST", "/clerk/v1/organizations", Some(json!({"name": "New"})), &[]).await;
    let reset = Answer::of(client().post(s.url("/__specmock/reset"))).await;
    assert_eq!(reset.status, 200);
    let list = send(&s, "GET", "/clerk/v1/organizations", None, &[]).await.json();
    assert_eq!(list["total_count"], 1, "back to the seed");
    Answer::of(client().post(s.url("/__specmock/reset?to=empty"))).await;
    let list = send(&s, "GET", "/clerk/v1/organizations", None, &[]).await.json();
    assert_eq!(list["total_count"], 0);
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_admin_surface_needs_its_token_when_one_is_set() {
    let s = start_stateful(&["clerk"], |b| memory(b).admin_token("s3cret")).await;
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
async fn a_reset_forgets_idempotency_keys_and_the_admin_surface_is_strict_about_its_input() {
    let s = start_stateful(&["straddle"], memory).await;
    let key = ("idempotency-key", "reset-key-0001");
    let first = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Acme"})), &[key]).await;
    let bogus = client().post(s.url("/__specmock/reset?to=bogus")).send().await.unwrap();
    assert_eq!(bogus.status(), 400);
    let reset = client().post(s.url("/__specmock/reset?to=empty")).send().await.unwrap();
    assert_eq!(reset.status(), 200);
    let again = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Acme"})), &[key]).await;
    assert!(again.header("idempotent-replayed").is_none(), "the replay would name a resource that is gone");
    assert_ne!(again.json()["data"]["id"], first.json()["data"]["id"]);
    s.stop().await;

    let s = start_stateful(&["clerk"], |b| memory(b).admin_token("s3cret")).await;
    let lower = client().get(s.url("/__specmock/state")).header("Authorization", "bearer s3cret").send().await.unwrap();
    assert_eq!(lower.status(), 200, "the auth scheme is case-insensitive");
    s.stop().await;
}

#[tokio::test]
async fn a_state_file_is_one_servers_and_only_specmocks() {
    let dir = temp("exclusive");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_specmock")).args(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // A seed given to --state by mistake (no newline) is refused, and left as it was.
    let seed = dir.join("seed.json");
    let text = r#"{"clerk":{"organizations":[{"name":"x"}]}}"#;
    std::fs::write(&seed, text).unwrap();
    let (code, stderr) = run(&["serve", "--port", "0", "--state", seed.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not a specmock state file"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&seed).unwrap(), text, "not overwritten");
    assert!(!dir.join("seed.json.lock").exists(), "and no lock file is left beside it");

    // A second server on the same file is refused while the first runs.
    let state = dir.join("state.json");
    let (mut first, _) = common::spawn_specmock(&["serve", "clerk", "--state", state.to_str().unwrap()]);
    let (code, stderr) = run(&["serve", "clerk", "--port", "0", "--state", state.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("another specmock is using this state file"), "{stderr}");
    first.kill().unwrap();
    first.wait().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn seeds_must_match_the_document() {
    let dir = temp("bad-seeds");
    let run = |seed: &str| {
        let file = dir.join("seed.yaml");
        std::fs::write(&file, seed).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_specmock"))
            .args(["serve", "--port", "0", "--stateful", "--state-seed", file.to_str().unwrap()])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, stderr) = run("clerk:\n  organizations:\n    - {name: 5}\n");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("does not match the document") && stderr.contains("name"), "{stderr}");
    let (code, stderr) = run("clerk:\n  organizations:\n    - {id: org_1, name: A}\n");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("pattern"), "an id not in the documented form: {stderr}");
    let id = "org_seed00000000000000000000001";
    let (code, stderr) =
        run(&format!("clerk:\n  organizations:\n    - {{id: {id}, name: A}}\n    - {{id: {id}, name: B}}\n"));
    assert_eq!(code, Some(2));
    assert!(stderr.contains(&format!("two items have the id '{id}'")), "{stderr}");
    let (code, stderr) = run(
        "scalekit:\n  organizations:\n    - {display_name: A, external_id: same}\n    - {display_name: B, external_id: same}\n",
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("external_id 'same'"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);

    // A partial nested object keeps the server-owned rest.
    let dir = temp("nested-seed");
    let seed = dir.join("seed.yaml");
    std::fs::write(
        &seed,
        "zitadel:\n  orgs:\n    - {id: '123456789012345678', name: Seeded, details: {resourceOwner: '1'}}\n",
    )
    .unwrap();
    let s = start_stateful(&["zitadel"], |b| memory(b).state_seed(seed)).await;
    let read =
        send(&s, "GET", "/management/v1/orgs/me", None, &[("x-zitadel-orgid", "123456789012345678")]).await.json();
    assert_eq!(read["org"]["details"]["resourceOwner"], "1");
    assert!(read["org"]["details"]["creationDate"].is_string(), "{read}");
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_creates_make_a_thousand_resources() {
    let dir = temp("concurrent");
    let state = dir.join("state.json");
    let s = start_stateful(&["straddle"], |b| memory(b).state_file(state.clone())).await;
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
    let dump = Answer::of(client.get(s.url("/__specmock/state"))).await.json();
    let stored: HashSet<String> = dump["resources"]["straddle:/v1/organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(stored, ids);
    s.stop().await;
    // And the file holds exactly those.
    let s = start_stateful(&["straddle"], |b| memory(b).state_file(state)).await;
    let list = send(&s, "GET", "/v1/organizations?page_size=1000", None, &[]).await.json();
    assert_eq!(list["meta"]["total_items"], 1000);
    s.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
