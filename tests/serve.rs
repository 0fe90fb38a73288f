//! Serving documented examples: the built-in styles' success answers, routing, 404/405,
//! HEAD, content negotiation, several documents on one server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use common::{Answer, assert_conforms, client, data, start};
use serde_json::{Value, json};

const TOKEN: &str = "Bearer test-token";

/// A successful call per operation of each built-in style: (style, action, method, path, body).
fn success_calls() -> Vec<(&'static str, &'static str, &'static str, &'static str, Option<Value>)> {
    vec![
        ("scalekit", "list", "GET", "/scalekit/api/v1/organizations", None),
        (
            "scalekit",
            "create",
            "POST",
            "/scalekit/api/v1/organizations",
            Some(json!({"display_name": "Acme Corp", "external_id": "my_unique_id"})),
        ),
        ("scalekit", "get", "GET", "/scalekit/api/v1/organizations/org_2123312131125533", None),
        (
            "scalekit",
            "update",
            "PATCH",
            "/scalekit/api/v1/organizations/org_2123312131125533",
            Some(json!({"display_name": "Acme Inc"})),
        ),
        ("scalekit", "delete", "DELETE", "/scalekit/api/v1/organizations/org_2123312131125533", None),
        ("scalekit", "get_by_external_id", "GET", "/scalekit/api/v1/organizations:external/my_unique_id", None),
        ("straddle", "create", "POST", "/straddle/v1/organizations", Some(json!({"name": "name"}))),
        ("straddle", "list", "GET", "/straddle/v1/organizations", None),
        ("straddle", "get", "GET", "/straddle/v1/organizations/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e", None),
        ("clerk", "create", "POST", "/clerk/v1/organizations", Some(json!({"name": "Acme Inc"}))),
        ("clerk", "list", "GET", "/clerk/v1/organizations", None),
        ("clerk", "get", "GET", "/clerk/v1/organizations/org_21Ufcy98STcA11s3QckIwtwHIES", None),
        (
            "clerk",
            "update",
            "PATCH",
            "/clerk/v1/organizations/org_21Ufcy98STcA11s3QckIwtwHIES",
            Some(json!({"name": "Acme Corp"})),
        ),
        ("clerk", "delete", "DELETE", "/clerk/v1/organizations/org_21Ufcy98STcA11s3QckIwtwHIES", None),
        ("zitadel", "create", "POST", "/zitadel/management/v1/orgs", Some(json!({"name": "Customer A"}))),
    ]
}

async fn call(server: &common::TestServer, method: &str, path: &str, body: Option<&Value>) -> Answer {
    let mut request = client().request(method.parse().unwrap(), server.url(path)).header("Authorization", TOKEN);
    if let Some(body) = body {
        request = request.json(body);
    }
    Answer::of(request).await
}

#[tokio::test]
async fn each_builtin_style_answers_its_documented_success_example() {
    let server = start(&[], |b| b).await;
    for (style, action, method, path, body) in success_calls() {
        let answer = call(&server, method, path, body.as_ref()).await;
        assert!((200..300).contains(&answer.status), "{method} {path}: {} {:?}", answer.status, answer.body);
        assert_eq!(answer.header("content-type"), Some("application/json"), "{method} {path}");
        assert_conforms(&server, method, path, &answer);
        let name = format!("success_{style}_{action}");
        redacted_json_snapshot!(name, json!({"status": answer.status, "body": answer.json()}));
    }
    server.stop().await;
}

#[tokio::test]
async fn seed_examples_are_served_verbatim() {
    let server = start(&[], |b| b).await;
    let clerk = call(&server, "POST", "/clerk/v1/organizations", Some(&json!({"name": "Acme Inc"}))).await;
    assert_eq!(
        clerk.json(),
        json!({"object": "organization", "id": "org_21Ufcy98STcA11s3QckIwtwHIES", "name": "Acme Inc", "created_at": 1638000669544u64, "updated_at": 1638000669544u64})
    );
    let zitadel = call(&server, "POST", "/zitadel/management/v1/orgs", Some(&json!({"name": "Customer A"}))).await;
    assert_eq!(zitadel.json()["id"], "69629026806489455");
    assert_eq!(zitadel.json()["details"]["resourceOwner"], "69629023906488334");
    let straddle = call(&server, "POST", "/straddle/v1/organizations", Some(&json!({"name": "name"}))).await;
    assert_eq!(straddle.status, 201);
    assert_eq!(straddle.json()["data"]["id"], "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e");
    assert_eq!(straddle.json()["response_type"], "object");
    server.stop().await;
}

