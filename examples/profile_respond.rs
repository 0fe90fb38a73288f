//! The mock's own cost per request, without sockets: one million answers to Clerk's
//! GET /v1/organizations/{organization_id}, in process. Run under a profiler:
//!
//! cargo build --release --example profile_respond
//! perf record -e cpu-clock --call-graph dwarf target/release/examples/profile_respond 300000
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

use bytes::Bytes;
use http::Request;

fn main() {
    let mounts = specmock::mounts::mounts(&[], &[]).expect("built-ins load");
    let mock = specmock::mock::Mock::new(mounts, specmock::mock::MockOptions::default()).expect("routes");
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let peer: std::net::SocketAddr = ([127, 0, 0, 1], 1).into();
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let started = std::time::Instant::now();
    runtime.block_on(async {
        for _ in 0..n {
            let request = Request::builder()
                .uri("/clerk/v1/organizations/org_21Ufcy98STcA11s3QckIwtwHIES")
                .header("authorization", "Bearer bench")
                .body(Bytes::new())
                .expect("request");
            std::hint::black_box(mock.respond(&request, peer).await);
        }
    });
    println!("{:?} per request ({n} requests)", started.elapsed() / n.max(1));
}
