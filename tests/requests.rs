//! What the mock makes of a request's parts: parameters by style, form/multipart/text
//! bodies, malformed and oversized bodies, slow and idle clients, CORS, `Prefer`, header bytes,
//! number formats — and every answer conforms to its own document. (Refusals in each vendor's
//! style: errors.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::time::Duration;

use common::{Answer, TestServer, assert_conforms, client, data, post, start};
use serde_json::{Value, json};

const TOKEN: &str = "Bearer test-token";

/// Request headers of one table row.
type Headers<V> = Vec<(&'static str, V)>;

#[tokio::test]
async fn parameters_are_read_by_style_and_coerced() {
    let server = start(&[&data("params.yaml")], |b| b).await;
    let send = |query: &'static str, headers: Vec<(&'static str, &'static str)>, body: &'static str| {
        let url = server.url(&format!("/items/7{query}"));
        async move {
            let mut r = client().post(url).header("Content-Type", "application/json").body(body);
            for (k, v) in headers {
                r = r.header(k, v);
            }
            Answer::of(r).await
        }
    };
    let id = ("X-Request-Id", "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e");
    let good = r#"{"name":"a","count":1}"#;
    let ok = send(
        "?limit=3&tags=a&tags=b&ids=1,2&pipes=1|2&filter[min]=3&filter[name]=x&flag=true",
        vec![id, ("Cookie", "session=abcd")],
        good,
    )
    .await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));

    let cases: Vec<(&str, Headers<&str>, &str, &str)> = vec![
        ("?limit=30", vec![id], good, "query/limit"),
        ("?limit=ten", vec![id], good, "query/limit"),
        ("?tags=a&tags=z", vec![id], good, "query/tags/1"),
        ("?ids=1,x", vec![id], good, "query/ids/1"),
        ("?filter[other]=1", vec![id], good, "query/filter/other"),
        ("?flag=maybe", vec![id], good, "query/flag"),
        ("", vec![], good, "header/X-Request-Id"),
        ("", vec![("X-Request-Id", "nope")], good, "header/X-Request-Id"),
        ("", vec![id, ("Cookie", "session=ab")], good, "cookie/session"),
        ("", vec![id], r#"{"name":"a"}"#, "body/count"),
        ("", vec![id], r#"{"name":"a","count":"1"}"#, "body/count"),
    ];
    for (query, headers, body, location) in cases {
        let answer = send(query, headers.clone(), body).await;
        assert_eq!(answer.status, 422, "{query} {headers:?} {body}");
        let locations: Vec<String> = answer.json()["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["location"].as_str().unwrap().to_string())
            .collect();
        assert!(locations.iter().any(|l| l == location), "{query} {body}: expected {location} in {locations:?}");
    }
    let bad_path = Answer::of(
        client().post(server.url("/items/0")).header("Content-Type", "application/json").header(id.0, id.1).body(good),
    )
    .await;
    assert_eq!(bad_path.json()["violations"][0]["location"], "path/id");
    server.stop().await;
}

#[tokio::test]
async fn form_multipart_and_text_bodies_are_validated() {
    let server = start(&[&data("params.yaml")], |b| b).await;
    let id = ("X-Request-Id", "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e");
    let url = server.url("/items/1");
    let form_ok = client()
        .post(&url)
        .header(id.0, id.1)
        .form(&[("name", "a"), ("count", "2"), ("tags", "x"), ("tags", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(form_ok.status(), 200);
    let form_bad = Answer::of(client().post(&url).header(id.0, id.1).form(&[("name", "a"), ("count", "two")])).await;
    assert_eq!(form_bad.status, 422);
    assert_eq!(form_bad.json()["violations"][0]["location"], "body/count");

    let boundary = "XyZ";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nwidget\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n3\r\n--{boundary}--\r\n"
    );
    let ok = client()
        .post(&url)
        .header(id.0, id.1)
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(multipart.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let missing = multipart.replace("name=\"count\"\r\n\r\n3", "name=\"other\"\r\n\r\n3");
    let bad = Answer::of(
        client()
            .post(&url)
            .header(id.0, id.1)
            .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
            .body(missing),
    )
    .await;
    assert_eq!(bad.json()["violations"][0]["location"], "body/count");

    let text =
        Answer::of(client().post(&url).header(id.0, id.1).header("Content-Type", "text/plain").body("too long")).await;
    assert_eq!(text.status, 422);
    assert_eq!(text.json()["violations"][0]["keyword"], "maxLength");

    let no_body =
        Answer::of(client().post(server.url("/nobody")).header("Content-Type", "application/json").body("{}")).await;
    assert_eq!(no_body.status, 415, "a body sent to an operation that takes none");
    let required = Answer::of(client().post(&url).header(id.0, id.1)).await;
    assert_eq!(required.status, 422);
    // No body where an object is required: its required properties are named, as for `{}`.
    let locations: Vec<Value> =
        required.json()["violations"].as_array().unwrap().iter().map(|v| v["location"].clone()).collect();
    assert_eq!(locations, [json!("body/name"), json!("body/count")]);
    server.stop().await;
}

#[tokio::test]
async fn malformed_bodies_invalid_utf8_and_deep_nesting_are_violations_not_crashes() {
    let server = start(&["clerk"], |b| b).await;
    let send = |body: Vec<u8>| {
        let url = server.url("/v1/organizations");
        async move {
            Answer::of(
                client().post(url).header("Authorization", TOKEN).header("Content-Type", "application/json").body(body),
            )
            .await
        }
    };
    let utf8 = send(b"{\"name\": \"\xff\xfe\"}".to_vec()).await;
    assert_eq!(utf8.status, 422);
    let deep = send(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()).await;
    assert_eq!(deep.status, 422);
    assert!(String::from_utf8_lossy(&deep.body).contains("recursion limit"));
    let garbage = send(vec![0, 1, 2, 3]).await;
    assert_eq!(garbage.status, 422);
    // The server is still answering.
    assert_eq!(send(br#"{"name":"ok"}"#.to_vec()).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let server = start(&["clerk"], |b| b.max_body(1024)).await;
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(4096));
    let answer = post(&server, "/v1/organizations", Some(TOKEN), &big, &[]).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.header("content-type"), Some("application/problem+json"));
    server.stop().await;
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start(&["clerk"], |b| b.read_timeout(Duration::from_secs(1))).await;
    // Headers that never finish: the server closes the connection.
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"GET /v1/organizations HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server must not wait forever for headers");
    // A body that never arrives: 408.
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /v1/organizations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ =
        tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut buf)).await.expect("answered in time");
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 408"), "{}", String::from_utf8_lossy(&buf));
    server.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed_after_the_read_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start(&["clerk"], |b| b.read_timeout(Duration::from_secs(1))).await;
    // Connected, never a byte: closed.
    let mut silent = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), silent.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "a silent connection must not stay open");
    assert!(buf.is_empty());
    // Kept alive after an answer, then idle: the answer arrives, then the connection closes.
    let mut kept = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    kept.write_all(b"GET /v1/organizations/org_1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), kept.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "an idle keep-alive connection must not stay open");
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf));
    server.stop().await;
}

