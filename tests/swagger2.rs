//! Swagger 2.0, read natively: tests/data/swagger2/shop.yaml uses every feature the
//! converter reads, and each is tried through a running mock.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::{Answer, TestServer, assert_conforms, client, data, start};
use serde_json::json;

const KEY: (&str, &str) = ("X-API-Key", "k");

async fn shop() -> TestServer {
    start(&[&data("swagger2/shop.yaml")], |b| b).await
}

async fn get(server: &TestServer, path: &str) -> Answer {
    Answer::of(client().get(server.url(path)).header(KEY.0, KEY.1)).await
}

#[tokio::test]
async fn base_path_security_and_examples_by_media_type() {
    let server = shop().await;
    // The example written for application/json, and the header's x-example.
    for path in ["/items", "/v2/items"] {
        let answer = get(&server, path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.json(), json!([{"id": 1, "name": "first", "price": null, "kind": "Item"}]));
        assert_eq!(answer.header("x-total"), Some("3"));
        assert_conforms(&server, "GET", path, &answer);
    }
    // security: key OR oauth; without either, 401 naming both.
    let refused = Answer::of(client().get(server.url("/items"))).await;
    assert_eq!(refused.status, 401);
    let challenges: Vec<&str> =
        refused.headers.get_all("www-authenticate").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(challenges.iter().any(|c| c.starts_with("ApiKey")) && challenges.iter().any(|c| c.starts_with("Bearer")));
    let bearer = Answer::of(client().get(server.url("/items")).header("Authorization", "Bearer t")).await;
    assert_eq!(bearer.status, 200);
    // A text/plain example for a 404, sent as text.
    let missing = Answer::of(
        client()
            .get(server.url("/items/5"))
            .header(KEY.0, KEY.1)
            .header("Accept", "text/plain")
            .header("Prefer", "code=404"),
    )
    .await;
    assert_eq!((missing.status, missing.header("content-type")), (404, Some("text/plain")));
    assert_eq!(&missing.body[..], b"no such item");
    server.stop().await;
}

#[tokio::test]
async fn collection_formats_and_allow_empty_value_are_read_as_written() {
    let server = shop().await;
    let good = "/items?ids=1,2&tags=a&tags=b&words=ab%20cd&cols=a%09b&pipes=a|b&q=&limit=9";
    assert_eq!(get(&server, good).await.status, 200);
    // Each format splits where it says: the second item of each is the bad one.
    let cases = [
        ("ids=1,x", "query/ids/1"),
        ("tags=a&tags=abcd", "query/tags/1"),
        ("words=ab%20abcd", "query/words/1"),
        ("cols=a%09abcd", "query/cols/1"),
        ("pipes=a|c", "query/pipes/1"),
        ("q=abc", "query/q"),
        ("limit=99", "query/limit"),
    ];
    for (query, location) in cases {
        let answer = get(&server, &format!("/items?{query}")).await;
        assert_eq!(answer.status, 422, "{query}");
        assert_eq!(answer.json()["message"].as_str().map(|_| ()), Some(()), "{query}: the document's error shape");
        let violations = answer.header("specmock-violations").unwrap_or_default().to_string();
        assert!(violations.contains(&format!("\"location\":\"{location}\"")), "{query}: {violations}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_body_parameter_is_the_request_body_and_x_nullable_allows_null() {
    let server = shop().await;
    let post =
        |body: serde_json::Value| client().post(server.url("/items")).basic_auth("user", Some("secret")).json(&body);
    let created = Answer::of(post(json!({"name": "x", "price": null}))).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_conforms(&server, "POST", "/items", &created);
    let missing = Answer::of(post(json!({"price": 1}))).await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.json(), json!({"message": "name is required"}), "in the document's default error shape");
    // This operation's security is basic only: an API key is not enough.
    let key_only =
        Answer::of(client().post(server.url("/items")).header(KEY.0, KEY.1).json(&json!({"name": "x"}))).await;
    assert_eq!(key_only.status, 401);
    server.stop().await;
}

#[tokio::test]
async fn form_data_parameters_are_a_urlencoded_or_multipart_body() {
    let server = shop().await;
    let login = |form: &'static str| {
        client().post(server.url("/login")).header("Content-Type", "application/x-www-form-urlencoded").body(form)
    };
    let session = Answer::of(login("user=bob&remember=true")).await;
    assert_eq!(session.status, 200);
    // The answer's schema lives in models.yaml and refers to another definition there.
    assert!(session.json()["user"]["name"].is_string(), "{}", session.json());
    assert_conforms(&server, "POST", "/login", &session);
    let missing = Answer::of(login("remember=true")).await;
    assert_eq!(missing.status, 422);
    assert!(String::from_utf8_lossy(&missing.body).contains("user is required"));

    // type: file → multipart, the file part required.
    let upload = |with_file: bool| {
        let mut form = multipart_field("caption", "hi");
        if with_file {
            form.push_str("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n");
            form.push_str("Content-Type: image/png\r\n\r\nPNGDATA\r\n");
        }
        form.push_str("--XyZ--\r\n");
        client()
            .post(server.url("/items/1/photo"))
            .header(KEY.0, KEY.1)
            .header("Content-Type", "multipart/form-data; boundary=XyZ")
            .body(form)
    };
    assert_eq!(Answer::of(upload(true)).await.status, 204);
    let no_file = Answer::of(upload(false)).await;
    assert_eq!(no_file.status, 422);
    assert!(String::from_utf8_lossy(&no_file.body).contains("file is required"));
    server.stop().await;
}

#[tokio::test]
async fn a_string_discriminator_is_read() {
    let server = shop().await;
    let answer = Answer::of(client().get(server.url("/animals"))).await;
    assert_eq!(answer.status, 200);
    for animal in answer.json().as_array().unwrap() {
        assert!(animal["animalType"].is_string(), "{animal}");
    }
    assert_conforms(&server, "GET", "/animals", &answer);
    server.stop().await;
}

/// The opening part of a multipart body with one text field (boundary `XyZ`).
fn multipart_field(name: &str, value: &str) -> String {
    format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

#[test]
fn routes_names_the_version() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
        .args(["routes", &data("swagger2/shop.yaml")])
        .output()
        .expect("specmock runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.trim_end().ends_with("Swagger 2.0)"), "{stdout}");
    assert!(stdout.contains("POST    /items/{id}/photo"), "{stdout}");
}
