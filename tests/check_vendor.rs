//! `specmock check` against specmock's own mock of every vendor document in
//! ../shared/vendor-specs that loads: what the documents leave out are warnings, never
//! errors.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::process::Command;

use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn the_mock_of_every_vendor_document_passes_its_own_check() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("skipped: ../shared/vendor-specs is not beside this checkout");
        return;
    };
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    let mut folders = vec![shared.join("vendor-specs")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().path()) {
            match entry.extension().and_then(|e| e.to_str()) {
                _ if entry.is_dir() => folders.push(entry),
                Some("yml" | "yaml" | "json") => files.push(entry),
                _ => {}
            }
        }
    }
    files.sort();
    let mut checked = 0;
    for file in files {
        let spec = file.display().to_string();
        if let Err(e) = specmock::Contract::load(spec.as_str()) {
            eprintln!("skipped {spec}: it does not load today ({e})");
            continue;
        }
        let server = common::start(&[&spec], |b| b).await;
        let args = ["check", "--spec", &spec, "--base-url", &server.base, "--auth", "Bearer t", "--report", "json=-"];
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let output =
            tokio::task::spawn_blocking(move || Command::new(env!("CARGO_BIN_EXE_specmock")).args(&args).output())
                .await
                .unwrap()
                .unwrap();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let errors: Vec<&Value> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["findings"].as_array().unwrap().iter().any(|f| f["severity"] == "error"))
            .collect();
        assert!(errors.is_empty(), "{spec}: {errors:#?}");
        assert_eq!(output.status.code(), Some(0), "{spec}");
        eprintln!("{spec}: {}", report["summary"]);
        checked += 1;
        server.stop().await;
    }
    assert!(checked >= 7, "the OpenAPI 3 documents of vendor-specs load and are checked ({checked})");
}
