//! Documents from URLs: `serve`, `routes`, `check --spec` and `validate --spec` with an
//! `http://` document whose relative `$ref`s are fetched from the same server; errors that
//! name the URL; a time limit and a size limit. The documents are served by a small HTTP
//! server started here, on an ephemeral port.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Answer, assert_conforms, client, spawn_specmock, start};
use serde_json::json;

/// Serves the crate's folder over HTTP/1.0, plus a few misbehaving paths. Returns its base URL.
fn file_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || answer(stream, &root));
        }
    });
    base
}

fn answer(mut stream: TcpStream, root: &Path) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let path = path.split('?').next().unwrap_or("/");
    match path {
        // Headers, then nothing: the client's time limit has to end it.
        "/silent.yaml" => {
            let _ = stream.write_all(b"HTTP/1.0 200 OK\r\nContent-Type: application/yaml\r\n\r\nopenapi: 3.0.3\n");
            let _ = stream.read(&mut [0u8; 1]);
        }
        "/huge.yaml" => {
            let _ = stream.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 1000000000\r\n\r\nopenapi: 3.0.3\n");
        }
        // No length: bytes until the client hangs up.
        "/endless.yaml" => {
            let _ = stream.write_all(b"HTTP/1.0 200 OK\r\n\r\nopenapi: 3.0.3\ninfo: {title: endless, version: '1'}\n");
            let chunk = vec![b'#'; 1 << 20];
            while stream.write_all(&chunk).is_ok() {}
        }
        "/moved.yaml" => {
            let _ = stream.write_all(b"HTTP/1.0 302 Found\r\nLocation: /tests/data/refs-anywhere/main.yaml\r\n\r\n");
        }
        _ => {
            let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned();
            let file = root.join(decoded.trim_start_matches('/'));
            match std::fs::read(&file) {
                Ok(body) if !decoded.contains("..") => {
                    let _ = write!(stream, "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                    let _ = stream.write_all(&body);
                }
                _ => {
                    let _ = stream.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
                }
            }
        }
    }
}

fn specmock(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("specmock runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).trim().to_string()
}

#[tokio::test]
async fn a_multi_file_document_is_served_from_a_url() {
    let base = file_server();
    let url = format!("{base}/tests/data/refs-anywhere/main.yaml");
    let routes = specmock(&["routes", &url], &[]);
    assert!(String::from_utf8_lossy(&routes.stdout).contains(&format!("4 operations ({url}, OpenAPI 3.0.3)")));
    let server = start(&[&url], |b| b).await;
    let list = Answer::of(client().get(server.url("/widgets"))).await;
    assert_eq!(list.json(), json!([{"id": "w_1", "name": "one"}, {"id": "w_2", "name": "two"}]));
    let created = Answer::of(client().post(server.url("/widgets")).json(&json!({"name": "gear"}))).await;
    assert_eq!(created.status, 201, "the body schema came from shared/bodies.yaml, over HTTP");
    assert_conforms(&server, "POST", "/widgets", &created);
    server.stop().await;
    // Beside another document, it is served under its name: the URL's file stem.
    let server = start(&[&url, "clerk"], |b| b).await;
    assert_eq!(Answer::of(client().get(server.url("/main/widgets"))).await.status, 200, "named by the URL's file stem");
    server.stop().await;

    // Relative references resolve against where a redirect led.
    let moved = specmock(&["routes", &format!("{base}/moved.yaml")], &[]);
    assert!(
        String::from_utf8_lossy(&moved.stdout).contains("4 operations"),
        "loads after a redirect: {}",
        stderr(&moved)
    );
    // Swagger 2.0 with its own files, too.
    let shop = specmock(&["routes", &format!("{base}/tests/data/swagger2/shop.yaml")], &[]);
    assert!(String::from_utf8_lossy(&shop.stdout).contains("6 operations"), "{}", stderr(&shop));
    assert!(String::from_utf8_lossy(&shop.stdout).contains("Swagger 2.0)"));
}

#[test]
fn serve_routes_check_and_validate_take_a_url() {
    let base = file_server();
    let url = format!("{base}/fixtures/documents/oai-v2-petstore.json");

    let routes = specmock(&["routes", &url], &[]);
    assert!(routes.status.success(), "{}", stderr(&routes));
    let listed = String::from_utf8_lossy(&routes.stdout);
    assert!(listed.trim_end().ends_with(&format!("3 operations ({url}, Swagger 2.0)")), "{listed}");

    let (mut child, mock) = spawn_specmock(&["serve", &url]);
    let check = specmock(&["check", "--spec", &url, "--base-url", &mock], &[]);
    let _ = child.kill();
    let _ = child.wait();
    let summary = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{summary}\n{}", stderr(&check));
    assert!(summary.contains("0 failed"), "{summary}");

    // validate: the same verdicts whether the document is named or fetched.
    let clerk_url = format!("{base}/specs/clerk.yaml");
    let by_name = specmock(&["validate", "--spec", "clerk", "fixtures/clerk"], &[]);
    let by_url = specmock(&["validate", "--spec", &clerk_url, "fixtures/clerk"], &[]);
    assert_eq!(by_url.status.code(), by_name.status.code(), "{}", stderr(&by_url));
    assert_eq!(String::from_utf8_lossy(&by_url.stdout), String::from_utf8_lossy(&by_name.stdout));
    assert!(!by_url.stdout.is_empty());
}

#[test]
fn fetch_errors_name_the_url() {
    let base = file_server();
    let missing = format!("{base}/nowhere.yaml");
    let output = specmock(&["routes", &missing], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output), format!("error: {missing}: the server answered HTTP 404 Not Found"));

    // A reference that cannot be fetched is named where it is written.
    let broken = format!("{base}/tests/data/errors/missing-file.yaml");
    let output = specmock(&["routes", &broken], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(&format!(
            "error: {broken}: #/paths/~1orgs/get/responses/200/content/application~1json/schema: \
             $ref to './nowhere.yaml': the server answered HTTP 404 Not Found"
        )),
        "{}",
        stderr(&output)
    );

    // Nothing listening.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let refused = format!("http://{closed}/api.yaml");
    let output = specmock(&["routes", &refused], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with(&format!("error: {refused}: cannot fetch it")), "{}", stderr(&output));
}

