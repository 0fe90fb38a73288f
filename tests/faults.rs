//! A slow or failing backend on demand: delays (`--delay`, `Prefer: delay=`, `?__delay=`,
//! `x-specmock-delay`) and faults (`Prefer: fault=`, `--faults` with `--seed`), seen from
//! the client's side of the socket.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Answer, Spawned, client};
use serde_json::{Value, json};

const PETS: &str = "tests/data/devloop/pets.yaml";

async fn took(request: reqwest::RequestBuilder) -> (u16, Duration) {
    let started = Instant::now();
    let answer = Answer::of(request).await;
    (answer.status, started.elapsed())
}

#[tokio::test]
async fn delays_from_the_flag_the_request_and_the_operation() {
    let ms = Duration::from_millis;
    let flag = Spawned::start(&["serve", PETS, "--delay", "250ms", "--quiet"]);
    let (status, elapsed) = took(client().get(flag.url("/pets/1"))).await;
    assert!(status == 200 && elapsed >= ms(250), "{status} after {elapsed:?}");
    let (status, elapsed) = took(client().get(flag.url("/nowhere"))).await;
    assert!(status == 404 && elapsed >= ms(250), "every answer is delayed: {status} after {elapsed:?}");
    // The admin surface is not the API: the inspector stays quick.
    let (status, _) = took(client().get(flag.url("/__specmock/health"))).await;
    assert_eq!(status, 200);
    drop(flag);

    let ranged = Spawned::start(&["serve", PETS, "--delay", "100ms..300ms", "--quiet"]);
    for _ in 0..3 {
        let (_, elapsed) = took(client().get(ranged.url("/pets/1"))).await;
        assert!(elapsed >= ms(100), "{elapsed:?}");
    }
    drop(ranged);

    let plain = Spawned::start(&["serve", PETS, "--quiet"]);
    let (_, elapsed) = took(client().get(plain.url("/pets/1")).header("Prefer", "delay=300")).await;
    assert!(elapsed >= ms(300), "{elapsed:?}");
    let (_, elapsed) = took(client().get(plain.url("/pets/1?__delay=300ms"))).await;
    assert!(elapsed >= ms(300), "{elapsed:?}");
    // listPets documents x-specmock-delay: 150ms.
    let (_, elapsed) = took(client().get(plain.url("/pets"))).await;
    assert!(elapsed >= ms(150), "{elapsed:?}");
    let entry = Answer::of(client().get(plain.url("/__specmock/requests?limit=1"))).await.json();
    assert!(entry["requests"][0]["delay_ms"].as_f64().unwrap() >= 150.0, "{entry}");
    assert!(entry["requests"][0]["response"]["why"].as_str().unwrap().contains("x-specmock-delay"), "{entry}");
    let bad = Answer::of(client().get(plain.url("/pets/1")).header("Prefer", "delay=forever")).await;
    assert_eq!(bad.status, 422);
}

/// Sends one HTTP/1.1 request on a fresh connection and reads until the server is done.
fn raw(base: &str, prefer: &str) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET /pets/1 HTTP/1.1\r\nHost: x\r\nPrefer: {prefer}\r\n\r\n").unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out)?;
    Ok(out)
}

#[tokio::test]
async fn each_fault_does_what_it_says() {
    let server = Spawned::start(&["serve", PETS, "--quiet"]);
    let base = server.base.clone();

    // reset: after the delay, a TCP reset.
    let started = Instant::now();
    let reset = raw(&base, "delay=300, fault=reset");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let error = reset.expect_err("a reset is an error");
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset, "{error}");
    // close: the connection ends with no answer at all.
    assert_eq!(raw(&base, "fault=close").unwrap(), b"");
    // malformed: an answer starts, then its chunked framing breaks.
    let malformed = String::from_utf8(raw(&base, "fault=malformed").unwrap()).unwrap();
    assert!(malformed.starts_with("HTTP/1.1 200 OK\r\n"), "{malformed}");
    assert!(malformed.contains("transfer-encoding: chunked") && malformed.contains("not-a-chunk-size"), "{malformed}");
    let client_sees = client().get(server.url("/pets/1")).header("Prefer", "fault=malformed").send().await;
    assert!(client_sees.unwrap().bytes().await.is_err(), "a client cannot read the body");
    // empty: the status and headers, no body.
    let empty = Answer::of(client().get(server.url("/pets/1")).header("Prefer", "fault=empty")).await;
    assert_eq!((empty.status, empty.header("content-length"), empty.body.len()), (200, Some("0"), 0));
    // slow-body: the headers at once, the body in pieces over the delay.
    let started = Instant::now();
    let mut slow =
        client().get(server.url("/pets/1")).header("Prefer", "delay=600, fault=slow-body").send().await.unwrap();
    let headers_after = started.elapsed();
    let (mut body, mut pieces) = (Vec::new(), 0);
    while let Some(piece) = slow.chunk().await.unwrap() {
        body.extend_from_slice(&piece);
        pieces += 1;
    }
    let body_after = started.elapsed();
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), json!({"id": 1, "name": "Rex"}));
    assert!(pieces > 1, "the body came in {pieces} piece(s)");
    assert!(body_after - headers_after >= Duration::from_millis(500), "{headers_after:?} then {body_after:?}");
    let unknown = Answer::of(client().get(server.url("/pets/1")).header("Prefer", "fault=explode")).await;
    assert_eq!(unknown.status, 422);
    assert!(String::from_utf8_lossy(&unknown.body).contains("reset, close, empty, malformed, slow-body"));
    // The journal names the fault.
    let journal = Answer::of(client().get(server.url("/__specmock/requests"))).await.json();
    let faults: Vec<&str> =
        journal["requests"].as_array().unwrap().iter().filter_map(|e| e["fault"].as_str()).collect();
    assert_eq!(faults, ["slow-body", "empty", "malformed", "malformed", "close", "reset"]);
}

