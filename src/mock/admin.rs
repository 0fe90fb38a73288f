//! `/__specmock/`: the sandbox's own controls, on the same port. `POST reset` (back to the
//! seed, or empty with `?to=empty`) and `GET state` (everything stored, as JSON); `GET
//! webhooks` (every delivery and attempt) and `POST webhooks/{name}` (fire one by hand), and
//! the request journal and its inspector page (see `crate::journal`): loopback clients only —
//! unless `--admin-token` is set, then that bearer token (or `?token=`, for a browser). `GET
//! health` answers anyone, with or without a sandbox.

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use serde_json::json;

use crate::events::{Events, Trigger};
use crate::journal::Journal;
use crate::store::Store;
use crate::style::problem;

pub const PREFIX: &str = "/__specmock/";

pub async fn answer(
    store: Option<&Store>,
    events: Option<&Events>,
    journal: Option<&std::sync::Arc<Journal>>,
    token: Option<&str>,
    request: &Request<Bytes>,
    peer: std::net::SocketAddr,
    action: &str,
) -> Response<Bytes> {
    // Load balancers and orchestrators ask this of every replica, from anywhere.
    if action == "health" {
        return json_answer(json!({"status": "ok"}));
    }
    if let Some(refusal) = refuse(token, request, peer) {
        return refusal;
    }
    if action == "webhooks" || action.starts_with("webhooks/") {
        return webhooks(events, request, action);
    }
    if let Some(answer) = crate::journal::answer(journal, request, action) {
        return answer;
    }
    let Some(store) = store else {
        return problem(
            StatusCode::NOT_FOUND,
            "the admin surface belongs to the sandbox: start specmock with --stateful or --state FILE",
            &[],
        );
    };
    let to = request.uri().query().and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "to"));
    let to_empty = match to.as_ref().map(|(_, v)| v.as_ref()) {
        None | Some("seed") => false,
        Some("empty") => true,
        Some(other) => {
            return problem(
                StatusCode::BAD_REQUEST,
                format!("?to={other} is not a reset target: use ?to=seed (the default) or ?to=empty"),
                &[],
            );
        }
    };
    match (request.method(), action) {
        (&Method::POST, "reset") => match store.reset(to_empty).await {
            Ok(count) => json_answer(json!({"reset": if to_empty { "empty" } else { "seed" }, "resources": count})),
            Err(e) => unavailable(e),
        },
        (&Method::GET, "state") => match store.dump().await {
            Ok(state) => json_answer(state),
            Err(e) => unavailable(e),
        },
        (_, "reset" | "state") => {
            let allow = if action == "reset" { "POST" } else { "GET" };
            let mut r = problem(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{} {PREFIX}{action} is not supported; use {allow}", request.method()),
                &[],
            );
            r.headers_mut()
                .insert(header::ALLOW, http::HeaderValue::from_static(if action == "reset" { "POST" } else { "GET" }));
            r
        }
        _ => problem(
            StatusCode::NOT_FOUND,
            format!(
                "{PREFIX}{action} does not exist (there are POST {PREFIX}reset, GET {PREFIX}state, GET {PREFIX}webhooks and POST {PREFIX}webhooks/NAME)"
            ),
            &[],
        ),
    }
}

/// `GET webhooks` and `POST webhooks/{name}`.
fn webhooks(events: Option<&Events>, request: &Request<Bytes>, action: &str) -> Response<Bytes> {
    let Some(events) = events else {
        return problem(StatusCode::NOT_FOUND, "webhooks are not enabled on this server", &[]);
    };
    let query: Vec<(String, String)> =
        request.uri().query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    match (request.method(), action.strip_prefix("webhooks/")) {
        (&Method::GET, None) => json_answer(events.journal()),
        (&Method::POST, Some(name)) if !name.is_empty() => {
            let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            let validate = match param("validate") {
                None | Some("true") => true,
                Some("false") => false,
                Some(other) => {
                    return problem(StatusCode::BAD_REQUEST, format!("?validate={other}: use true or false"), &[]);
                }
            };
            let how =
                Trigger { document: param("document"), url: param("url"), body: request.body().clone(), validate };
            match events.trigger(&name, how) {
                Ok(queued) => {
                    let mut response = json_answer(queued);
                    *response.status_mut() = StatusCode::ACCEPTED;
                    response
                }
                Err(e) => problem(e.status, e.message, &[]),
            }
        }
        (_, None) => not_allowed(request, "webhooks", "GET"),
        (_, Some(_)) => not_allowed(request, action, "POST"),
    }
}

fn not_allowed(request: &Request<Bytes>, action: &str, allow: &'static str) -> Response<Bytes> {
    let mut r = problem(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} {PREFIX}{action} is not supported; use {allow}", request.method()),
        &[],
    );
    r.headers_mut().insert(header::ALLOW, http::HeaderValue::from_static(allow));
    r
}

fn refuse(token: Option<&str>, request: &Request<Bytes>, peer: std::net::SocketAddr) -> Option<Response<Bytes>> {
    match token {
        Some(expected) => {
            // A browser cannot send the header with a page or an event stream: `?token=` too.
            let in_query = request
                .uri()
                .query()
                .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "token"))
                .map(|(_, v)| v.into_owned());
            let given = crate::security::bearer_token(request.headers()).map(str::to_string).or(in_query);
            let given = given.as_deref();
            match given {
                Some(t) if t == expected => None,
                Some(_) => Some(problem(
                    StatusCode::FORBIDDEN,
                    "the admin token is not the one specmock was started with",
                    &[],
                )),
                None => {
                    let mut r = problem(
                        StatusCode::UNAUTHORIZED,
                        "the admin surface needs 'Authorization: Bearer <admin token>'",
                        &[],
                    );
                    r.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        http::HeaderValue::from_static("Bearer realm=\"specmock-admin\""),
                    );
                    Some(r)
                }
            }
        }
        None => (!peer.ip().is_loopback()).then(|| {
            problem(
                StatusCode::FORBIDDEN,
                "the admin surface answers loopback clients only; set --admin-token to use it remotely",
                &[],
            )
        }),
    }
}

/// `/__specmock` → `/__specmock/` (the inspector), as a browser expects of a folder.
pub fn to_inspector(request: &Request<Bytes>) -> Response<Bytes> {
    let target = match request.uri().query() {
        Some(q) => format!("{PREFIX}?{q}"),
        None => PREFIX.to_string(),
    };
    let mut response = crate::reply::empty(StatusCode::PERMANENT_REDIRECT);
    if let Ok(location) = http::HeaderValue::from_str(&target) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// The state could not be reached or written (Redis away, a disk failing): try again shortly.
fn unavailable(message: String) -> Response<Bytes> {
    let mut response = problem(StatusCode::SERVICE_UNAVAILABLE, message, &[]);
    response.headers_mut().insert(header::RETRY_AFTER, http::HeaderValue::from_static("1"));
    response
}

fn json_answer(value: serde_json::Value) -> Response<Bytes> {
    crate::reply::readable_json(&value)
}
