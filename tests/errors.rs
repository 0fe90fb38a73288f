//! Error answers: 401 and 403 (both ways), 415, validation in each vendor's style,
//! tokens — and every answer conforms to its own document. (Parameters, bodies, limits, CORS,
//! Prefer: requests.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use base64::Engine;
use common::{Answer, assert_conforms, client, data, post, start};
use serde_json::{Value, json};

const TOKEN: &str = "Bearer test-token";

/// Request headers of one table row.
type Headers<V> = Vec<(&'static str, V)>;

/// The create operation of each built-in style, with a valid body.
const STYLES: &[(&str, &str, &str)] = &[
    ("scalekit", "/scalekit/api/v1/organizations", r#"{"display_name":"Acme Corp"}"#),
    ("straddle", "/straddle/v1/organizations", r#"{"name":"Acme"}"#),
    ("clerk", "/clerk/v1/organizations", r#"{"name":"Acme Inc"}"#),
    ("zitadel", "/zitadel/management/v1/orgs", r#"{"name":"Customer A"}"#),
];

fn snapshot(name: &str, answer: &Answer) {
    let body: Value =
        serde_json::from_slice(&answer.body).unwrap_or(Value::String(String::from_utf8_lossy(&answer.body).into()));
    redacted_json_snapshot!(
        name,
        json!({"status": answer.status, "content-type": answer.header("content-type"), "www-authenticate": answer.header("www-authenticate"), "body": body})
    );
}

#[tokio::test]
async fn missing_credentials_get_the_vendors_401_with_a_challenge() {
    let server = start(&[], |b| b).await;
    for (style, path, body) in STYLES {
        let answer = post(&server, path, None, body, &[]).await;
        assert_eq!(answer.status, 401, "{style}");
        assert!(answer.header("www-authenticate").unwrap().starts_with("Bearer"), "{style}");
        assert_conforms(&server, "POST", path, &answer);
        snapshot(&format!("unauthorized_{style}"), &answer);

        let malformed = post(&server, path, Some("Token abc"), body, &[]).await;
        assert_eq!(malformed.status, 401, "{style}: a non-Bearer Authorization is malformed");
        let empty = post(&server, path, Some("Bearer "), body, &[]).await;
        assert_eq!(empty.status, 401, "{style}: an empty bearer token is malformed");
    }
    server.stop().await;
}

#[tokio::test]
async fn documented_credential_errors_get_fresh_request_ids() {
    let server = start(&["straddle"], |b| b).await;
    let mut ids = Vec::new();
    for auth in [None, None, Some("Bearer forbidden")] {
        let answer = post(&server, "/v1/organizations", auth, r#"{"name":"Acme"}"#, &[]).await;
        assert_conforms(&server, "POST", "/v1/organizations", &answer);
        let body = answer.json();
        // The vendor's own words stay; the per-request values are new.
        let documented = if auth.is_none() {
            "a valid bearer token is required"
        } else {
            "the API key is not allowed to perform this operation"
        };
        assert_eq!(body["error"]["detail"], documented);
        let timestamp = body["meta"]["api_request_timestamp"].as_str().unwrap().to_string();
        assert!(!timestamp.starts_with("2019"), "{timestamp}");
        ids.push(body["meta"]["api_request_id"].as_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 3, "{ids:?}");
    server.stop().await;
}

#[tokio::test]
async fn the_forbidden_token_and_prefer_code_403_both_get_the_vendors_403() {
    let server = start(&[], |b| b).await;
    for (style, path, body) in STYLES {
        let by_token = post(&server, path, Some("Bearer forbidden"), body, &[]).await;
        assert_eq!(by_token.status, 403, "{style}");
        assert_conforms(&server, "POST", path, &by_token);
        snapshot(&format!("forbidden_token_{style}"), &by_token);

        let by_prefer = post(&server, path, Some(TOKEN), body, &[("Prefer", "code=403")]).await;
        assert_eq!(by_prefer.status, 403, "{style}");
        assert_conforms(&server, "POST", path, &by_prefer);
        snapshot(&format!("forbidden_prefer_{style}"), &by_prefer);
    }
    server.stop().await;
}

#[tokio::test]
async fn validation_failures_name_the_field_in_the_vendors_style() {
    let server = start(&[], |b| b).await;
    let too_long = "x".repeat(300);
    for (style, path, _) in STYLES {
        let field = if *style == "scalekit" { "display_name" } else { "name" };
        let cases = [
            ("missing", "{}".to_string()),
            ("wrong_type", format!(r#"{{"{field}": 42}}"#)),
            ("too_long", format!(r#"{{"{field}": "{too_long}"}}"#)),
            ("malformed", format!(r#"{{"{field}": "Acme""#)),
        ];
        for (case, body) in cases {
            // Straddle documents no length limit on name; its idempotency-key (10-40) has one.
            let long_key = "k".repeat(50);
            let (body, headers, field) = match (*style, case) {
                ("straddle", "too_long") => {
                    (r#"{"name":"Acme"}"#.to_string(), vec![("idempotency-key", long_key.as_str())], "idempotency-key")
                }
                _ => (body, vec![], field),
            };
            let answer = post(&server, path, Some(TOKEN), &body, &headers).await;
            assert!(answer.status == 400 || answer.status == 422, "{style} {case}: {}", answer.status);
            assert_conforms(&server, "POST", path, &answer);
            let text = String::from_utf8_lossy(&answer.body);
            if case != "malformed" {
                assert!(text.contains(field), "{style} {case}: names the field: {text}");
            } else {
                assert!(text.contains("line 1, column"), "{style} {case}: carries line and column: {text}");
            }
            snapshot(&format!("invalid_{style}_{case}"), &answer);
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn clerk_missing_name_is_form_param_nil_with_param_name() {
    let server = start(&["clerk"], |b| b).await;
    let answer = post(&server, "/v1/organizations", Some(TOKEN), "{}", &[]).await;
    assert_eq!(answer.status, 422);
    let error = &answer.json()["errors"][0];
    assert_eq!(error["code"], "form_param_nil");
    assert_eq!(error["meta"]["param_name"], "name");
    let wrong = post(&server, "/v1/organizations", Some(TOKEN), r#"{"name": 1}"#, &[]).await;
    assert_eq!(wrong.json()["errors"][0]["meta"]["param_name"], "name");
    assert_ne!(wrong.json()["errors"][0]["code"], "form_param_nil");
    server.stop().await;
}

#[tokio::test]
async fn a_missing_body_names_each_required_field_and_a_non_object_names_the_body() {
    let server = start(&[], |b| b).await;
    // Nothing sent: as if `{}` was, each required property is named.
    for (path, content_type) in
        [("/clerk/v1/organizations", None), ("/clerk/v1/organizations", Some("application/json"))]
    {
        let mut request = client().post(server.url(path)).header("Authorization", TOKEN);
        if let Some(ct) = content_type {
            request = request.header("Content-Type", ct);
        }
        let answer = Answer::of(request).await;
        assert_eq!(answer.status, 422);
        let error = &answer.json()["errors"][0];
        assert_eq!((&error["code"], &error["message"]), (&json!("form_param_nil"), &json!("Enter name.")), "{error}");
        assert_eq!(error["meta"]["param_name"], "name");
        assert_conforms(&server, "POST", path, &answer);
    }
    let straddle = post(&server, "/straddle/v1/organizations", Some(TOKEN), "", &[]).await;
    assert_eq!(straddle.json()["error"]["items"][0]["reference"], "name", "{:?}", straddle.json());
    // Not an object: the field is the body itself, never "".
    for body in ["[]", "null", "42"] {
        let answer = post(&server, "/clerk/v1/organizations", Some(TOKEN), body, &[]).await;
        assert_eq!(answer.status, 422, "{body}");
        let error = &answer.json()["errors"][0];
        assert_eq!(error["meta"]["param_name"], "body", "{body}: {error}");
        assert!(error["long_message"].as_str().unwrap().starts_with("the body must be an object"), "{body}: {error}");
        let straddle = post(&server, "/straddle/v1/organizations", Some(TOKEN), body, &[]).await;
        assert_eq!(straddle.json()["error"]["items"][0]["reference"], "body", "{body}");
    }
    // A required body that is not an object: one violation naming the body.
    let params = start(&[&data("params.yaml")], |b| b).await;
    let text = Answer::of(
        client()
            .post(params.url("/items/1"))
            .header("Content-Type", "text/plain")
            .header("X-Request-Id", "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"),
    )
    .await;
    assert_eq!(text.status, 422);
    assert_eq!(text.json()["violations"][0]["field"], "body", "{:?}", text.json());
    assert_eq!(text.json()["violations"][0]["message"], "the request body is required");
    params.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn straddle_lists_every_violation_and_zitadel_names_the_field() {
    let server = start(&[], |b| b).await;
    let body = r#"{"external_id": 5, "metadata": {"a": 1}}"#;
    let straddle = post(&server, "/straddle/v1/organizations", Some(TOKEN), body, &[]).await;
    let items = straddle.json()["error"]["items"].as_array().unwrap().clone();
    let references: Vec<&str> = items.iter().map(|i| i["reference"].as_str().unwrap()).collect();
    for field in ["name", "external_id", "metadata.a"] {
        assert!(references.contains(&field), "{field} in {references:?}");
    }
    let zitadel = post(&server, "/zitadel/management/v1/orgs", Some(TOKEN), r#"{"name": ""}"#, &[]).await;
    assert_eq!(zitadel.status, 400);
    assert_eq!(zitadel.json()["code"], 3);
    assert!(zitadel.json()["message"].as_str().unwrap().contains("name"));
    server.stop().await;
}

#[tokio::test]
async fn unsupported_content_types_get_415_before_validation() {
    let server = start(&[], |b| b).await;
    let answer = Answer::of(
        client()
            .post(server.url("/clerk/v1/organizations"))
            .header("Authorization", TOKEN)
            .header("Content-Type", "application/xml")
            .body("<name/>"),
    )
    .await;
    assert_eq!(answer.status, 415);
    assert!(String::from_utf8_lossy(&answer.body).contains("application/xml"));

    // Form-encoded bodies are documented for Clerk: accepted and validated.
    let form = Answer::of(
        client()
            .post(server.url("/clerk/v1/organizations"))
            .header("Authorization", TOKEN)
            .form(&[("name", "Acme Inc")]),
    )
    .await;
    assert_eq!(form.status, 200, "{}", String::from_utf8_lossy(&form.body));
    // Credentials are checked before the content type.
    let anonymous = Answer::of(
        client().post(server.url("/clerk/v1/organizations")).header("Content-Type", "application/xml").body("<x/>"),
    )
    .await;
    assert_eq!(anonymous.status, 401);
    server.stop().await;
}

#[tokio::test]
async fn a_415_is_in_the_vendors_style_and_problem_json_without_one() {
    let server = start(&[], |b| b).await;
    let send = |method: reqwest::Method, path: &str, content_type: &'static str, body: &'static str| {
        let request = client().request(method, server.url(path)).header("Authorization", TOKEN);
        async move { Answer::of(request.header("Content-Type", content_type).body(body)).await }
    };
    let clerk = send(reqwest::Method::POST, "/clerk/v1/organizations", "text/xml", "<a/>").await;
    assert_eq!(clerk.status, 415);
    assert_eq!(clerk.header("content-type"), Some("application/json"));
    let error = &clerk.json()["errors"][0];
    assert_eq!(error["code"], "unsupported_content_type", "{error}");
    assert!(error["long_message"].as_str().unwrap().contains("'text/xml' is not accepted"), "{error}");
    // A body sent to an operation that takes none.
    let none = send(reqwest::Method::DELETE, "/clerk/v1/organizations/org_1", "application/json", "{}").await;
    assert_eq!(none.status, 415);
    assert_eq!(none.json()["errors"][0]["long_message"], "this operation takes no request body");
    let straddle = send(reqwest::Method::POST, "/straddle/v1/organizations", "text/xml", "<a/>").await;
    assert_eq!(straddle.status, 415);
    let error = &straddle.json()["error"];
    assert_eq!((&error["status"], &error["type"]), (&json!(415), &json!("unsupported_media_type")), "{error}");
    assert_eq!(error["items"][0]["reference"], "content-type");
    let zitadel = send(reqwest::Method::POST, "/zitadel/management/v1/orgs", "text/xml", "<a/>").await;
    assert_eq!((zitadel.status, &zitadel.json()["code"]), (415, &json!(3)));
    server.stop().await;

    // A document without an error template: problem+json.
    let plain = start(&[&data("params.yaml")], |b| b).await;
    let answer =
        Answer::of(client().post(plain.url("/nobody")).header("Content-Type", "application/json").body("{}")).await;
    assert_eq!(answer.status, 415);
    assert_eq!(answer.header("content-type"), Some("application/problem+json"));
    assert_eq!(answer.json()["violations"][0]["keyword"], "content_type");
    assert_eq!(answer.json()["violations"][0]["location"], "header/content-type");
    plain.stop().await;
}

#[tokio::test]
async fn every_scheme_kind_is_checked() {
    let server = start(&[&data("security.yaml")], |b| b).await;
    let basic = |cred: &str| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(cred));
    let cases: Vec<(&str, Headers<String>, u16)> = vec![
        ("/bearer", vec![], 401),
        ("/bearer", vec![("Authorization", "Bearer abc".into())], 200),
        ("/bearer", vec![("Authorization", "Bearer forbidden".into())], 403),
        ("/basic", vec![("Authorization", basic("alice:secret"))], 200),
        ("/basic", vec![("Authorization", "Basic !!!not-base64".into())], 401),
        ("/basic", vec![("Authorization", basic("no-colon"))], 401),
        ("/basic", vec![("Authorization", basic("forbidden:x"))], 403),
        ("/keys", vec![], 401),
        ("/keys", vec![("X-API-Key", "k".into())], 200),
        ("/keys?api_key=k", vec![], 200),
        ("/keys", vec![("Cookie", "theme=dark; session=k".into())], 200),
        ("/both", vec![("Authorization", "Bearer abc".into())], 401),
        ("/both", vec![("Authorization", "Bearer abc".into()), ("X-API-Key", "k".into())], 200),
        ("/optional", vec![], 200),
        ("/public", vec![], 200),
        ("/orgs", vec![("Authorization", "Bearer abc".into())], 200),
    ];
    for (path, headers, expected) in cases {
        let mut request = client().get(server.url(path));
        for (k, v) in &headers {
            request = request.header(*k, v);
        }
        let answer = Answer::of(request).await;
        assert_eq!(answer.status, expected, "GET {path} with {headers:?}: {}", String::from_utf8_lossy(&answer.body));
        if expected == 401 {
            assert!(answer.header("www-authenticate").is_some(), "{path}: WWW-Authenticate");
            assert_eq!(answer.header("content-type"), Some("application/problem+json"));
        }
    }
    let keys = Answer::of(client().get(server.url("/keys"))).await;
    let challenges: Vec<&str> = keys.headers.get_all("www-authenticate").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(challenges.len(), 3, "one challenge per scheme: {challenges:?}");
    assert!(challenges.iter().any(|c| c.contains("name=\"X-API-Key\"")));
    server.stop().await;
}

#[tokio::test]
async fn a_tokens_file_grants_scopes_and_operations() {
    let server = start(&[&data("security.yaml")], |b| b.tokens_file(data("tokens.yaml"))).await;
    let cases = [
        ("GET", "/orgs", "Bearer admin", 200),
        ("POST", "/orgs", "Bearer admin", 200),
        ("GET", "/orgs", "Bearer reader", 200),
        ("POST", "/orgs", "Bearer reader", 403),
        ("GET", "/orgs", "Bearer stranger", 401),
        ("GET", "/bearer", "Bearer bearer-only", 200),
        ("GET", "/orgs", "Bearer bearer-only", 403),
    ];
    for (method, path, auth, expected) in cases {
        let answer =
            Answer::of(client().request(method.parse().unwrap(), server.url(path)).header("Authorization", auth)).await;
        assert_eq!(answer.status, expected, "{method} {path} {auth}: {}", String::from_utf8_lossy(&answer.body));
    }
    let key = Answer::of(client().get(server.url("/keys")).header("X-API-Key", "bearer-only")).await;
    assert_eq!(key.status, 200, "operations may be named METHOD /path");
    let missing_scope = Answer::of(client().post(server.url("/orgs")).header("Authorization", "Bearer reader")).await;
    assert!(missing_scope.json()["detail"].as_str().unwrap().contains("orgs:write"));
    server.stop().await;
}
