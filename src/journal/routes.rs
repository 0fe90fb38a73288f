//! The journal on the admin surface: `GET /__specmock/` (the inspector page),
//! `GET|DELETE /__specmock/requests`, `GET /__specmock/requests/{id}` and
//! `GET /__specmock/events` (server-sent events, one per exchange).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::{Event, Filter, Journal};
use crate::reply::readable_json as json_answer;
use crate::server::Streaming;
use crate::style::problem;

/// The inspector: one self-contained page, no build step, no external assets.
const INSPECTOR: &str = include_str!("inspector.html");

/// A comment this often keeps idle event streams open through proxies.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The answer for a journal path (after the admin rule has let the request through);
/// `None` for paths that are not the journal's.
pub fn answer(journal: Option<&Arc<Journal>>, request: &Request<Bytes>, action: &str) -> Option<Response<Bytes>> {
    let ours = matches!(action, "" | "index.html" | "requests" | "events") || action.starts_with("requests/");
    if !ours {
        return None;
    }
    let method = request.method();
    let Some(journal) = journal else {
        return Some(problem(
            StatusCode::NOT_FOUND,
            "the request journal is off (--journal 0); start specmock with --journal N",
            &[],
        ));
    };
    Some(match (method, action) {
        (&Method::GET | &Method::HEAD, "" | "index.html") => page(),
        (&Method::GET | &Method::HEAD, "requests") => match Filter::parse(request.uri().query()) {
            Ok(filter) => {
                let entries: Vec<_> = journal.list(&filter).iter().map(|e| e.detail()).collect();
                json_answer(&json!({
                    "requests": entries,
                    "kept": journal.len(),
                    "capacity": journal.capacity(),
                }))
            }
            Err(message) => problem(StatusCode::BAD_REQUEST, message, &[]),
        },
        (&Method::DELETE, "requests") => json_answer(&json!({"cleared": journal.clear()})),
        (&Method::GET, "events") => events(journal),
        (&Method::HEAD, "events") => {
            crate::reply::reply(StatusCode::OK, Some(HeaderValue::from_static("text/event-stream")), Bytes::new())
        }
        (&Method::GET | &Method::HEAD, one) => {
            let id = one.strip_prefix("requests/").unwrap_or("");
            match id.parse::<u64>().ok().and_then(|id| journal.get(id)) {
                Some(entry) => json_answer(&entry.detail()),
                None => problem(
                    StatusCode::NOT_FOUND,
                    format!("no request {id} in the journal (it keeps the last {})", journal.capacity()),
                    &[],
                ),
            }
        }
        (_, _) => {
            let allow = if action == "requests" { "GET, DELETE" } else { "GET" };
            let mut r =
                problem(StatusCode::METHOD_NOT_ALLOWED, format!("{method} is not supported here; use {allow}"), &[]);
            r.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
            r
        }
    })
}

fn page() -> Response<Bytes> {
    let mut response = Response::new(Bytes::from_static(INSPECTOR.as_bytes()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The page loads nothing from elsewhere; say so to the browser too.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
        ),
    );
    response
}

/// One `request` event per exchange, a `cleared` event when the journal is emptied.
fn events(journal: &Journal) -> Response<Bytes> {
    let live = journal.subscribe();
    let stream = futures_util::stream::unfold((live, true), |(mut live, first)| async move {
        if first {
            // Tells EventSource how soon to reconnect, and the page that it is connected.
            return Some((Bytes::from_static(b"retry: 1000\nevent: hello\ndata: {}\n\n"), (live, false)));
        }
        let text = tokio::select! {
            event = live.recv() => match event {
                Ok(Event::Recorded(entry)) => format!("id: {}\nevent: request\ndata: {}\n\n", entry.id, entry.detail()),
                Ok(Event::Cleared) => "event: cleared\ndata: {}\n\n".to_string(),
                Err(RecvError::Lagged(missed)) => format!("event: lagged\ndata: {{\"missed\": {missed}}}\n\n"),
                Err(RecvError::Closed) => return None,
            },
            _ = tokio::time::sleep(KEEP_ALIVE) => ": keep-alive\n\n".to_string(),
        };
        Some((Bytes::from(text), (live, false)))
    });
    let mut response = Response::new(Bytes::new());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.extensions_mut().insert(Streaming::new(stream));
    response
}
