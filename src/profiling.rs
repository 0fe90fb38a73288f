//! The mock's own work per request, without sockets, for profilers: what
//! `examples/profile_respond.rs` runs under callgrind. Built only with `--features
//! profiling`, so the crate's surface stays what lib.rs documents.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Request;

use crate::Error;
use crate::mock::{Mock, MockOptions};

/// The request a scenario sends: `static` (Clerk's GET, an example), `invalid` (Clerk's POST
/// with a wrong type → its 422), `dynamic` (Straddle's GET with `Prefer: dynamic=true`).
fn request(scenario: &str) -> Result<Request<Bytes>, http::Error> {
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
}

/// Answers `scenario`'s request `n` times with the four built-ins mounted (`quiet`: no access
/// log, as `bench/run` serves; `journal`: a request journal of that many entries, 0 for none):
/// the time per answer and the last status.
pub fn respond(scenario: &str, n: u32, quiet: bool, journal: usize) -> Result<(Duration, u16), Error> {
    let (mounts, _) = crate::mounts::mounts_and_paths(&[], &[])?;
    let journal = (journal > 0).then(|| std::sync::Arc::new(crate::journal::Journal::new(journal)));
    let options = MockOptions { tag_operations: !quiet, journal, ..MockOptions::default() };
    let mock = Mock::new(mounts, options)?;
    // One worker, as bench/run serves: the single-threaded scheduler.
    let runtime = crate::app::runtime(Some(1))?;
    request(scenario).map_err(|e| Error::Usage(e.to_string()))?;
    let peer: std::net::SocketAddr = ([127, 0, 0, 1], 1).into();
    let started = Instant::now();
    let mut status = 0;
    runtime.block_on(async {
        for _ in 0..n {
            // Built per answer, as a server would have it built by hyper.
            let Ok(request) = request(scenario) else { return };
            let answer = mock.respond(&request, peer).await;
            status = answer.status().as_u16();
            std::hint::black_box(answer);
        }
    });
    Ok((started.elapsed() / n.max(1), status))
}