#[tokio::test]
async fn over_http2_a_fault_resets_only_its_stream() {
    let server = Spawned::start(&["serve", PETS, "--quiet"]);
    let h2 = common::client_builder().http2_prior_knowledge().build().unwrap();
    let broken = h2.get(server.url("/pets/1")).header("Prefer", "fault=reset").send().await;
    assert!(broken.is_err(), "the stream is reset");
    let next = h2.get(server.url("/pets/2")).send().await.unwrap();
    assert_eq!(next.status(), 200);
}

/// The faults the journal recorded, oldest first, for `requests` sequential requests.
async fn fault_run(seed: &str, requests: usize) -> Vec<Option<String>> {
    let server = Spawned::start(&["serve", PETS, "--faults", "0.4", "--seed", seed, "--delay", "5ms", "--quiet"]);
    for _ in 0..requests {
        // Each on its own connection: some faults close theirs.
        let fresh = common::client_builder().pool_max_idle_per_host(0).build().unwrap();
        if let Ok(answer) = fresh.get(server.url("/pets/1")).send().await {
            let _ = answer.bytes().await;
        }
    }
    let journal = Answer::of(client().get(server.url("/__specmock/requests"))).await.json();
    let mut list: Vec<Value> = journal["requests"].as_array().unwrap().clone();
    list.reverse();
    list.iter().map(|e| e["fault"].as_str().map(str::to_string)).collect()
}

#[tokio::test]
async fn random_faults_repeat_with_the_same_seed() {
    let first = fault_run("7", 30).await;
    let again = fault_run("7", 30).await;
    let other = fault_run("8", 30).await;
    assert_eq!(first.len(), 30);
    assert_eq!(first, again, "the same seed breaks the same requests");
    assert_ne!(first, other);
    let broken = first.iter().flatten().count();
    assert!((3..=24).contains(&broken), "about 40% of 30: {first:?}");
}

/// Threads in a process, from /proc (Linux).
fn threads(pid: u32) -> Option<usize> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|n| n.trim().parse().ok())
}

/// Open files this process may have (its soft limit), from /proc (Linux).
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[tokio::test]
async fn a_thousand_delayed_requests_in_flight_cost_no_threads() {
    let server = Spawned::start(&["serve", PETS, "--workers", "2", "--journal", "0", "--quiet"]);
    let Some(idle) = threads(server.child.id()) else {
        println!("skipped: /proc is needed to count the server's threads");
        return;
    };
    // One connection each, on both sides: stay well inside the open-file limit.
    let count = open_files_limit().map_or(1000, |limit| (limit / 3).min(1000));
    if count < 1000 {
        println!("the open-file limit allows {count} connections, not 1000: testing with {count}");
    }
    let client = common::client_builder().pool_max_idle_per_host(0).build().unwrap();
    let requests: Vec<_> = (0..count)
        .map(|_| {
            let request = client.get(server.url("/pets/1")).header("Prefer", "delay=2s");
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    // Sampled while the answers wait out their delay.
    let mut most = idle;
    let until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < until {
        most = most.max(threads(server.child.id()).unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut answered = 0;
    for request in requests {
        if request.await.unwrap().is_ok_and(|status| status == 200) {
            answered += 1;
        }
    }
    assert_eq!(answered, count);
    assert!(most <= idle + 2, "threads went from {idle} to {most} with {count} delayed requests in flight");
}