#[tokio::test]
async fn one_builtin_is_served_at_the_root() {
    let server = start(&["clerk"], |b| b).await;
    let answer = call(&server, "GET", "/v1/organizations/org_1", None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(call(&server, "GET", "/clerk/v1/organizations/org_1", None).await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn unknown_paths_get_404_and_wrong_methods_405_with_allow() {
    let server = start(&[], |b| b).await;
    let missing = call(&server, "GET", "/clerk/v2/nothing", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), Some("application/problem+json"));
    assert_eq!(missing.json()["status"], 404);
    assert!(missing.json()["detail"].as_str().unwrap().contains("/clerk/v2/nothing"));

    let wrong = call(&server, "PUT", "/clerk/v1/organizations", None).await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("content-type"), Some("application/problem+json"));
    let allow = wrong.header("allow").unwrap();
    for method in ["GET", "POST", "HEAD", "OPTIONS"] {
        assert!(allow.contains(method), "Allow: {allow}");
    }
    assert!(!allow.contains("PUT"));
    server.stop().await;
}

#[tokio::test]
async fn head_gets_headers_without_a_body() {
    let server = start(&["clerk"], |b| b).await;
    let answer = Answer::of(client().head(server.url("/v1/organizations/org_1")).header("Authorization", TOKEN)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert!(answer.body.is_empty());
    // The Content-Length GET would have.
    let get = call(&server, "GET", "/v1/organizations/org_1", None).await;
    assert_eq!(answer.header("content-length"), Some(get.body.len().to_string().as_str()));
    server.stop().await;
}

#[tokio::test]
async fn options_answers_with_allow_unless_documented_and_allow_lists_only_what_is_answered() {
    let server = start(&[&data("methods.yaml")], |b| b.cors(false)).await;
    let options = |path: &str| client().request(reqwest::Method::OPTIONS, server.url(path)).send();
    let plain = Answer::from(options("/things").await.unwrap()).await;
    assert_eq!(plain.status, 204);
    assert_eq!(plain.header("allow"), Some("GET, HEAD, OPTIONS"));
    let documented = Answer::from(options("/documented").await.unwrap()).await;
    assert_eq!(documented.status, 200);
    assert_eq!(documented.json(), json!({"documented": true}));
    // Every method Allow names is answered, none with 405.
    let refused = call(&server, "DELETE", "/things", None).await;
    assert_eq!(refused.status, 405);
    for method in refused.header("allow").unwrap().split(", ") {
        let answer = call(&server, method, "/things", None).await;
        assert_ne!(answer.status, 405, "{method} is in Allow");
    }
    server.stop().await;
}

#[tokio::test]
async fn documented_headers_are_sent_on_bodiless_answers() {
    let server = start(&[&data("methods.yaml")], |b| b).await;
    let no_redirects = common::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let moved = Answer::of(no_redirects.get(server.url("/moved"))).await;
    assert_eq!(moved.status, 302);
    assert_eq!(moved.header("location"), Some("/things"));
    assert_conforms(&server, "GET", "/moved", &moved);
    server.stop().await;
}

#[tokio::test]
async fn fixed_segments_win_over_parameters_and_parameters_are_percent_decoded() {
    let server = start(&[&data("routing.yaml")], |b| b).await;
    let me = Answer::of(client().get(server.url("/orgs/me"))).await;
    assert_eq!(me.json(), json!({"which": "me"}));
    // `ada lovelace` only matches the id pattern once %20 is decoded to a space.
    let by_id = Answer::of(client().get(server.url("/orgs/ada%20lovelace"))).await;
    assert_eq!(by_id.status, 200, "{:?}", by_id.body);
    assert_eq!(by_id.json(), json!({"which": "id"}));
    let bad = Answer::of(client().get(server.url("/orgs/ada"))).await;
    assert_eq!(bad.status, 422);
    // Two spellings of the same variable (`{id}`, `{orgId}`) share one route.
    let members = Answer::of(client().get(server.url("/orgs/x/members?limit=5&ids=1&ids=2"))).await;
    assert_eq!(members.status, 200, "{:?}", members.body);
    server.stop().await;
}

#[tokio::test]
async fn accept_chooses_the_media_type_and_406_when_nothing_fits() {
    let server = start(&[&data("routing.yaml")], |b| b).await;
    let get = |accept: &'static str| {
        let url = server.url("/orgs/x/members");
        async move { Answer::of(client().get(url).header("Accept", accept)).await }
    };
    let text = get("text/plain").await;
    assert_eq!(text.header("content-type"), Some("text/plain"));
    assert_eq!(&text.body[..], b"ada, grace");
    let weighted = get("text/plain;q=0.2, application/json;q=0.9").await;
    assert_eq!(weighted.header("content-type"), Some("application/json"));
    let any = get("*/*").await;
    assert_eq!(any.header("content-type"), Some("application/json"));
    let refused = get("text/plain;q=0, application/xml").await;
    assert_eq!(refused.status, 406);
    assert_eq!(refused.header("content-type"), Some("application/problem+json"));
    server.stop().await;
}

#[tokio::test]
async fn several_documents_share_one_server_under_their_names() {
    let server = start(&["clerk", "zitadel", &data("routing.yaml")], |b| b).await;
    assert_eq!(call(&server, "GET", "/clerk/v1/organizations/org_1", None).await.status, 200);
    assert_eq!(call(&server, "GET", "/routing/orgs/me", None).await.status, 200);
    assert_eq!(call(&server, "GET", "/orgs/me", None).await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn http2_with_prior_knowledge_is_served() {
    let server = start(&["clerk"], |b| b).await;
    let _ = client(); // installs the TLS crypto provider reqwest needs
    let h2 = common::client_builder().http2_prior_knowledge().build().unwrap();
    let response = h2.get(server.url("/v1/organizations/org_1")).header("Authorization", TOKEN).send().await.unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn paths_answer_with_and_without_the_servers_base_path_when_unambiguous() {
    let server = start(&[&data("based.yaml"), "clerk"], |b| b).await;
    let which = |path: &'static str| {
        let url = server.url(path);
        async move { Answer::of(client().get(url)).await.json()["which"].clone() }
    };
    for (path, expected) in [
        ("/based/things/1", "thing"),
        ("/based/v1/things/1", "thing"),
        ("/based/api/things/1", "thing"),
        ("/based/v1/things/me", "me"),
        ("/based/special", "special"),
        // The document's own `/{section}/special` already answers this: no alias takes it.
        ("/based/v1/special", "section"),
        ("/based/api/special", "section"),
    ] {
        assert_eq!(which(path).await, json!(expected), "{path}");
    }
    // Clerk's server has no base path: nothing is added.
    assert_eq!(call(&server, "GET", "/clerk/organizations/org_1", None).await.status, 404);
    server.stop().await;
}
