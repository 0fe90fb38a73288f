//! Small fixes and validation edge cases found by running real clients (and Schemathesis)
//! against the mock: each through a real server and a real HTTP client.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::{Answer, assert_conforms, client, data, start};
use serde_json::{Value, json};

fn violations(answer: &Answer) -> Value {
    answer.header("specmock-violations").and_then(|v| serde_json::from_str(v).ok()).unwrap_or_else(|| {
        serde_json::from_slice::<Value>(&answer.body)
            .ok()
            .and_then(|b| b.get("violations").cloned())
            .unwrap_or_default()
    })
}

fn fields(answer: &Answer) -> Vec<String> {
    violations(answer)
        .as_array()
        .map(|list| list.iter().filter_map(|v| v["field"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn percent_encoded_paths_match_their_decoded_templates_and_bad_ones_are_400() {
    let server = start(&[&data("edges.yaml")], |b| b).await;
    let answer = Answer::of(client().get(server.url("/test%20path/a%2Fb%25c"))).await;
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    // Not UTF-8 once decoded: a bad request, answered, not a panic or a 404.
    let answer = Answer::of(client().get(server.url("/test%20path/%FF%FE"))).await;
    assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(&answer.body));
    assert!(String::from_utf8_lossy(&answer.body).contains("not UTF-8"));
    let answer = Answer::of(client().get(server.url("/%C3%28"))).await;
    assert_eq!(answer.status, 400);
    server.stop().await;
}

#[tokio::test]
async fn documented_headers_without_examples_are_sent_from_default_or_schema() {
    let server = start(&[&data("edges.yaml")], |b| b).await;
    let answer = Answer::of(client().get(server.url("/test%20path/x"))).await;
    assert_eq!(answer.header("x-rate-limit"), Some("100"), "the default");
    let id = answer.header("x-request-id").unwrap_or_default();
    assert_eq!(id.len(), 36, "a generated uuid: {id:?}");
    assert!(matches!(answer.header("x-region"), Some("eu" | "us")));
    // Framing headers are HTTP's, whatever the document says.
    assert_eq!(answer.header("content-length"), Some(answer.body.len().to_string().as_str()));
    assert_conforms(&server, "GET", "/test%20path/x", &answer);
    server.stop().await;
}

#[tokio::test]
async fn integers_of_any_size_are_integers_and_64_bit_bounds_are_exact() {
    let server = start(&[&data("edges.yaml")], |b| b).await;
    let get = |query: &'static str| Answer::of(client().get(server.url(&format!("/numbers?{query}"))));
    for ok in [
        "offset=45142933002613952106987520",
        "offset=-45142933002613952106987520",
        "id64=-9223372036854775808",
        "id64=9223372036854775807",
        "id32=2147483647",
    ] {
        assert_eq!(get(ok).await.status, 200, "{ok}");
    }
    for bad in ["id64=-9223372036854775809", "id64=9223372036854775808", "id32=2147483648", "offset=1.5"] {
        let answer = get(bad).await;
        assert_eq!(answer.status, 422, "{bad}");
    }
    let post = |body: &'static str| {
        Answer::of(client().post(server.url("/numbers")).header("content-type", "application/json").body(body))
    };
    assert_eq!(post(r#"{"big": 45142933002613952106987520, "id64": -9223372036854775808}"#).await.status, 200);
    let answer = post(r#"{"id64": -9223372036854775809}"#).await;
    assert_eq!(answer.status, 422);
    assert_eq!(fields(&answer), ["id64"]);
    server.stop().await;
}

#[tokio::test]
async fn nullable_with_an_enum_that_lacks_null_refuses_null_in_3_0() {
    let server = start(&[&data("edges.yaml")], |b| b).await;
    let post = |body: Value| Answer::of(client().post(server.url("/colors")).json(&body));
    assert_eq!(post(json!({"color": null})).await.status, 422);
    assert_eq!(fields(&post(json!({"color": null})).await), ["color"]);
    assert_eq!(post(json!({"color": "red", "shade": null, "note": null})).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn empty_forms_are_forms_without_fields() {
    let server = start(&[&data("edges.yaml")], |b| b).await;
    let form = |path: &str, body: &'static str| {
        Answer::of(
            client().post(server.url(path)).header("content-type", "application/x-www-form-urlencoded").body(body),
        )
    };
    // The body is optional, but a form sent without its required field is still wrong.
    let answer = form("/forms/required", "").await;
    assert_eq!(answer.status, 422);
    assert_eq!(fields(&answer), ["email"]);
    assert_eq!(form("/forms/required", "name=x").await.status, 422);
    assert_eq!(form("/forms/required", "email=a%40b.example").await.status, 200);
    // A required body whose fields are all optional: the empty form is a valid one.
    assert_eq!(form("/forms/optional", "").await.status, 200);
    // A required array left out is missing (form encoding cannot tell it from `[]`, and the
    // vendors answer "required"); a nullable field's null arrives as the word `null`.
    assert_eq!(fields(&form("/forms/arrays", "").await), ["ids"]);
    assert_eq!(form("/forms/arrays", "ids=a&ids=b&state=null").await.status, 200);
    assert_eq!(fields(&form("/forms/arrays", "ids=a&state=short").await), ["state"]);
    assert_eq!(fields(&form("/forms/arrays", "ids=a&flag=").await), ["flag"]);
    assert_eq!(form("/forms/arrays", "ids=a&flag=null").await.status, 200);
    // Other types have no empty value: an empty file or JSON body is a missing one.
    let put = |content_type: &'static str| {
        Answer::of(client().put(server.url("/files")).header("content-type", content_type).body(""))
    };
    assert_eq!(put("application/octet-stream").await.status, 422);
    assert_eq!(put("application/json").await.status, 422);
    // No Content-Type and no body: still a missing body.
    let answer = Answer::of(client().post(server.url("/forms/optional"))).await;
    assert_eq!(answer.status, 422);
    server.stop().await;
}

#[tokio::test]
async fn allow_reserved_false_refuses_unescaped_reserved_characters_in_forms() {
    let server = start(&[&data("edges.yaml")], |b| b).await;
    let form = |body: &'static str| {
        Answer::of(
            client()
                .post(server.url("/forms/reserved"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
    };
    let answer = form("path=a/b:c&free=a/b:c").await;
    assert_eq!(answer.status, 422);
    assert_eq!(fields(&answer), ["path"]);
    let message = violations(&answer)[0]["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains("'/'") && message.contains("':'"), "{message}");
    assert_eq!(form("path=a%2Fb%3Ac+d&free=a/b:c").await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn multipart_part_names_that_are_not_utf8_are_judged() {
    let server = start(&[&data("edges.yaml")], |b| b).await;
    let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"ti".to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(b"tle\"\r\n\r\nhello\r\n--XyZ--\r\n");
    let answer = Answer::of(
        client().post(server.url("/uploads")).header("content-type", "multipart/form-data; boundary=XyZ").body(body),
    )
    .await;
    assert_eq!(answer.status, 422, "{}", String::from_utf8_lossy(&answer.body));
    let list = violations(&answer);
    assert_eq!(list[0]["keyword"], "additionalProperties", "{list}");
    // Control characters HTTP does not allow in a header: the part is still read and judged.
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"\u{c}\u{12}\"\r\n\r\nx\r\n\
                --XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--XyZ--\r\n";
    let answer = Answer::of(
        client().post(server.url("/uploads")).header("content-type", "multipart/form-data; boundary=XyZ").body(body),
    )
    .await;
    assert_eq!(answer.status, 422, "{}", String::from_utf8_lossy(&answer.body));
    let list = violations(&answer);
    assert_eq!(list[0]["keyword"], "additionalProperties", "{list}");
    assert_eq!(list[0]["field"], "%0C%12", "{list}");
    server.stop().await;
}

#[tokio::test]
async fn overlapping_one_of_branches_follow_the_discriminator() {
    let server = start(&[&data("edges.yaml")], |b| b.dynamic(true)).await;
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 0..30 {
        let answer = Answer::of(client().get(server.url("/pets")).header("prefer", format!("seed={seed}"))).await;
        assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
        assert_conforms(&server, "GET", "/pets", &answer);
        kinds.insert(answer.json()["kind"].as_str().unwrap_or_default().to_string());
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["Dog", "cat"]);
    server.stop().await;
}

#[tokio::test]
async fn a_named_example_is_served_for_validation_errors() {
    let server = start(&[&data("edges.yaml")], |b| b).await;
    let by_header =
        Answer::of(client().post(server.url("/orders")).header("prefer", "example=missing_item").json(&json!({})))
            .await;
    assert_eq!(by_header.status, 422);
    assert_eq!(by_header.json(), json!({"error": "item is required"}));
    assert_eq!(fields(&by_header), ["item"]);
    let by_query = Answer::of(client().post(server.url("/orders?__example=missing_item")).json(&json!({}))).await;
    assert_eq!(by_query.json(), json!({"error": "item is required"}));
    let unnamed = Answer::of(client().post(server.url("/orders")).json(&json!({}))).await;
    assert_eq!(unnamed.json(), json!({"error": "something is wrong"}));
    server.stop().await;
}

#[tokio::test]
async fn vendor_json_media_types_in_accept_match_json_content() {
    let server = start(&[&data("edges.yaml")], |b| b).await;
    for accept in ["application/vnd.pagerduty+json;version=2", "application/json; charset=utf-8"] {
        let answer = Answer::of(client().get(server.url("/things/1")).header("accept", accept)).await;
        assert_eq!(answer.status, 200, "{accept}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
    }
    let answer = Answer::of(client().get(server.url("/things/1")).header("accept", "application/vnd.x+xml")).await;
    assert_eq!(answer.status, 406);
    server.stop().await;
}

#[tokio::test]
async fn generated_error_bodies_state_the_status_they_are_sent_with() {
    let server = start(&[&data("edges.yaml")], |b| b).await;
    for seed in 0..20 {
        let answer =
            Answer::of(client().get(server.url("/things/1")).header("prefer", format!("code=404, seed={seed}"))).await;
        assert_eq!(answer.status, 404);
        let body = answer.json();
        assert_eq!(body["status"], 404, "{body}");
        assert_eq!(body["status_code"], 404, "{body}");
        assert_conforms(&server, "GET", "/things/1", &answer);
    }
    server.stop().await;
}
