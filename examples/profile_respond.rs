//! The mock's own cost per request, without sockets: answers to one scenario, in process.
//! Run under a profiler (callgrind counts instructions, steady on a noisy machine):
//!
//! cargo build --profile profiling --features profiling --example profile_respond
//! valgrind --tool=callgrind target/profiling/examples/profile_respond invalid 20000
//!
//! Scenarios: `static` (Clerk's GET, an example), `invalid` (Clerk's POST with a wrong type →
//! its 422, naming the field), `dynamic` (Straddle's GET with `Prefer: dynamic=true`).
//! As `bench/run` serves (`--quiet`, no access log) with `QUIET=1`; `JOURNAL=N` keeps a
//! request journal of N entries (`serve`'s default is 1000), so its cost is the difference.

use std::process::ExitCode;

fn main() -> ExitCode {
    let scenario = std::env::args().nth(1).unwrap_or_else(|| "static".into());
    let n: u32 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let quiet = std::env::var_os("QUIET").is_some();
    let journal = std::env::var("JOURNAL").ok().and_then(|n| n.parse().ok()).unwrap_or(0);
    match specmock::profiling::respond(&scenario, n, quiet, journal) {
        Ok((each, status)) => {
            println!("{scenario}: {each:?} per request ({n} requests, last status {status})");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
