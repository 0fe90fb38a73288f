//! A Rust test suite's view of specmock: start the mock of a document in process, call it
//! with a real client, and look at what it answered. CI runs it:
//!
//! cargo run --example mock_server
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

use serde_json::json;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // specmock's reqwest is built without a TLS provider of its own choosing.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = specmock::MockServer::builder("scalekit").stateful().start().await?;
    let url = format!("{}/api/v1/organizations", server.url());
    let client = reqwest::Client::new();

    let created = client
        .post(&url)
        .bearer_auth("t")
        .json(&json!({"display_name": "Acme Corp", "external_id": "acme"}))
        .send()
        .await?;
    println!("POST {url} → {}", created.status());
    let created: serde_json::Value = created.json().await?;
    let id = created["organization"]["id"].as_str().ok_or("the answer names the organization")?;

    let read = client.get(format!("{url}/{id}")).bearer_auth("t").send().await?;
    println!("GET {url}/{id} → {}", read.status());
    let duplicate = client
        .post(&url)
        .bearer_auth("t")
        .json(&json!({"display_name": "Again", "external_id": "acme"}))
        .send()
        .await?;
    println!("POST the same external_id again → {} (Scalekit keeps external ids unique)", duplicate.status());
    assert_eq!(duplicate.status(), 409);
    // What the mock saw, as a test would assert on it.
    for entry in server.requests() {
        println!("journal: {} {} → {}", entry.method, entry.path(), entry.status);
    }
    assert_eq!(server.requests().len(), 3);
    server.shutdown().await?;
    Ok(())
}