#[test]
fn a_url_gets_a_time_limit_and_a_size_limit() {
    let base = file_server();
    let silent = format!("{base}/silent.yaml");
    let started = std::time::Instant::now();
    let output = specmock(&["routes", &silent], &[("SPECMOCK_FETCH_TIMEOUT", "1")]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!("error: {silent}: no complete answer within 1 second (SPECMOCK_FETCH_TIMEOUT)")
    );
    eprintln!("the silent server was given up on after {:?}", started.elapsed());

    for name in ["huge.yaml", "endless.yaml"] {
        let url = format!("{base}/{name}");
        let output = specmock(&["routes", &url], &[]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert_eq!(stderr(&output), format!("error: {url}: the document is larger than 64 MiB"));
    }
}

#[test]
fn a_document_from_a_url_may_not_read_local_files() {
    let base = file_server();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join(format!("url-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let doc =
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get: {$ref: 'file:///etc/hostname'}\n";
    std::fs::write(dir.join("local.yaml"), doc).unwrap();
    let url = format!("{base}/target/{}/local.yaml", dir.file_name().unwrap().to_string_lossy());
    let output = specmock(&["routes", &url], &[]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "error: {url}: #/paths/~1x/get: a document read from a URL may not refer to the local file 'file:///etc/hostname'"
        )
    );
}

#[tokio::test]
async fn a_file_may_refer_to_a_url() {
    let base = file_server();
    let dir = std::env::temp_dir().join(format!("specmock-url-ref-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let doc = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /login:\n    get:\n      responses:\n        \
         '200':\n          description: a session\n          content:\n            application/json:\n              \
         schema: {{$ref: '{base}/tests/data/swagger2/models.yaml#/Session'}}\n"
    );
    let file = dir.join("api.yaml").display().to_string();
    std::fs::write(&file, doc).unwrap();
    // The schema is fetched, and its own reference (#/User) resolves within that URL: the
    // answer is a Session with its User.
    let server = start(&[&file], |b| b).await;
    let session = Answer::of(client().get(server.url("/login"))).await;
    assert_eq!(session.status, 200);
    assert!(session.json()["token"].as_str().is_some_and(|t| t.len() >= 8), "{}", session.json());
    assert!(session.json()["user"]["name"].is_string(), "{}", session.json());
    assert_conforms(&server, "GET", "/login", &session);
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
