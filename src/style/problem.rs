//! Our own error bodies: `application/problem+json` (RFC 9457), used when a document
//! does not say how its errors look, and for what is ours to say (404 of an unknown path).

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use serde_json::{Value, json};

use crate::validate::Violation;

pub const PROBLEM_JSON: HeaderValue = HeaderValue::from_static("application/problem+json");

/// A problem+json response; `violations` is listed when there are any.
pub fn problem(status: StatusCode, detail: impl Into<String>, violations: &[Violation]) -> Response<Bytes> {
    let body = problem_body(status, detail.into(), violations);
    crate::reply::json(status, PROBLEM_JSON, &body)
}

pub fn problem_body(status: StatusCode, detail: String, violations: &[Violation]) -> Value {
    let mut body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    if !violations.is_empty() {
        body["type"] = json!("https://specmock.dev/problems/invalid-request");
        body["violations"] = serde_json::to_value(violations).unwrap_or_default();
    }
    body
}
