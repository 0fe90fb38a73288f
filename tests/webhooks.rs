//! Webhooks through the binary: bad flags, Ctrl-C while a delivery hangs, and document errors
//! in webhooks. (Deliveries, signatures, retries and queues: src/tests/webhooks/.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;
#[path = "webhooks/receiver.rs"]
mod receiver;

use common::client;
use receiver::{Receiver, Reply};
use serde_json::json;

fn specmock(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bad_webhook_flags_are_refused_saying_what_is_wrong() {
    let cases: &[(&[&str], &str)] = &[
        (&["--webhook-url", "ftp://example.com/x"], "give an http:// or https:// URL, or NAME=URL"),
        (&["--webhook-url", "http://"], "not an http:// or https:// URL"),
        (&["--webhook-url", "nope=http://127.0.0.1:9/x"], "'nope' is not a served document (served: scalekit)"),
        (&["--webhook-url", "127.0.0.1:9000/hooks"], "give an http:// or https:// URL, or NAME=URL"),
        (&["--webhook-secret", "not-base64!"], "is not a Svix-style secret"),
        (&["--webhook-retries", "many"], "invalid value 'many'"),
    ];
    for (flags, message) in cases {
        let mut args = vec!["serve", "scalekit", "--port", "0"];
        args.extend_from_slice(flags);
        let (code, stderr) = specmock(&args);
        assert_eq!(code, 2, "{flags:?}: {stderr}");
        assert!(stderr.contains(message), "{flags:?}: {stderr}");
    }
    let (code, help) = {
        let out =
            std::process::Command::new(env!("CARGO_BIN_EXE_specmock")).args(["serve", "--help"]).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    assert_eq!(code, Some(0));
    for flag in ["--webhook-url", "--webhook-secret", "--webhook-retries"] {
        assert!(help.contains(flag), "serve --help explains {flag}");
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_waits_only_a_few_seconds_for_a_delivery_that_never_ends() {
    use std::io::{BufRead, BufReader};
    let mut receiver = Receiver::start(vec![Reply::Hold]).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["serve", "scalekit", "--stateful", "--port", "0", "--quiet", "--webhook-url", &receiver.url])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let base = loop {
        let line = lines_rx.recv().expect("the server prints where it listens");
        if let Some(url) = line.strip_prefix("specmock listening on ") {
            break url.trim().to_string();
        }
    };
    let answer = client()
        .post(format!("{base}/api/v1/organizations"))
        .header("Authorization", "Bearer t")
        .json(&json!({"display_name": "Acme"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    receiver.next().await;
    assert!(std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    // A hang guard, not a timing: the process must end although the receiver never answers.
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines_rx.try_iter().collect();
    assert!(rest.iter().any(|l| l.contains("1 webhook deliveries were not finished")), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("specmock stopped")), "{rest:?}");
}

#[test]
fn document_errors_in_webhooks_name_the_place() {
    let base = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /things:\n    post:\n      responses: {'201': {description: ok}}\n";
    let cases = [
        (
            format!("{base}      x-specmock-event: thing.made\n"),
            "doc.yaml: #/paths/~1things/post/x-specmock-event: names the webhook 'thing.made', which the document's webhooks do not have (it has none)",
        ),
        (
            format!("{base}webhooks:\n  thing.made:\n    post:\n      x-specmock-event: thing.born\n"),
            "doc.yaml: #/webhooks/thing.made/post/x-specmock-event: 'thing.born' is not [RESOURCE.]ACTION",
        ),
        (
            format!("{base}x-specmock-webhook-signature: {{scheme: rsa}}\n"),
            "doc.yaml: #/x-specmock-webhook-signature/scheme: scheme 'rsa' is not one of svix, standard-webhooks, hmac-sha256, none",
        ),
        (
            format!("{base}x-specmock-webhook-signature: {{scheme: hmac-sha256}}\n"),
            "doc.yaml: #/x-specmock-webhook-signature: scheme hmac-sha256 needs `header`",
        ),
        (
            format!(
                "{base}webhooks:\n  thing.made:\n    post:\n      requestBody: {{$ref: '#/components/requestBodies/Nope'}}\n"
            ),
            "doc.yaml: #/webhooks/thing.made/post/requestBody: $ref '#/components/requestBodies/Nope' not found",
        ),
    ];
    for (text, message) in cases {
        let Err(error) = specmock::Contract::load(specmock::Document::text("doc.yaml", text)) else {
            panic!("{message}: the document loads")
        };
        let error = error.to_string();
        assert!(error.starts_with(message), "{error}\nexpected: {message}");
    }
}
