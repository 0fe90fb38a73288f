//! Generated bodies as a client sees them: the same bytes for the same seed, realistic
//! values, bounded on pathological schemas. (The generator against every schema the project
//! reaches is tested inside the crate: src/tests/generation.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::{Answer, assert_conforms, client, data, start};

#[tokio::test]
async fn the_same_seed_gives_the_same_bytes_and_no_seed_differs() {
    let server = start(&[], |b| b).await;
    let fetch = |prefer: &'static str| {
        let url = server.url("/straddle/v1/organizations");
        async move { Answer::of(client().get(url).header("Authorization", "Bearer t").header("Prefer", prefer)).await }
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

#[tokio::test]
async fn generated_values_are_realistic() {
    let server = start(&["clerk", "straddle"], |b| b).await;
    for seed in 0..10 {
        let clerk = Answer::of(
            client()
                .get(server.url("/clerk/v1/organizations/org_1"))
                .header("Authorization", "Bearer t")
                .header("Prefer", format!("dynamic=true, seed={seed}")),
        )
        .await
        .json();
        assert!(clerk["id"].as_str().unwrap().starts_with("org_"), "{clerk}");
        assert_eq!(clerk["object"], "organization");
        let created = clerk["created_at"].as_i64().unwrap();
        assert!(created > 1_500_000_000_000, "epoch milliseconds: {created}");

        let straddle = Answer::of(
            client()
                .get(server.url("/straddle/v1/organizations/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"))
                .header("Authorization", "Bearer t")
                .header("Prefer", format!("dynamic=true, seed={seed}")),
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
    let server = start(&[&data("pathological.yaml")], |b| b).await;
    for (path, needle) in [
        ("/huge", "#/components/schemas/Huge"),
        ("/contradiction", "#/components/schemas/Contradiction"),
        ("/endless", "#/components/schemas/Endless"),
        ("/wide", "#/components/schemas/Wide"),
    ] {
        let answer = Answer::of(client().get(server.url(path))).await;
        assert_eq!(answer.status, 500, "{path}: {}", String::from_utf8_lossy(&answer.body));
        assert_eq!(answer.header("content-type"), Some("application/problem+json"));
        let detail = answer.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(needle), "{path}: {detail}");
    }
    // Recursion that may stop does stop, and validates.
    let tree = Answer::of(client().get(server.url("/tree"))).await;
    assert_eq!(tree.status, 200);
    assert_conforms(&server, "GET", "/tree", &tree);
    server.stop().await;
}

#[tokio::test]
async fn straddle_generated_envelopes_say_what_data_holds() {
    let server = start(&["straddle"], |b| b).await;
    let item = "/v1/organizations/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e";
    let cases = [("/v1/organizations", "", "array"), (item, "", "object"), (item, "code=404, ", "error")];
    for seed in 0..10 {
        for (path, code, expected) in cases {
            let prefer = format!("{code}dynamic=true, seed={seed}");
            let request = client().get(server.url(path)).header("Authorization", "Bearer t").header("Prefer", prefer);
            let answer = Answer::of(request).await;
            assert_eq!(answer.json()["response_type"], expected, "{path} {code}seed {seed}");
        }
    }
    server.stop().await;
}
