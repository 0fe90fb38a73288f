//! Whether a planned request is valid, judged as the server will receive it — encoded,
//! sent, decoded — by the mock's own validator: a boundary case is sent as valid only if it
//! is, and as invalid only if it is not.

use std::borrow::Cow;

use http::{HeaderMap, HeaderName, HeaderValue};

use super::plan::Case;
use crate::spec::Api;
use serde_json::Value;

use crate::validate::{CheckedRequest, Part, RequestInput, Violation, check_request};

/// What the document has against the request; `None` when it cannot be sent as planned (a
/// header value HTTP cannot carry, a path segment a client would rewrite).
pub fn violations(api: &Api, case: &Case) -> Option<Vec<Violation>> {
    checked(api, case, |checked| checked.violations)
}

/// The body as the server reads it (a form's fields typed by its schema).
pub fn decoded_body(api: &Api, case: &Case) -> Option<Value> {
    checked(api, case, |checked| checked.body).flatten()
}

fn checked<T>(api: &Api, case: &Case, take: impl FnOnce(CheckedRequest<'_>) -> T) -> Option<T> {
    let op = api.operations.get(case.operation)?;
    let mut headers = HeaderMap::new();
    for (name, value) in &case.headers {
        headers.append(HeaderName::from_bytes(name.as_bytes()).ok()?, HeaderValue::from_str(value).ok()?);
    }
    if let Some((content_type, _)) = &case.body {
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_str(content_type).ok()?);
    }
    // An empty segment, `.` or `..` is not the path the document means once a client sends it.
    if case.path_values.iter().any(|(_, v)| v.is_empty() || v == "." || v == "..") {
        return None;
    }
    let target = case.target();
    let query = target.split_once('?').map(|(_, q)| q);
    let path_params: Vec<(&str, Cow<'_, str>)> =
        case.path_values.iter().map(|(k, v)| (k.as_str(), Cow::Borrowed(v.as_str()))).collect();
    let body = case.body.as_ref().map(|(_, b)| b.as_ref()).unwrap_or_default();
    let input = RequestInput { query, headers: &headers, path_params: &path_params, body };
    match check_request(api, op, &input, true) {
        Ok(checked) => Some(take(checked)),
        Err(unsupported) => {
            Some(take(CheckedRequest { violations: vec![unsupported.violation()], body: None, media: None }))
        }
    }
}

/// Valid as sent.
pub fn is_valid(api: &Api, case: &Case) -> bool {
    violations(api, case).is_some_and(|v| v.is_empty())
}

/// Invalid as sent, in the request's data (not in how it is framed: a body the server cannot
/// read, or a missing one, is what the other invalid cases probe).
pub fn is_invalid(api: &Api, case: &Case) -> bool {
    violations(api, case).is_some_and(|v| !v.is_empty() && v.iter().all(|v| v.part != Part::Message))
}
