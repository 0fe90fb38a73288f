//! A server for tests/data/boundaries.yaml that is right on typical requests — it checks
//! every request as the document says, answers documented bodies — and wrong at eight edges:
//!
//! 1. a name of exactly 200 characters (the maximum) answers 500;
//! 2. `limit=100` (the maximum) answers 500;
//! 3. a name with non-ASCII characters answers 500;
//! 4. a large `offset` answers a page without the required `total`;
//! 5. sending the optional `nickname` drops the required `role` from the answer;
//! 6. a slug with a hyphen, which the pattern allows, is refused with 422;
//! 7. the role `guest`, one of the enum's values, is refused with 422;
//! 8. an empty `tags` array answers 500.
//!
//! Shared by tests/check_edges.rs and examples/edge_server.rs (for timing and for comparing
//! with other tools on the same server).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Map, Value, json};

fn answer(status: u16, value: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(value.to_string())))
        .unwrap()
}

fn invalid(why: &str) -> Response<Full<Bytes>> {
    answer(400, json!({"error": why}))
}

pub async fn serve(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    if parts.uri.path() != "/users" {
        return Ok(answer(404, json!({"error": "not found"})));
    }
    if parts.method != http::Method::GET && parts.method != http::Method::POST {
        let mut refused = answer(405, json!({"error": "method not allowed"}));
        refused.headers_mut().insert("allow", "GET, POST".parse().unwrap());
        return Ok(refused);
    }
    let authorized =
        parts.headers.get("authorization").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Bearer "));
    if !authorized {
        return Ok(answer(401, json!({"error": "unauthorized"})));
    }
    Ok(if parts.method == http::Method::GET { list(parts.uri.query().unwrap_or("")) } else { create(&body) })
}

fn list(query: &str) -> Response<Full<Bytes>> {
    let mut limit = 10;
    let mut offset = 0;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "limit" => match value.parse::<i64>() {
                Ok(n) if (1..=100).contains(&n) => limit = n,
                _ => return invalid("limit must be an integer from 1 to 100"),
            },
            "offset" => match value.parse::<i64>() {
                Ok(n) if n >= 0 => offset = n,
                _ => return invalid("offset must be a non-negative integer"),
            },
            _ => {}
        }
    }
    if limit == 100 {
        return answer(500, json!({"error": "index out of range"})); // edge 2
    }
    let data = json!([{"id": "usr_1", "name": "Ada Lovelace", "role": "admin"}]);
    if offset > 10_000 {
        return answer(200, json!({"data": []})); // edge 4: `total` forgotten past the end
    }
    answer(200, json!({"data": data, "total": 1}))
}

fn create(body: &[u8]) -> Response<Full<Bytes>> {
    let Ok(Value::Object(user)) = serde_json::from_slice::<Value>(body) else {
        return invalid("the body must be a JSON object");
    };
    let text = |key: &str| user.get(key).map(|v| v.as_str().ok_or(()));
    let name = match text("name") {
        Some(Ok(name)) if (1..=200).contains(&name.chars().count()) => name,
        _ => return invalid("name must be a string of 1 to 200 characters"),
    };
    let nickname = match text("nickname") {
        Some(Ok(n)) if n.chars().count() <= 50 => Some(n),
        None => None,
        _ => return invalid("nickname must be a string of at most 50 characters"),
    };
    let role = match text("role") {
        Some(Ok(role)) if ["admin", "member", "guest"].contains(&role) => role,
        None => "member",
        _ => return invalid("role must be admin, member or guest"),
    };
    if let Some(slug) = text("slug") {
        let slug = slug.unwrap_or("-");
        let parts_ok =
            slug.split('-').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        if !parts_ok || slug.len() > 40 {
            return invalid("slug must be lower-case words joined by hyphens, at most 40 characters");
        }
        if slug.contains('-') {
            return answer(422, json!({"error": "slug must be alphanumeric"})); // edge 6
        }
    }
    if let Some(tags) = user.get("tags") {
        let ok = tags.as_array().is_some_and(|t| {
            t.len() <= 5 && t.iter().all(|t| t.as_str().is_some_and(|s| (1..=20).contains(&s.chars().count())))
        });
        if !ok {
            return invalid("tags must be at most 5 strings of 1 to 20 characters");
        }
        if tags.as_array().is_some_and(Vec::is_empty) {
            return answer(500, json!({"error": "tags[0]: index out of range"})); // edge 8
        }
    }
    if role == "guest" {
        return answer(422, json!({"error": "unknown role"})); // edge 7
    }
    if name.chars().count() == 200 || !name.is_ascii() {
        return answer(500, json!({"error": "column overflow"})); // edges 1 and 3
    }
    let mut created = Map::new();
    created.insert("id".into(), json!("usr_2"));
    created.insert("name".into(), json!(name));
    match nickname {
        Some(nickname) => {
            created.insert("nickname".into(), json!(nickname)); // edge 5: `role` dropped
        }
        None => {
            created.insert("role".into(), json!(role));
        }
    }
    answer(201, Value::Object(created))
}

/// Serves on `listener` until the runtime stops.
pub async fn run(listener: tokio::net::TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { return };
        tokio::spawn(async move {
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service_fn(serve))
                .await;
        });
    }
}

/// Starts the server on an ephemeral port of 127.0.0.1.
pub async fn start() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(run(listener));
    addr
}
