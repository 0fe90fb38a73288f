//! The binary as a user runs it: help, start-up messages, exit codes, graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn specmock(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_specmock"))
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

#[test]
fn help_explains_every_command_and_flag() {
    let (code, out, _) = specmock(&["--help"]);
    assert_eq!(code, 0);
    for command in ["serve", "validate", "check", "proxy", "routes"] {
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
    ] {
        assert!(check.contains(flag), "check --help explains {flag}");
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
    let log = lines.next().unwrap().unwrap();
    assert!(log.contains("GET /clerk/v1/organizations/org_1 200 getOrganization"), "{log}");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("specmock stopped")), "{rest:?}");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
