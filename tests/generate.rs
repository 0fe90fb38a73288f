//! Generated bodies: valid for every response schema of every document we have, the same
//! for the same seed, and bounded on pathological schemas.

mod common;

use std::collections::BTreeSet;
use std::time::Instant;

use common::{Answer, assert_conforms, client, data, shared_dir, start};
use specmock::generate::generate;
use specmock::mock::MockOptions;
use specmock::spec::{Api, SchemaId};

const SEEDS: u64 = 50;

fn response_schemas(api: &Api) -> BTreeSet<u32> {
    api.operations
        .iter()
        .flat_map(|op| op.responses.iter())
        .flat_map(|r| r.content.iter())
        .filter_map(|m| m.schema.map(|SchemaId(i)| i))
        .collect()
}

/// Generates SEEDS bodies per response schema and validates each; returns (schemas, samples, misses).
fn prove(name: &str, api: &Api) -> (usize, usize, Vec<String>) {
    let schemas = response_schemas(api);
    let mut misses = Vec::new();
    let mut samples = 0;
    for &index in &schemas {
        let id = SchemaId(index);
        let validator = api.schemas.validator(id).expect("compiles");
        for seed in 0..SEEDS {
            samples += 1;
            match generate(&api.schemas, id, seed) {
                Ok(value) if validator.is_valid(&value) => {}
                Ok(value) => {
                    misses.push(format!("{name}: {} seed {seed}: invalid body {value}", api.schemas.origin(id)))
                }
                Err(e) => misses.push(format!("{name}: seed {seed}: {e}")),
            }
        }
    }
    (schemas.len(), samples, misses)
}

#[test]
fn every_response_schema_generates_valid_bodies() {
    let started = Instant::now();
    let mut documents: Vec<(String, Api)> =
        specmock::spec::BUILTINS.iter().map(|b| (b.file.to_string(), b.load().expect("built-in loads"))).collect();
    match shared_dir() {
        Some(shared) => {
            let mut files: Vec<_> = walk(&shared.join("vendor-specs"));
            files.sort();
            for file in files {
                // Files that do not load (Swagger 2.0) are covered by the loading tests.
                if let Ok(api) = specmock::spec::load_file(&file) {
                    documents.push((file.display().to_string(), api));
                }
            }
        }
        None => eprintln!("skipped the vendor files: ../shared/vendor-specs is not beside this checkout"),
    }
    let (mut schema_count, mut sample_count, mut misses) = (0, 0, Vec::new());
    for (name, api) in &documents {
        let (schemas, samples, missed) = prove(name, api);
        eprintln!("{name}: {schemas} response schemas, {samples} samples, {} misses", missed.len());
        schema_count += schemas;
        sample_count += samples;
        misses.extend(missed);
    }
    eprintln!(
        "checked {schema_count} response schemas in {} documents with {sample_count} samples ({SEEDS} seeds each) in {:?}",
        documents.len(),
        started.elapsed()
    );
    assert!(
        misses.is_empty(),
        "{} misses, first ones:\n{}",
        misses.len(),
        misses.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")) {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn the_same_seed_gives_the_same_bytes_and_no_seed_differs() {
    let server = start(&[], MockOptions::default()).await;
    let fetch = |prefer: &'static str| {
        let url = server.url("/straddle/v1/organizations");
        async move {
            Answer::from(
                client().get(url).header("Authorization", "Bearer t").header("Prefer", prefer).send().await.unwrap(),
            )
            .await
        }
    };
    let a = fetch("dynamic=true, seed=7").await;
    let b = fetch("dynamic=true, seed=7").await;
    assert_eq!(a.status, 200);
    assert_conforms(&server, "GET", "/straddle/v1/organizations", &a);
    // The envelope's request id and timestamp are generated too: the whole body repeats.
    assert_eq!(a.body, b.body, "same seed, same bytes");
    let c = fetch("dynamic=true, seed=8").await;
    assert_ne!(a.body, c.body, "another seed, another body");
    let d = fetch("dynamic=true").await;
    let e = fetch("dynamic=true").await;
    assert_ne!(d.body, e.body, "without a seed each answer differs");
    assert_conforms(&server, "GET", "/straddle/v1/organizations", &d);
    server.stop().await;
}

