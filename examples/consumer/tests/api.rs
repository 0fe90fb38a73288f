//! What a team's own test suite does with specmock: its client against the mock of the API
//! it builds on, and each exchange judged against the document and snapshotted.

use specmock::{Contract, MockServer};

/// Calls the API as the application would, and hands back the exchange as `http` types.
async fn create_organization(base: &str, name: &str) -> (http::Request<String>, http::Response<Vec<u8>>) {
    let body = serde_json::json!({ "name": name }).to_string();
    let url = format!("{base}/v1/organizations");
    let answer = reqwest::Client::new()
        .post(&url)
        .bearer_auth("sk_test")
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("the mock answers");
    let mut response = http::Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        response = response.header(name, value);
    }
    let response = response.body(answer.bytes().await.expect("a body").to_vec()).expect("a response");
    let request = http::Request::post(url)
        .header("authorization", "Bearer sk_test")
        .header("content-type", "application/json")
        .body(body)
        .expect("a request");
    (request, response)
}

#[tokio::test]
async fn creating_an_organization_keeps_to_clerks_contract() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = MockServer::builder("clerk").stateful().start().await.expect("the mock starts");
    let contract = Contract::load("clerk").expect("the document loads");
    let (request, response) = create_organization(&server.url(), "Acme").await;
    let verdict = contract.judge(&request, &response);
    assert!(verdict.passed(), "{verdict:#?}");
    insta::assert_yaml_snapshot!(verdict, { ".path" => "[path]", ".name" => "[name]" });
}
