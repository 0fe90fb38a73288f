//! The mock's own cost per request, without sockets: answers to one scenario, in process.
//! Run under a profiler (callgrind counts instructions, steady on a noisy machine):
//!
//! cargo build --profile profiling --example profile_respond
//! valgrind --tool=callgrind target/profiling/examples/profile_respond invalid 20000
//!
//! Scenarios: `static` (Clerk's GET, an example), `invalid` (Clerk's POST with a wrong type →
//! its 422, naming the field), `dynamic` (Straddle's GET with `Prefer: dynamic=true`).
//! As `bench/run` serves (`--quiet`, no access log) with `QUIET=1`; `JOURNAL=N` keeps a
//! request journal of N entries (`serve`'s default is 1000), so its cost is the difference.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

use bytes::Bytes;
use http::Request;

fn request(scenario: &str) -> Request<Bytes> {
    let builder = Request::builder().header("host", "127.0.0.1:8080").header("authorization", "Bearer bench");
    match scenario {
        "invalid" => builder
            .method("POST")
            .uri("/clerk/v1/organizations")
            .header("content-type", "application/json")
            .body(Bytes::from_static(br#"{"name":42}"#)),
        "dynamic" => builder
            .uri("/straddle/v1/organizations/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")
            .header("prefer", "dynamic=true")
            .body(Bytes::new()),
        _ => builder.uri("/clerk/v1/organizations/org_21Ufcy98STcA11s3QckIwtwHIES").body(Bytes::new()),
    }
    .expect("request")
}

fn main() {
    let scenario = std::env::args().nth(1).unwrap_or_else(|| "static".into());
    let n: u32 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let mounts = specmock::mounts::mounts(&[], &[]).expect("built-ins load");
    let mut options = specmock::mock::MockOptions::default();
    if std::env::var_os("QUIET").is_some() {
        options.tag_operations = false;
    }
    if let Some(size) = std::env::var("JOURNAL").ok().and_then(|n| n.parse().ok()).filter(|n: &usize| *n > 0) {
        options.journal = Some(std::sync::Arc::new(specmock::journal::Journal::new(size)));
    }
    let mock = specmock::mock::Mock::new(mounts, options).expect("routes");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let peer: std::net::SocketAddr = ([127, 0, 0, 1], 1).into();
    let started = std::time::Instant::now();
    let mut status = 0;
    runtime.block_on(async {
        for _ in 0..n {
            let answer = mock.respond(&request(&scenario), peer).await;
            status = answer.status().as_u16();
            std::hint::black_box(answer);
        }
    });
    println!("{scenario}: {:?} per request ({n} requests, last status {status})", started.elapsed() / n.max(1));
}