#[test]
fn the_same_seed_gives_the_same_value_for_every_builtin_schema() {
    for builtin in specmock::spec::BUILTINS {
        let api = builtin.load().unwrap();
        for index in response_schemas(&api) {
            let id = SchemaId(index);
            let first = serde_json::to_vec(&generate(&api.schemas, id, 42).unwrap()).unwrap();
            let second = serde_json::to_vec(&generate(&api.schemas, id, 42).unwrap()).unwrap();
            assert_eq!(first, second, "{}", api.schemas.origin(id));
        }
    }
}

#[tokio::test]
async fn generated_values_are_realistic() {
    let server = start(&["clerk", "straddle"], MockOptions::default()).await;
    for seed in 0..10 {
        let clerk = Answer::from(
            client()
                .get(server.url("/clerk/v1/organizations/org_1"))
                .header("Authorization", "Bearer t")
                .header("Prefer", format!("dynamic=true, seed={seed}"))
                .send()
                .await
                .unwrap(),
        )
        .await
        .json();
        assert!(clerk["id"].as_str().unwrap().starts_with("org_"), "{clerk}");
        assert_eq!(clerk["object"], "organization");
        let created = clerk["created_at"].as_i64().unwrap();
        assert!(created > 1_500_000_000_000, "epoch milliseconds: {created}");

        let straddle = Answer::from(
            client()
                .get(server.url("/straddle/v1/organizations/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"))
                .header("Authorization", "Bearer t")
                .header("Prefer", format!("dynamic=true, seed={seed}"))
                .send()
                .await
                .unwrap(),
        )
        .await
        .json();
        let id = straddle["data"]["id"].as_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        assert!(straddle["data"]["created_at"].as_str().unwrap().ends_with('Z'));
    }
    server.stop().await;
}

#[tokio::test]
async fn pathological_schemas_answer_500_naming_the_schema_within_budget() {
    let server = start(&[&data("pathological.yaml")], MockOptions::default()).await;
    for (path, needle) in [
        ("/huge", "#/components/schemas/Huge"),
        ("/contradiction", "#/components/schemas/Contradiction"),
        ("/endless", "#/components/schemas/Endless"),
        ("/wide", "#/components/schemas/Wide"),
    ] {
        let answer = Answer::from(client().get(server.url(path)).send().await.unwrap()).await;
        assert_eq!(answer.status, 500, "{path}: {}", String::from_utf8_lossy(&answer.body));
        assert_eq!(answer.header("content-type"), Some("application/problem+json"));
        let detail = answer.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(needle), "{path}: {detail}");
    }
    // Recursion that may stop does stop, and validates.
    let tree = Answer::from(client().get(server.url("/tree")).send().await.unwrap()).await;
    assert_eq!(tree.status, 200);
    assert_conforms(&server, "GET", "/tree", &tree);
    server.stop().await;
}

#[test]
fn every_keyword_is_honoured() {
    let api = specmock::spec::load_file(std::path::Path::new(&data("keywords.yaml"))).unwrap();
    let schemas = response_schemas(&api);
    assert!(!schemas.is_empty());
    for index in schemas {
        let id = SchemaId(index);
        let validator = api.schemas.validator(id).unwrap();
        for seed in 0..200 {
            let value = generate(&api.schemas, id, seed).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert!(validator.is_valid(&value), "seed {seed}: {value}");
        }
    }
}

#[tokio::test]
async fn straddle_generated_envelopes_say_what_data_holds() {
    let server = start(&["straddle"], MockOptions::default()).await;
    let item = "/v1/organizations/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e";
    let cases = [("/v1/organizations", "", "array"), (item, "", "object"), (item, "code=404, ", "error")];
    for seed in 0..10 {
        for (path, code, expected) in cases {
            let prefer = format!("{code}dynamic=true, seed={seed}");
            let request = client().get(server.url(path)).header("Authorization", "Bearer t").header("Prefer", prefer);
            let answer = Answer::from(request.send().await.unwrap()).await;
            assert_eq!(answer.json()["response_type"], expected, "{path} {code}seed {seed}");
        }
    }
    server.stop().await;
}
