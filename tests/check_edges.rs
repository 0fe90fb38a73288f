//! `specmock check` reaching the edges: boundary cases and random requests against a server
//! that is wrong only at the edges of tests/data/boundaries.yaml (tests/edgy), each bug
//! reported with its rule and the label of what found it; failed random requests shrunk to
//! the smallest that still fails; the same seed planning the same cases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;
mod edgy;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::Value;

/// Runs `check` on the document; returns (exit code, console, JSON report, JUnit report).
async fn check(base_url: String, extra: &[&str]) -> (i32, String, Value, String) {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = common::scratch(&format!("check-edges-{}", RUNS.fetch_add(1, Ordering::Relaxed)));
    let (json, junit) = (dir.join("report.json"), dir.join("report.xml"));
    let mut args: Vec<String> = ["check", "--spec", &common::data("boundaries.yaml"), "--base-url", &base_url]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(["--auth".into(), "Bearer t".into()]);
    args.extend(["--report".into(), format!("json={}", json.display())]);
    args.extend(["--report".into(), format!("junit={}", junit.display())]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let output =
        tokio::task::spawn_blocking(move || Command::new(env!("CARGO_BIN_EXE_specmock")).args(&args).output().unwrap())
            .await
            .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let report = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("no report; stderr: {}", String::from_utf8_lossy(&output.stderr)));
    let junit = std::fs::read_to_string(&junit).unwrap();
    let _ = std::fs::remove_dir_all(dir);
    (output.status.code().unwrap_or(-1), stdout, report, junit)
}

fn results(report: &Value) -> &Vec<Value> {
    report["results"].as_array().unwrap()
}

fn rules(result: &Value) -> Vec<&str> {
    result["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect()
}

/// The result that probed `label` in `operation`.
fn probed<'r>(report: &'r Value, operation: &str, label: &str) -> Option<&'r Value> {
    results(report).iter().find(|r| r["operation"] == operation && r["probe"] == label)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_edge_bug_is_found_with_its_rule_and_the_label_that_probed_it() {
    let addr = edgy::start().await;
    let started = Instant::now();
    let (code, stdout, report, junit) = check(format!("http://{addr}"), &["--seed", "3"]).await;
    eprintln!("check took {:?}: {}", started.elapsed(), report["summary"]);
    assert_eq!(code, 1, "{stdout}");
    let expected = [
        ("createUser", "body/name maxLength=200", "no-server-error"),
        ("listUsers", "query/limit maximum=100", "no-server-error"),
        ("createUser", "body/name non-ASCII", "no-server-error"),
        ("listUsers", "query/offset large=2147483647", "body-schema"),
        ("createUser", "body/nickname present", "body-schema"),
        ("createUser", "body/slug pattern (longest match)", "valid-request-accepted"),
        ("createUser", "body/role enum=guest", "valid-request-accepted"),
        ("createUser", "body/tags empty array", "no-server-error"),
    ];
    for (operation, label, rule) in expected {
        let result =
            probed(&report, operation, label).unwrap_or_else(|| panic!("{operation}: no case {label}:\n{stdout}"));
        assert!(rules(result).contains(&rule), "{operation} [{label}]: {result:#}");
        assert_eq!(result["seed"], 3, "{result}");
        assert_eq!(result["case"], format!("boundary: {label}"));
        // The console and the JUnit report name the label, the rule and the seed.
        assert!(stdout.contains(&format!("[boundary: {label}]")), "{stdout}");
        assert!(junit.contains(&format!("boundary: {}", label.replace('\'', "&apos;"))), "{junit}");
    }
    assert!(stdout.contains("seed: 3 (--seed 3 --operation 'createUser' plans this case again)"), "{stdout}");
    assert!(junit.contains("<property name=\"seed\" value=\"3\"/>"), "{junit}");
    // The correct side of each bound passes: the edges just past them are refused rightly.
    for label in
        ["body/name length 201 > maxLength=200", "query/limit 101 > maximum=100", "body/tags 6 items > maxItems=5"]
    {
        let result =
            results(&report).iter().find(|r| r["probe"] == label).unwrap_or_else(|| panic!("{label}: {stdout}"));
        assert_eq!(result["status"], 400, "{result}");
        assert!(rules(result).is_empty(), "{result}");
    }
    assert!(probed(&report, "createUser", "body/name minLength=1").is_some_and(|r| rules(r).is_empty()));
    // Findings outside the edges: none. Each failing result is a probe of a known bug.
    for result in results(&report).iter().filter(|r| !rules(r).is_empty()) {
        assert!(result["probe"].is_string(), "only probes fail here: {result:#}");
    }
    let summary = &report["summary"];
    assert!(summary["requests_per_second"].as_f64().unwrap() > 0.0 && summary["seed"] == 3, "{summary}");
    assert!(stdout.contains("requests/s), seed 3"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_random_request_is_shrunk_to_the_smallest_that_still_fails() {
    let addr = edgy::start().await;
    let (_, stdout, report, _) = check(format!("http://{addr}"), &["--operation", "createUser"]).await;
    let random: Vec<&Value> = results(&report)
        .iter()
        .filter(|r| r["probe"].as_str().is_some_and(|p| p.starts_with("random #")))
        .filter(|r| rules(r) == ["body-schema"])
        .collect();
    assert_eq!(random.len(), 1, "one shrunk request per operation and broken rules:\n{stdout}");
    let shrunk = random[0];
    let case = shrunk["case"].as_str().unwrap();
    assert!(case.contains("shrunk in") && case.contains("random requests failed this way"), "{case}");
    // The reproducer is the smallest request that still drops `role`: one character of
    // name, an empty nickname, nothing else.
    let curl = shrunk["curl"].as_str().unwrap();
    let body = curl.rsplit_once("--data-raw '").unwrap().1.trim_end_matches('\'');
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    assert_eq!(body["nickname"], "", "{body}");
    assert_eq!(body["name"].as_str().unwrap().chars().count(), 1, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_seed_plans_the_same_cases_and_another_seed_others() {
    let addr = edgy::start().await;
    let cases = |report: &Value| -> Vec<String> {
        let mut out: Vec<String> = results(report)
            .iter()
            .filter(|r| r["probe"].is_string())
            .map(|r| format!("{} {}", r["probe"], r["curl"]))
            .collect();
        out.sort();
        out
    };
    let (_, _, first, _) = check(format!("http://{addr}"), &["--seed", "11", "--max-examples", "5"]).await;
    let (_, _, again, _) = check(format!("http://{addr}"), &["--seed", "11", "--max-examples", "5"]).await;
    let (_, _, other, _) = check(format!("http://{addr}"), &["--seed", "12", "--max-examples", "5"]).await;
    assert!(cases(&first).len() > 20, "{:?}", cases(&first));
    assert_eq!(cases(&first), cases(&again));
    assert_ne!(cases(&first), cases(&other));
    // --max-examples 0: boundary cases only.
    let (_, _, none, _) = check(format!("http://{addr}"), &["--max-examples", "0"]).await;
    assert!(!results(&none).iter().any(|r| r["probe"].as_str().is_some_and(|p| p.starts_with("random"))));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mock_answers_every_edge_of_the_document_rightly() {
    let spec = common::data("boundaries.yaml");
    let server = common::start(&[&spec], |b| b).await;
    let (code, stdout, report, _) = check(server.base.clone(), &[]).await;
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(report["summary"]["errors"], 0, "{stdout}");
    let probes = results(&report).iter().filter(|r| r["probe"].is_string()).count();
    assert!(probes > 40, "{probes} boundary and random cases");
    server.stop().await;
}
