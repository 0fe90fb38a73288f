//! Judging real traffic against a document from Rust: hand each exchange your client made
//! to `Contract::judge` and look at (or snapshot) the verdict. CI runs it:
//!
//! cargo run --example contract
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let contract = specmock::Contract::load("zitadel")?;
    let request = http::Request::post("https://zitadel.example.com/management/v1/orgs")
        .header("authorization", "Bearer t")
        .header("content-type", "application/json")
        .body(r#"{"name":"Customer A"}"#)?;
    // A server that answers the id as a number, where Zitadel documents a string.
    let response =
        http::Response::builder().status(200).header("content-type", "application/json").body(r#"{"id":42}"#)?;
    let verdict = contract.judge(&request, &response);
    println!("{}", serde_json::to_string_pretty(&verdict)?);
    assert!(!verdict.passed());
    Ok(())
}
