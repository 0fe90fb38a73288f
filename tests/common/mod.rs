//! Shared test plumbing: the mock in process (server.rs, shared with src/tests/), and the
//! binary run as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it
#![allow(dead_code)]

mod server;

use std::path::PathBuf;

#[allow(unused_imports)] // not every test binary uses the in-process server
pub use server::*;

/// Redactions for values that change from run to run.
#[macro_export]
macro_rules! redacted_json_snapshot {
    ($name:expr, $value:expr) => {{
        let settings = $crate::common::snapshot_settings();
        settings.bind(|| {
            insta::assert_json_snapshot!($name, $value, {
                ".**.api_request_id" => "[request-id]",
                ".**.api_request_timestamp" => "[timestamp]",
                ".**.clerk_trace_id" => "[trace-id]",
            });
        });
    }};
}

/// Starts the binary (`specmock ARGS --port 0 --quiet`, in the crate's folder) and returns it
/// with its base URL, read from its banner. The rest of stderr is drained, so the child
/// never meets a full or closed pipe.
pub fn spawn_specmock(args: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(args)
        .args(["--port", "0", "--quiet"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
    let base = loop {
        let line = lines.next().expect("the server prints where it listens").expect("stderr is text");
        if let Some(url) = line.strip_prefix("specmock listening on ") {
            break url.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

/// The binary, started with `args` (and `--port 0`, in the crate's folder), its base URL and
/// every line it writes to stderr after the banner, as they come.
pub struct Spawned {
    pub child: std::process::Child,
    pub base: String,
    pub lines: std::sync::mpsc::Receiver<String>,
}

impl Spawned {
    pub fn start(args: &[&str]) -> Spawned {
        Spawned::start_with_env(args, &[])
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Spawned {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_specmock"))
            .args(args)
            .args(["--port", "0"])
            .envs(env.iter().copied())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
        let mut banner = Vec::new();
        let base = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("the server stopped before listening:\n{}", banner.join("\n")))
                .expect("stderr is text");
            if let Some(url) = line.strip_prefix("specmock listening on ") {
                break url.trim().to_string();
            }
            banner.push(line);
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Spawned { child, base, lines: rx }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The next stderr line containing `needle` (within `within`), or a panic naming what came.
    pub fn line_with(&self, needle: &str, within: std::time::Duration) -> String {
        let deadline = std::time::Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => panic!("no line with {needle:?} within {within:?}; the server wrote:\n{}", seen.join("\n")),
            }
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh folder under target/ for files a test writes.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Runs the binary as a user would, from the project folder: (exit code, stdout, stderr).
pub fn specmock(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes a document for one test binary (`test` names its folder) into the temp
/// directory; returns its path.
pub fn spec_file(test: &str, name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("specmock-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
