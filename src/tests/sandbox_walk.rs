//! Every resource of every document the project can reach, walked through the stateful
//! sandbox the way a client would: create, read back, update, list, delete — with
//! `specmock check`'s lifecycle steps, every answer judged against its document. The
//! built-ins, the real-document fixtures and (where ../shared is beside this checkout) every
//! vendor file. Prints how many resources and steps it walked; fails on any error or on a
//! resource it could not walk.

use std::path::PathBuf;

use serde_json::Value;

use super::common::shared_dir;

fn documents() -> Vec<String> {
    let mut out: Vec<String> = ["scalekit", "straddle", "clerk", "zitadel"].iter().map(|s| s.to_string()).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/documents");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    fixtures.sort();
    for path in fixtures {
        // A multi-file document is served from its entry file.
        let entry = if path.is_dir() {
            ["openapi.yaml", "swagger.json", "index.yaml", "api.yaml"].iter().map(|f| path.join(f)).find(|p| p.exists())
        } else {
            Some(path).filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        };
        out.extend(entry.map(|p| p.display().to_string()));
    }
    match shared_dir() {
        Some(shared) => {
            let mut folders = vec![shared.join("vendor-specs")];
            let mut vendor = Vec::new();
            while let Some(folder) = folders.pop() {
                for path in std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().path()) {
                    match path.extension().and_then(|e| e.to_str()) {
                        _ if path.is_dir() => folders.push(path),
                        Some("yml" | "yaml" | "json") => vendor.push(path.display().to_string()),
                        _ => {}
                    }
                }
            }
            vendor.sort();
            out.extend(vendor);
        }
        None => eprintln!("skipped the vendor files: ../shared/vendor-specs is not beside this checkout"),
    }
    out
}

#[test]
fn every_resource_of_every_document_lives_through_the_sandbox() {
    let (mut resources, mut steps, mut served) = (0, 0, 0);
    let mut misses: Vec<String> = Vec::new();
    // The mock serves on this runtime's threads while `check` (which has its own) runs here.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let report_file = std::env::temp_dir().join(format!("specmock-walk-{}.json", std::process::id()));
    for document in documents() {
        let server = runtime.block_on(crate::MockServer::builder(document.as_str()).stateful().start()).unwrap();
        let mut args: Vec<String> =
            ["specmock", "check", "--spec", &document, "--base-url", &server.url(), "--auth", "Bearer t"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        args.extend(["--report".into(), format!("json={}", report_file.display())]);
        // Every API key the document knows, as a client holding one would send it.
        let (_, api) = crate::mounts::load(&document).unwrap();
        let (headers, _) = super::documents::credentials(&api);
        for (name, value) in headers.into_iter().filter(|(name, _)| name != "Authorization") {
            args.extend(["--header".into(), format!("{name}: {value}")]);
        }
        let exit = super::run_cli(&args);
        drop(server);
        let text = std::fs::read(&report_file).unwrap_or_default();
        let report: Value = serde_json::from_slice(&text)
            .unwrap_or_else(|e| panic!("{document}: no JSON report ({e}); check ended with {exit:?}"));
        let _ = std::fs::remove_file(&report_file);
        let mut walked = std::collections::BTreeSet::new();
        let mut document_steps = 0;
        for result in report["results"].as_array().unwrap() {
            let case = result["case"].as_str().unwrap_or("");
            for finding in result["findings"].as_array().unwrap() {
                if finding["severity"] == "error" {
                    misses.push(format!(
                        "{document}: {} {} [{case}] → {}: {}: {}",
                        result["method"], result["path"], result["status"], finding["rule"], finding["message"]
                    ));
                }
            }
            let Some(resource) = case.strip_prefix("lifecycle of ").map(|c| c.split(':').next().unwrap_or(c)) else {
                continue;
            };
            if let Some(why) = result["skipped"].as_str() {
                // A document that gives a lifecycle nothing to follow is the document's shape,
                // said so; anything else is a miss.
                match why.contains("documents no success answer") {
                    true => eprintln!("{document}: {resource}: {why}"),
                    false => misses.push(format!("{document}: {resource} was not walked: {why}")),
                }
                continue;
            }
            walked.insert(resource.to_string());
            document_steps += 1;
        }
        eprintln!("{document}: {} resources, {document_steps} steps", walked.len());
        resources += walked.len();
        steps += document_steps;
        served += 1;
    }
    eprintln!("walked {resources} resources in {served} documents, {steps} steps, every answer judged");
    assert!(misses.is_empty(), "{} misses:\n{}", misses.len(), misses.join("\n"));
    assert!(resources >= 10, "the built-ins and fixtures alone have resources to walk ({resources})");
}
