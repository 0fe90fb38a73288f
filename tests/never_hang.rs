//! Never hang, never lose: ids that cannot run out, an exhausted id space answered at once
//! while the server keeps serving, work with bounds, Ctrl-C that stops a busy server, and
//! idempotency keys that survive an abandoned request.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::process::{Child, Command};
use std::time::Duration;

use common::{Answer, client, client_builder, data, spawn_specmock};
use serde_json::{Value, json};

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("specmock-never-hang-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn post(base: &str, path: &str, body: Value) -> Answer {
    Answer::of(client().post(format!("{base}{path}")).json(&body)).await
}

/// Waits for the child to exit (bounded: a hang fails the test instead of hanging it).
fn wait_exit(child: &mut Child, what: &str) -> std::process::ExitStatus {
    for _ in 0..600 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("{what}: the server did not exit within 30 s");
}

fn interrupt(child: &Child) {
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn integer_ids_count_up_like_a_database_and_keep_counting_after_a_restart() {
    let dir = temp("sequence");
    let state = dir.join("pets.json");
    let pets = data("pets.yaml");
    let (mut child, base) = spawn_specmock(&["serve", &pets, "--state", state.to_str().unwrap()]);
    // Well past the ~100 creates that used to hang the whole server.
    for n in 1..=500u64 {
        let created = post(&base, "/pets", json!({"name": format!("P{n}")})).await;
        assert_eq!(created.status, 201, "create {n}: {}", String::from_utf8_lossy(&created.body));
        assert_eq!(created.json()["id"], n, "ids are 1, 2, 3…");
    }
    // Deleting the last one does not hand its id out again.
    assert_eq!(Answer::of(client().delete(format!("{base}/pets/500"))).await.status, 204);
    assert_eq!(post(&base, "/pets", json!({"name": "after delete"})).await.json()["id"], 501);
    interrupt(&child);
    assert!(wait_exit(&mut child, "Ctrl-C").success());
    assert!(!dir.join("pets.json.lock").exists(), "a clean stop removes the lock file");

    let (mut child, base) = spawn_specmock(&["serve", &pets, "--state", state.to_str().unwrap()]);
    let created = post(&base, "/pets", json!({"name": "after restart"})).await;
    assert_eq!(created.json()["id"], 502, "a restart keeps counting");
    let read = Answer::of(client().get(format!("{base}/pets/250"))).await;
    assert_eq!(read.json(), json!({"id": 250, "name": "P250"}));
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn a_used_up_id_space_is_refused_at_once_while_the_server_keeps_answering() {
    let (mut child, base) = spawn_specmock(&["serve", &data("pets.yaml"), "--stateful"]);
    // A burst of creates on a resource with two possible ids, while another client polls.
    let burst = (0..60).map(|n| {
        let base = base.clone();
        tokio::spawn(async move { post(&base, "/slots", json!({"label": format!("L{n}")})).await })
    });
    let burst: Vec<_> = burst.collect();
    let poller = {
        let base = base.clone();
        tokio::spawn(async move {
            let quick = client_builder().timeout(Duration::from_secs(5)).build().unwrap();
            for _ in 0..50 {
                let health = quick.get(format!("{base}/__specmock/health")).send().await.expect("health answers");
                assert_eq!(health.status(), 200);
                let list = quick.get(format!("{base}/pets")).send().await.expect("other paths answer");
                assert_eq!(list.status(), 200);
            }
        })
    };
    let mut created = 0;
    for task in burst {
        let answer = task.await.unwrap();
        match answer.status {
            201 => created += 1,
            507 => {
                let problem = answer.json();
                let detail = problem["detail"].as_str().unwrap();
                assert!(detail.contains("id space of pets:/slots is exhausted"), "{detail}");
            }
            other => panic!("unexpected {other}: {}", String::from_utf8_lossy(&answer.body)),
        }
    }
    poller.await.unwrap();
    assert_eq!(created, 2, "an enum of two ids holds two items");
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn ctrl_c_stops_a_server_with_requests_in_flight_and_leaves_the_state_loadable() {
    let dir = temp("interrupt");
    let state = dir.join("state.json");
    let pets = data("pets.yaml");
    let (mut child, base) = spawn_specmock(&["serve", &pets, "--state", state.to_str().unwrap()]);
    assert_eq!(post(&base, "/pets", json!({"name": "kept"})).await.status, 201);
    // Requests that will not finish on their own for a minute, and a burst of writes.
    let mut in_flight = Vec::new();
    for n in 0..20 {
        let url = format!("{base}/pets");
        in_flight.push(tokio::spawn(async move {
            let slow = client().post(url).header("Prefer", "delay=60s").json(&json!({"name": format!("S{n}")}));
            let _ = slow.send().await;
        }));
    }
    for n in 0..20 {
        let base = base.clone();
        in_flight.push(tokio::spawn(async move {
            let _ = client().post(format!("{base}/pets")).json(&json!({"name": format!("B{n}")})).send().await;
        }));
    }
    // Every slow request is in flight once the health check after them answers.
    assert_eq!(Answer::of(client().get(format!("{base}/__specmock/health"))).await.status, 200);
    interrupt(&child);
    wait_exit(&mut child, "Ctrl-C with requests in flight");
    for task in in_flight {
        let _ = task.await;
    }
    let (mut child, base) = spawn_specmock(&["serve", &pets, "--state", state.to_str().unwrap()]);
    let read = Answer::of(client().get(format!("{base}/pets/1"))).await;
    assert_eq!(read.json()["name"], "kept", "the state file loads after the interruption");
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn a_lock_file_left_by_a_crash_is_taken_over() {
    let dir = temp("stale-lock");
    let state = dir.join("state.json");
    std::fs::write(dir.join("state.json.lock"), "4194304\n").unwrap();
    let (mut child, base) = spawn_specmock(&["serve", &data("pets.yaml"), "--state", state.to_str().unwrap()]);
    assert_eq!(post(&base, "/pets", json!({"name": "x"})).await.status, 201);
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn the_sandbox_keeps_what_the_client_sent_and_nothing_from_the_examples() {
    let (mut child, base) = spawn_specmock(&["serve", &data("pets.yaml"), "--stateful"]);
    let created = post(&base, "/pets", json!({"name": "NoSpecies"})).await;
    assert_eq!(created.json(), json!({"id": 1, "name": "NoSpecies"}), "no species from the example");
    let read = Answer::of(client().get(format!("{base}/pets/1"))).await;
    assert_eq!(read.json(), created.json());
    let with = post(&base, "/pets", json!({"name": "Tom", "species": "cat"})).await;
    assert_eq!(with.json(), json!({"id": 2, "name": "Tom", "species": "cat"}));
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn an_abandoned_idempotent_request_does_not_hold_its_key() {
    let (mut child, base) = spawn_specmock(&["serve", &data("pets.yaml"), "--stateful"]);
    let url = format!("{base}/pets");
    let impatient = client_builder().timeout(Duration::from_millis(300)).build().unwrap();
    let abandoned = impatient
        .post(&url)
        .header("Idempotency-Key", "k1")
        .header("Prefer", "delay=30s")
        .json(&json!({"name": "Rex"}))
        .send()
        .await;
    assert!(abandoned.is_err(), "the client gave up before the answer");
    // The retry runs (it is not told the first is "still being processed" for a day) as soon
    // as the server has seen the first client go.
    let mut retry = None;
    for _ in 0..200 {
        let answer =
            Answer::of(client().post(&url).header("Idempotency-Key", "k1").json(&json!({"name": "Rex"}))).await;
        if answer.status == 201 {
            retry = Some(answer);
            break;
        }
        let body = String::from_utf8_lossy(&answer.body).to_string();
        assert!(body.contains("still being processed"), "{}: {body}", answer.status);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let retry = retry.expect("the abandoned key is given up within 5 s");
    let again = Answer::of(client().post(&url).header("Idempotency-Key", "k1").json(&json!({"name": "Rex"}))).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), retry.json());
    let list = Answer::of(client().get(&url)).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "created once: {list}");
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn identifiers_not_named_id_envelopes_and_resources_without_one() {
    let (mut child, base) = spawn_specmock(&["serve", &data("identifiers.yaml"), "--stateful"]);
    let get = |path: String| async move { Answer::of(client().get(path)).await };
    // `{thing_id}` names the `thing_id` property, drawn from its pattern.
    let thing = post(&base, "/things", json!({"label": "one"})).await.json();
    let id = thing["thing_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("th_") && id.len() == 15, "{id}");
    assert_eq!(get(format!("{base}/things/{id}")).await.json(), thing);
    let patched = Answer::of(client().patch(format!("{base}/things/{id}")).json(&json!({"label": "uno"}))).await.json();
    assert_eq!(patched, json!({"thing_id": id, "label": "uno"}));
    // `{widgetId}` names an integer counted from the schema's minimum.
    assert_eq!(post(&base, "/widgets", json!({"size": 3})).await.json(), json!({"widgetId": 100, "size": 3}));
    assert_eq!(post(&base, "/widgets", json!({})).await.json()["widgetId"], 101);
    assert_eq!(get(format!("{base}/widgets/101")).await.status, 200);
    assert_eq!(get(format!("{base}/widgets")).await.json()["widgets"].as_array().unwrap().len(), 2);
    // A code the client chooses: the second time it is taken.
    assert_eq!(post(&base, "/codes", json!({"code": "ABC", "meaning": "x"})).await.status, 201);
    assert_eq!(post(&base, "/codes", json!({"code": "ABC"})).await.status, 409);
    assert_eq!(get(format!("{base}/codes/ABC")).await.json(), json!({"code": "ABC", "meaning": "x"}));
    // Wrapped on the way in and out, stored unwrapped.
    let addon = post(&base, "/addons", json!({"addon": {"plan": "pro", "quantity": 2}})).await.json();
    let addon_id = addon["addon"]["id"].as_str().unwrap();
    assert_eq!(addon["addon"]["plan"], "pro");
    assert_eq!(get(format!("{base}/addons/{addon_id}")).await.json(), addon);
    let state = get(format!("{base}/__specmock/state")).await.json();
    assert_eq!(state["resources"]["identifiers:/addons"][0]["plan"], "pro", "kept without the envelope: {state}");
    // No identifier: served from the document, not a sandbox that stores nothing.
    assert_eq!(state["resources"]["identifiers:/notes"], json!([]));
    assert_eq!(post(&base, "/notes", json!({"text": "hi"})).await.status, 201);
    assert_eq!(get(format!("{base}/__specmock/state")).await.json()["resources"]["identifiers:/notes"], json!([]));
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn the_banner_says_which_resources_are_served_statelessly_and_why() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["serve", &data("identifiers.yaml"), "--stateful", "--port", "0", "--quiet"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let banner: Vec<String> = lines.map_while(Result::ok).take(4).collect();
    child.kill().unwrap();
    let _ = child.wait();
    let banner = banner.join("\n");
    assert!(banner.contains("stateful sandbox (in memory): identifiers:/things, identifiers:/widgets"), "{banner}");
    assert!(
        banner.contains("served statelessly: identifiers:/notes — its items have no identifying property"),
        "{banner}"
    );
}

#[tokio::test]
async fn work_has_bounds_patterns_pages_and_bodies() {
    let (mut child, base) = spawn_specmock(&["serve", &data("identifiers.yaml"), "--stateful"]);
    // A pattern that needs 70,000 characters: refused with a reason, not attempted.
    let greedy = Answer::of(client().get(format!("{base}/greedy"))).await;
    assert_eq!(greedy.status, 500);
    assert!(greedy.json()["detail"].as_str().unwrap().contains("at least 70000 bytes"), "{:?}", greedy.json());
    // An open-ended repetition gives a short string.
    let lengthy = Answer::of(client().get(format!("{base}/lengthy").as_str()).header("Prefer", "dynamic=true")).await;
    let long = lengthy.json()["long"].as_str().unwrap().len();
    assert!((3..=11).contains(&long), "{long}");
    // Pages far past the end are empty, not slow.
    post(&base, "/widgets", json!({"size": 1})).await;
    for query in ["?limit=1&offset=18446744073709551615", "?page=18446744073709551615&page_size=10000"] {
        let page = Answer::of(client().get(format!("{base}/widgets{query}"))).await;
        assert_eq!(page.status, 200, "{query}");
    }
    child.kill().unwrap();
    let _ = child.wait();
}
