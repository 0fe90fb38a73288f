//! A mock to develop against all day, tried as a user would with the binary: the document
//! is edited and the next request sees it; a broken edit leaves the old answers serving;
//! the request journal and the access log say why each request was answered as it was;
//! the command line takes the habits users bring from Prism.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Answer, Spawned, client, data, scratch};
use serde_json::{Value, json};

const PETS: &str = "tests/data/devloop/pets.yaml";

/// A copy of the pets documents to edit.
fn copy_pets(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    for file in ["pets.yaml", "pet.yaml"] {
        std::fs::copy(data(&format!("devloop/{file}")), dir.join(file)).unwrap();
    }
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// Polls until the request answers `expected` (within a bound), else fails with the last answer.
async fn eventually(request: impl Fn() -> reqwest::RequestBuilder, expected: Value) {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut last = Value::Null;
    while Instant::now() < deadline {
        let answer = Answer::of(request()).await;
        last = json!({"status": answer.status, "body": serde_json::from_slice::<Value>(&answer.body).unwrap_or(Value::Null)});
        if last == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never answered {expected}; last: {last}");
}

#[tokio::test]
async fn edits_are_served_without_a_restart_and_broken_edits_keep_the_old_answers() {
    let dir = copy_pets("reload");
    let doc = dir.join("pets.yaml");
    let server = Spawned::start(&["serve", doc.to_str().unwrap(), "--stateful", "--quiet"]);
    let login = || client().post(server.url("/login")).json(&json!({"username": "alice", "password": "secret"}));
    // Judged, not created: Prefer asks for the documented answer.
    let long_name = || {
        client()
            .post(server.url("/pets"))
            .header("x-api-key", "k")
            .header("Prefer", "code=201")
            .json(&json!({"name": "Bartholomew"}))
    };
    eventually(login, json!({"status": 200, "body": {"token": "tok_alice"}})).await;
    // The sandbox keeps what was created across reloads.
    let created =
        Answer::of(client().post(server.url("/pets")).header("x-api-key", "k").json(&json!({"name": "Bo"}))).await;
    assert_eq!(created.status, 201, "{:?}", created.body);

    // An example edited: the next request sees it, and the log says how long it took.
    edit(&doc, "value: {token: tok_alice}", "value: {token: tok_alice_2}");
    let line = server.line_with("reloaded", Duration::from_secs(15));
    assert!(line.contains("pets.yaml in ") && line.contains(" ms"), "{line}");
    eventually(login, json!({"status": 200, "body": {"token": "tok_alice_2"}})).await;

    // A file the document $refs is watched too: a shorter maxLength refuses a longer name.
    assert_eq!(Answer::of(long_name()).await.status, 201);
    edit(&dir.join("pet.yaml"), "maxLength: 20", "maxLength: 5");
    let deadline = Instant::now() + Duration::from_secs(15);
    while Answer::of(long_name()).await.status != 422 {
        assert!(Instant::now() < deadline, "the $ref'd file's change was never served");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Broken: the old model keeps serving, and the error names the file and the pointer.
    edit(&doc, "pet.yaml#/Pet\"}", "pet.yaml#/Nope\"}");
    let failed = server.line_with("reload failed", Duration::from_secs(15));
    assert!(failed.contains("still serving the previous version"), "{failed}");
    assert!(failed.contains("pets.yaml") && failed.contains("#/paths/"), "the file and pointer: {failed}");
    eventually(login, json!({"status": 200, "body": {"token": "tok_alice_2"}})).await;
    assert_eq!(Answer::of(long_name()).await.status, 422, "the last good model, with its $ref'd file, serves");

    // Fixed: the new answers come, and the sandbox still has the pet created before.
    let text = std::fs::read_to_string(&doc).unwrap();
    let fixed = text.replace("pet.yaml#/Nope\"}", "pet.yaml#/Pet\"}").replace("tok_alice_2", "tok_alice_3");
    std::fs::write(&doc, fixed).unwrap();
    eventually(login, json!({"status": 200, "body": {"token": "tok_alice_3"}})).await;
    let pets = Answer::of(client().get(server.url("/pets"))).await.json();
    let names: Vec<&str> = pets.as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["Bo"], "{pets}");
}

#[tokio::test]
async fn watch_false_serves_the_document_as_it_was() {
    let dir = copy_pets("no-reload");
    let doc = dir.join("pets.yaml");
    let server = Spawned::start(&["serve", doc.to_str().unwrap(), "--watch", "false", "--quiet"]);
    edit(&doc, "{id: 1, name: Rex}]", "{id: 1, name: Rexy}]");
    // A later edit is the marker: with watching on, both would be served by now.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(Answer::of(client().get(server.url("/pets"))).await.json(), json!([{"id": 1, "name": "Rex"}]));
}

#[tokio::test]
async fn the_journal_keeps_the_last_exchanges_with_their_reasons_and_no_credentials() {
    let server = Spawned::start(&["serve", PETS, "--journal", "4", "--quiet"]);
    let c = client();
    let sent = [
        c.get(server.url("/pets/1")),
        c.post(server.url("/login")).json(&json!({"username": "alice", "password": "nope"})),
        c.post(server.url("/pets")).header("x-api-key", "secret-key").json(&json!({"nickname": "x"})),
        c.get(server.url("/pets?limit=3")).header("Prefer", "code=503").bearer_auth("tok_secret"),
        c.get(server.url("/nowhere")),
        c.get(server.url("/pets/2")).header("Prefer", "dynamic=true"),
    ];
    for request in sent {
        request.send().await.unwrap();
    }
    let all = Answer::of(c.get(server.url("/__specmock/requests"))).await.json();
    let list = all["requests"].as_array().unwrap();
    assert_eq!((list.len(), all["capacity"].clone()), (4, json!(4)), "a ring of 4: {all}");
    let paths: Vec<&str> = list.iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/pets/2", "/nowhere", "/pets", "/pets"], "newest first");
    let generated = &list[0];
    assert_eq!(generated["response"]["chosen"], "generated");
    assert_eq!(list[1]["status"], 404);
    let undocumented = &list[2];
    assert_eq!(
        (undocumented["status"].clone(), undocumented["response"]["chosen"].clone()),
        (json!(503), json!("undocumented"))
    );
    assert!(undocumented["response"]["why"].as_str().unwrap().contains("Prefer: code=503"));
    assert_eq!(undocumented["request"]["headers"]["authorization"], "Bearer [redacted]");
    assert!(!all.to_string().contains("tok_secret") && !all.to_string().contains("secret-key"), "{all}");
    let refused = &list[3];
    assert_eq!(refused["status"], 422);
    assert_eq!(refused["response"]["chosen"], "refused");
    assert_eq!(refused["violations"][0]["location"], "body/name");
    assert_eq!(refused["request"]["headers"]["x-api-key"], "[redacted]");
    assert!(refused["latency_ms"].as_f64().unwrap() > 0.0);

    // Filters.
    let by = |q: &'static str| {
        let c = c.clone();
        let url = server.url(&format!("/__specmock/requests?{q}"));
        async move { Answer::of(c.get(url)).await.json()["requests"].as_array().unwrap().len() }
    };
    assert_eq!(by("operation=createPet").await, 1);
    assert_eq!(by("status=503").await, 1);
    assert_eq!(by("status=4xx").await, 2);
    assert_eq!(by("since=2000-01-01T00:00:00Z").await, 4);
    assert_eq!(by("since=2100-01-01T00:00:00Z").await, 0);
    let bad = Answer::of(c.get(server.url("/__specmock/requests?status=teapot"))).await;
    assert_eq!(bad.status, 400);
    assert!(String::from_utf8_lossy(&bad.body).contains("?status=teapot"));
    let one = Answer::of(c.get(server.url(&format!("/__specmock/requests/{}", list[3]["id"])))).await.json();
    assert_eq!(one["path"], "/pets");
    // Paired examples say so.
    let login = Answer::of(c.post(server.url("/login")).json(&json!({"username": "alice", "password": "nope"}))).await;
    assert_eq!(login.status, 401);
    let last = Answer::of(c.get(server.url("/__specmock/requests?limit=1"))).await.json();
    assert_eq!(last["requests"][0]["response"]["example"], "wrongPassword");
    assert!(last["requests"][0]["response"]["why"].as_str().unwrap().contains("request example 'wrongPassword'"));

    // DELETE clears.
    let cleared = Answer::of(c.delete(server.url("/__specmock/requests"))).await.json();
    assert_eq!(cleared["cleared"], 4);
    assert_eq!(by("").await, 0);
    // The inspector itself is one page with nothing from elsewhere.
    let page = Answer::of(c.get(server.url("/__specmock/"))).await;
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let html = String::from_utf8_lossy(&page.body);
    assert!(html.contains("EventSource") && !html.contains("http://") && !html.contains("https://"));
    let redirect = client_no_redirects().get(server.url("/__specmock")).send().await.unwrap();
    assert_eq!((redirect.status().as_u16(), redirect.headers()["location"].to_str().unwrap()), (308, "/__specmock/"));
}

fn client_no_redirects() -> reqwest::Client {
    common::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test]
async fn the_journal_follows_the_admin_rule_and_can_be_off() {
    let server = Spawned::start(&["serve", PETS, "--admin-token", "adm", "--quiet"]);
    let c = client();
    assert_eq!(c.get(server.url("/__specmock/requests")).send().await.unwrap().status(), 401);
    assert_eq!(c.get(server.url("/__specmock/requests")).bearer_auth("no").send().await.unwrap().status(), 403);
    assert_eq!(c.get(server.url("/__specmock/requests")).bearer_auth("adm").send().await.unwrap().status(), 200);
    // A browser cannot send the header with a page or an event stream.
    assert_eq!(c.get(server.url("/__specmock/?token=adm")).send().await.unwrap().status(), 200);
    drop(server);
    let off = Spawned::start(&["serve", PETS, "--journal", "0", "--quiet"]);
    let answer = Answer::of(c.get(off.url("/__specmock/requests"))).await;
    assert_eq!(answer.status, 404);
    assert!(String::from_utf8_lossy(&answer.body).contains("--journal"));
}

#[tokio::test]
async fn the_event_stream_sends_each_exchange_as_it_happens() {
    let server = Spawned::start(&["serve", PETS, "--quiet"]);
    let mut events = client().get(server.url("/__specmock/events")).send().await.unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let hello = String::from_utf8(events.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(hello.contains("event: hello"), "{hello}");
    client().get(server.url("/pets/1")).send().await.unwrap();
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !text.contains("\n\n") && Instant::now() < deadline {
        let chunk = tokio::time::timeout(Duration::from_secs(10), events.chunk()).await.unwrap().unwrap().unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.starts_with("id: "), "{text}");
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    let entry: Value = serde_json::from_str(data).unwrap();
    assert_eq!((entry["path"].clone(), entry["operation"].clone()), (json!("/pets/1"), json!("getPet")));
}

#[tokio::test]
async fn the_access_log_names_the_first_violation_and_can_be_json() {
    let text = Spawned::start(&["serve", PETS]);
    client().post(text.url("/pets")).header("x-api-key", "k").json(&json!({})).send().await.unwrap();
    let line = text.line_with("POST /pets", Duration::from_secs(10));
    assert!(line.contains("POST /pets 422 createPet body/name: required "), "{line}");

    let json_log = Spawned::start(&["serve", PETS, "--log-format", "json"]);
    client().post(json_log.url("/pets")).header("x-api-key", "k").json(&json!({})).send().await.unwrap();
    let line = json_log.line_with("\"/pets\"", Duration::from_secs(10));
    let entry: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["status"], 422);
    assert_eq!(entry["operation"], "createPet");
    assert_eq!(entry["violations"][0]["location"], "body/name");
    assert_eq!(entry["response"]["chosen"], "refused");
    assert!(entry["time"].is_string() && entry["latency_ms"].is_number());
}

fn run(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[tokio::test]
async fn prism_habits_mock_alias_dash_d_and_dash_h() {
    let server = Spawned::start(&["mock", PETS, "-d", "--seed", "3", "--quiet"]);
    let pet = Answer::of(client().get(server.url("/pets/1"))).await;
    assert_eq!(pet.status, 200);
    assert_ne!(pet.json(), json!({"id": 1, "name": "Rex"}), "-d generates instead of serving the example");

    let host = run(&["serve", "-h", "0.0.0.0", PETS], &[]);
    assert_eq!(host.status.code(), Some(2));
    let said = String::from_utf8_lossy(&host.stderr);
    assert!(said.contains("--host 0.0.0.0"), "{said}");
    let help = run(&["serve", "-h"], &[]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--host"));
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef specmock"), ("fish", "complete -c specmock")] {
        let out = run(&["completions", shell], &[]);
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker) && script.contains("serve"), "{shell}: {script}");
    }
    assert_eq!(run(&["completions", "tcsh"], &[]).status.code(), Some(2));
}

/// Colour needs a terminal: `script` gives the binary one, where it exists.
#[test]
fn no_color_is_honoured_on_a_terminal() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        println!("skipped: `script` (util-linux) is needed to give specmock a terminal");
        return;
    }
    let help = |no_color: bool| {
        let command = format!("{} serve --help", env!("CARGO_BIN_EXE_specmock"));
        let mut script = std::process::Command::new("script");
        script.args(["-qec", &command, "/dev/null"]).env_remove("NO_COLOR");
        if no_color {
            script.env("NO_COLOR", "1");
        }
        String::from_utf8_lossy(&script.output().unwrap().stdout).into_owned()
    };
    assert!(help(false).contains("\x1b["), "help is coloured on a terminal");
    let plain = help(true);
    assert!(plain.contains("--host") && !plain.contains("\x1b["), "{plain:?}");
}
