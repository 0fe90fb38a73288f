//! The binary as a user runs it: help, start-up messages, exit codes, graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::specmock;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn help_explains_every_command_and_flag() {
    let (code, out, _) = specmock(&["--help"]);
    assert_eq!(code, 0);
    for command in ["serve", "validate", "check", "proxy", "routes", "lint"] {
        assert!(out.contains(command), "--help names {command}");
    }
    let (_, serve, _) = specmock(&["serve", "--help"]);
    for flag in [
        "--host",
        "--port",
        "--workers",
        "--mount",
        "--dynamic",
        "--seed",
        "--validate-request",
        "--cors",
        "--tokens",
        "--max-body",
        "--read-timeout",
        "--stateful",
        "--state",
        "--state-seed",
        "--admin-token",
        "--idempotency-ttl",
        "--validate-responses",
        "--quiet",
    ] {
        assert!(serve.contains(flag), "serve --help explains {flag}");
    }
    let (_, check, _) = specmock(&["check", "--help"]);
    for flag in [
        "--base-url",
        "--auth",
        "--header",
        "--operation",
        "--tag",
        "--max-requests",
        "--seed",
        "--concurrency",
        "--timeout",
        "--report",
        "--checks",
        "--exclude-checks",
        "--strict",
        "--no-stateful",
    ] {
        assert!(check.contains(flag), "check --help explains {flag}");
    }
    let (_, lint, _) = specmock(&["lint", "--help"]);
    for flag in ["--report", "--strict"] {
        assert!(lint.contains(flag), "lint --help explains {flag}");
    }
    let (_, proxy, _) = specmock(&["proxy", "--help"]);
    for flag in ["--upstream", "--strict", "--record"] {
        assert!(proxy.contains(flag), "proxy --help explains {flag}");
    }
}

#[test]
fn routes_lists_operations_with_their_statuses() {
    let (code, out, _) = specmock(&["routes", "clerk"]);
    assert_eq!(code, 0);
    assert!(out.contains("POST    /v1/organizations"), "{out}");
    assert!(out.contains("createOrganization"));
    assert!(out.contains("200 401 403 422"));
    assert!(out.contains("5 operations"));
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let (code, _, err) = specmock(&["serve", "nope.yaml", "--port", "0"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("nope.yaml: no such file, and not a built-in API (built-ins: scalekit, straddle, clerk, zitadel)"),
        "{err}"
    );
    let (code, _, err) = specmock(&["serve", "clerk", "--mount", "billing=/b", "--port", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("billing"), "{err}");
    let (code, _, err) = specmock(&["serve", "--mount", "clerk", "--port", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("NAME=/prefix"), "{err}");
    let (code, _, err) = specmock(&["serve", "--max-body", "ten", "--port", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a size"), "{err}");
    let (code, _, err) = specmock(&["serve", "--tokens", "tests/data/errors/bad-yaml.yaml", "--port", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid tokens file"), "{err}");
}

#[test]
fn serve_announces_where_it_listens_and_stops_cleanly_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["serve", "--port", "0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("a banner").unwrap();
        if let Some(url) = line.strip_prefix("specmock listening on ") {
            break url.trim().to_string();
        }
    };
    let mut banner = Vec::new();
    for _ in 0..4 {
        banner.push(lines.next().unwrap().unwrap());
    }
    for prefix in ["/scalekit", "/straddle", "/clerk", "/zitadel"] {
        assert!(banner.iter().any(|l| l.contains(prefix)), "{banner:?}");
    }
    // One request, to see the access log line.
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    use std::io::{Read, Write};
    stream.write_all(b"GET /clerk/v1/organizations/org_1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The rest of the banner (the inspector's address), then the access log line.
    let log = lines.by_ref().map_while(Result::ok).find(|l| l.contains("GET /clerk")).expect("an access log line");
    assert!(log.contains("GET /clerk/v1/organizations/org_1 200 getOrganization"), "{log}");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("specmock stopped")), "{rest:?}");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// Starts `specmock serve ARGS --port 0 --quiet`; returns the child and its address (host:port).
fn serve_child(args: &[&str]) -> (std::process::Child, String) {
    let (child, base) = common::spawn_specmock(&[&["serve"], args].concat());
    let address = base.strip_prefix("http://").unwrap_or(&base).to_string();
    (child, address)
}

/// One GET over a fresh connection: (status line, body).
fn get(address: &str, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (head.lines().next().unwrap_or("").to_string(), body.to_string())
}

const ONE: &str = "tests/data/same-stem/one/api.yaml";
const TWO: &str = "tests/data/same-stem/two/api.yaml";

#[test]
fn files_with_the_same_stem_are_mounted_by_their_path() {
    let (code, _, err) = specmock(&["serve", ONE, TWO, "--port", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("'{ONE}' and '{TWO}' would both be served under /api")), "{err}");
    assert!(err.contains(&format!("--mount {TWO}=/two")), "the error shows the way out: {err}");

    let (code, _, err) = specmock(&["serve", ONE, TWO, "--mount", "api=/a", "--port", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("--mount 'api' could mean any of {ONE}, {TWO}")), "{err}");

    let (mut child, address) =
        serve_child(&[ONE, TWO, "--mount", &format!("{ONE}=/one"), "--mount", &format!("{TWO}=/two")]);
    let one = get(&address, "/one/x");
    let two = get(&address, "/two/x");
    let _ = child.kill();
    let _ = child.wait();
    assert!(one.0.contains("200") && one.1.contains(r#""from":"one""#), "{one:?}");
    assert!(two.0.contains("200") && two.1.contains(r#""from":"two""#), "{two:?}");
}

#[test]
fn two_documents_at_one_place_are_refused() {
    let (code, _, err) =
        specmock(&["serve", "clerk", "zitadel", "--mount", "clerk=/x", "--mount", "zitadel=/x/", "--port", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("'clerk' and 'zitadel' would both be served under /x"), "{err}");
    // Different prefixes, but one document's path lands on the other's.
    let (code, _, err) = specmock(&[
        "serve",
        ONE,
        TWO,
        "--mount",
        &format!("{ONE}=/"),
        "--mount",
        &format!("{TWO}=/two"),
        "--port",
        "0",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{TWO}: #/paths/~1x: path '/x' cannot be routed: under /two it is /two/x, which {ONE} already serves as '/two/x' under /")),
        "{err}"
    );
}