#[tokio::test]
async fn validation_can_be_turned_off() {
    let server = start(&["clerk"], |b| b.validate_requests(false)).await;
    let answer = post(&server, "/v1/organizations", Some(TOKEN), "{}", &[]).await;
    assert_eq!(answer.status, 200);
    // Nothing about the request is judged: not its JSON, not its Content-Type.
    assert_eq!(post(&server, "/v1/organizations", Some(TOKEN), r#"{"name": "#, &[]).await.status, 200);
    let xml = Answer::of(
        client()
            .post(server.url("/v1/organizations"))
            .header("Authorization", TOKEN)
            .header("Content-Type", "text/xml")
            .body("<a/>"),
    )
    .await;
    assert_eq!(xml.status, 200, "{}", String::from_utf8_lossy(&xml.body));
    let deleted =
        Answer::of(client().delete(server.url("/v1/organizations/org_1")).header("Authorization", TOKEN).body("{}"))
            .await;
    assert_eq!(deleted.status, 200);
    // Credentials are still checked.
    assert_eq!(post(&server, "/v1/organizations", None, "{}", &[]).await.status, 401);
    assert_eq!(post(&server, "/v1/organizations", Some("Bearer forbidden"), "<a", &[]).await.status, 403);
    server.stop().await;
}

#[tokio::test]
async fn cors_preflights_are_answered_unless_turned_off() {
    let server = start(&["clerk"], |b| b).await;
    let preflight = |server: &TestServer| {
        client()
            .request(reqwest::Method::OPTIONS, server.url("/v1/organizations"))
            .header("Origin", "http://localhost:3000")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send()
    };
    let answer = Answer::from(preflight(&server).await.unwrap()).await;
    assert_eq!(answer.status, 204);
    assert!(answer.header("access-control-allow-methods").unwrap().contains("POST"));
    assert_eq!(answer.header("access-control-allow-origin"), Some("http://localhost:3000"));
    assert_eq!(answer.header("access-control-allow-headers"), Some("authorization, content-type"));
    let simple = Answer::of(
        client()
            .get(server.url("/v1/organizations/org_1"))
            .header("Origin", "http://localhost:3000")
            .header("Authorization", TOKEN),
    )
    .await;
    assert_eq!(simple.header("access-control-allow-origin"), Some("http://localhost:3000"));
    server.stop().await;

    let off = start(&["clerk"], |b| b.cors(false)).await;
    let answer = Answer::from(preflight(&off).await.unwrap()).await;
    assert_eq!(answer.status, 204, "without CORS, a preflight is a plain OPTIONS");
    assert!(answer.header("allow").unwrap().contains("POST"));
    assert!(answer.header("access-control-allow-origin").is_none());
    assert!(answer.header("access-control-allow-methods").is_none());
    off.stop().await;
}

#[tokio::test]
async fn prefer_rules() {
    let server = start(&[], |b| b).await;
    let get = "/clerk/v1/organizations/org_1";
    // (how the preference is sent, status expected, what to check in the body)
    let table: Vec<(&str, &str, u16, &str)> = vec![
        ("header", "code=404", 404, "resource_not_found"),
        ("header", "code=403", 403, "organizations_not_enabled_in_instance"),
        ("header", "code=401", 401, "authentication_invalid"),
        ("header", "code=200", 200, "org_21Ufcy98STcA11s3QckIwtwHIES"),
        ("header", "code=418", 418, "status 418 is not documented"),
        ("header", "code=abc", 404, "not an HTTP status code"),
        ("header", "code=200, example=nope", 404, "example 'nope' is not documented"),
        ("header", "dynamic=maybe", 422, "must be true or false"),
        ("header", "seed=-1", 422, "non-negative integer"),
        ("header", "return=minimal", 200, "org_21Ufcy98STcA11s3QckIwtwHIES"),
        ("header", "return=representation", 200, "org_21Ufcy98STcA11s3QckIwtwHIES"),
        ("header", "respond-async, wait=10; handling=lenient,,", 200, "org_21Ufcy98STcA11s3QckIwtwHIES"),
        ("header", r#"code="200", foo="a,b;c""#, 200, "org_21Ufcy98STcA11s3QckIwtwHIES"),
        ("header", r#"example="a, b""#, 404, "example 'a, b' is not documented"),
        ("header", ";;;,,,=", 422, "not a well-formed preference"),
        ("header", "code=404, =x", 422, "not a well-formed preference"),
        ("header", r#"example="open"#, 422, "unclosed quote"),
        ("query", "__code=404", 404, "resource_not_found"),
        ("query", "__code=999", 404, "not an HTTP status code"),
        ("query", "__example=nope", 404, "example 'nope' is not documented"),
    ];
    for (how, value, status, needle) in table {
        let request = match how {
            "header" => client().get(server.url(get)).header("Prefer", value),
            _ => client().get(server.url(&format!("{get}?{value}"))),
        };
        let answer = Answer::of(request.header("Authorization", TOKEN)).await;
        assert_eq!(answer.status, status, "{how} {value}: {}", String::from_utf8_lossy(&answer.body));
        assert!(
            String::from_utf8_lossy(&answer.body).contains(needle),
            "{how} {value}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        if ![404, 418, 422].contains(&status) || needle == "resource_not_found" {
            assert_conforms(&server, "GET", get, &answer);
        }
    }
    // A Prefer header wins over query parameters.
    let both = client()
        .get(server.url(&format!("{get}?__code=404")))
        .header("Prefer", "code=200")
        .header("Authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), 200);
    // `code` falls back to a range, then to `default`.
    let ranged = start(&[&data("external/main.yaml")], |b| b).await;
    let range = client().get(ranged.url("/widgets/wid_0001")).header("Prefer", "code=410").send().await.unwrap();
    assert_eq!(range.status(), 410, "410 is not documented (no 4XX, no default): answered as asked");
    assert_eq!(range.headers()["specmock-undocumented"], "true");
    ranged.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn header_bytes_that_are_not_utf8_are_wrong_values_not_missing_ones() {
    use reqwest::header::HeaderValue;
    let bad = || HeaderValue::from_bytes(b"\xff\xfe").unwrap();
    let params = start(&[&data("params.yaml")], |b| b).await;
    let answer = Answer::of(
        client()
            .post(params.url("/items/1"))
            .header("Content-Type", "application/json")
            .header("X-Request-Id", bad())
            .body(r#"{"name":"a","count":1}"#),
    )
    .await;
    assert_eq!(answer.status, 422);
    let violation = &answer.json()["violations"][0];
    assert_eq!((&violation["location"], &violation["keyword"]), (&json!("header/X-Request-Id"), &json!("format")));
    assert!(violation["message"].as_str().unwrap().contains("not valid UTF-8"), "{violation}");
    // A Content-Type that is not text is no media type at all: 415, not JSON.
    let content_type = Answer::of(
        client()
            .post(params.url("/items/1"))
            .header("Content-Type", bad())
            .header("X-Request-Id", "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")
            .body(r#"{"name":"a","count":1}"#),
    )
    .await;
    assert_eq!(content_type.status, 415, "{}", String::from_utf8_lossy(&content_type.body));
    params.stop().await;

    let server = start(&["clerk"], |b| b).await;
    let prefer = Answer::of(
        client()
            .get(server.url("/v1/organizations/org_1"))
            .header("Authorization", TOKEN)
            .header("Prefer", HeaderValue::from_bytes(b"code=\xff").unwrap()),
    )
    .await;
    assert_eq!(prefer.status, 422);
    assert_eq!(prefer.header("content-type"), Some("application/problem+json"));
    assert!(prefer.json()["detail"].as_str().unwrap().contains("Prefer"));
    server.stop().await;
}

#[tokio::test]
async fn errors_documented_without_examples_keep_the_documented_type_and_name_the_violation_in_a_header() {
    let s = start(&[&data("undescribed-errors.yaml")], |b| b).await;
    // A documented JSON error with a schema but no example: a body of that schema, the
    // documented content type, and the violation in `specmock-violations`.
    let typed = post(&s, "/typed", Some(TOKEN), "{}", &[]).await;
    assert_eq!(typed.status, 422);
    assert_eq!(typed.header("content-type"), Some("application/json"));
    assert!(typed.json()["code"].as_i64().unwrap() >= 1000, "{}", typed.json());
    assert!(
        typed.json()["message"].as_str().unwrap().contains("name"),
        "the message names the field: {}",
        typed.json()
    );
    assert_conforms(&s, "POST", "/typed", &typed);
    let listed: Value = serde_json::from_str(typed.header("specmock-violations").expect("the header")).unwrap();
    assert_eq!(listed[0]["location"], "body/name");
    let unauthenticated = post(&s, "/typed", None, "{}", &[]).await;
    assert_eq!(unauthenticated.status, 401);
    assert_conforms(&s, "POST", "/typed", &unauthenticated);
    // A documented error without a body gets none.
    let bare = post(&s, "/bare", Some(TOKEN), "{}", &[]).await;
    assert_eq!(bare.status, 400);
    assert!(bare.body.is_empty(), "{:?}", bare.body);
    assert!(bare.header("content-type").is_none());
    assert!(bare.header("specmock-violations").unwrap().contains("body/name"));
    assert_conforms(&s, "POST", "/bare", &bare);
    // `error` is the message where the schema says nothing else (a gRPC gateway's status),
    // and a code beside `error_description` (OAuth): never an invented word.
    let grpc = post(&s, "/grpc", Some(TOKEN), "{}", &[]).await;
    assert_eq!((grpc.status, grpc.json()["error"].clone()), (422, grpc.json()["message"].clone()), "{}", grpc.json());
    assert!(grpc.json()["message"].as_str().unwrap().contains("name"), "{}", grpc.json());
    let oauth = post(&s, "/oauth", Some(TOKEN), "{}", &[]).await;
    assert_eq!((oauth.status, oauth.json()["error"].as_str()), (400, Some("bad_request")), "{}", oauth.json());
    assert!(oauth.json()["error_description"].as_str().unwrap().contains("name"), "{}", oauth.json());
    assert_conforms(&s, "POST", "/oauth", &oauth);
    s.stop().await;
}

#[tokio::test]
async fn int32_and_int64_formats_bound_numbers() {
    let s = start(&["straddle"], |b| b).await;
    let get = |query: &'static str| {
        let url = s.url(&format!("/v1/organizations?{query}"));
        async move { Answer::of(client().get(url).header("Authorization", TOKEN)).await }
    };
    let over = get("page_number=2147483648").await;
    assert_eq!(over.status, 422, "page_number is an int32");
    assert_eq!(over.json()["error"]["items"][0]["reference"], "page_number");
    assert_eq!(get("page_number=2147483647").await.status, 200);
    s.stop().await;
}
