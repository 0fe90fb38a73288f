//! CORS: browsers calling the mock from a page on another origin (a frontend's dev server).

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};

use crate::reply;
use crate::route::{Lookup, Router};

/// A CORS preflight's answer: the methods the path allows, cached for a day.
pub(super) fn preflight(router: &Router, path: &str) -> Response<Bytes> {
    let mut response = reply::empty(StatusCode::NO_CONTENT);
    let allow = match router.lookup(&Method::GET, path) {
        Lookup::Found { route, .. } | Lookup::MethodNotAllowed { route } => route.allow.clone(),
        Lookup::NotFound | Lookup::BadPath { .. } => {
            HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
        }
    };
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_METHODS, allow);
    response.headers_mut().insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    response
}

const EXPOSED: HeaderValue = HeaderValue::from_static(
    "Allow, WWW-Authenticate, Location, Idempotent-Replayed, specmock-violations, specmock-undocumented",
);

/// CORS on every answer to a browser (a request with an Origin).
pub(super) fn cors_headers(request: &HeaderMap, response: &mut HeaderMap) {
    let Some(origin) = request.get(header::ORIGIN) else { return };
    response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    response.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    response.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
    response.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(requested) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        response.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
}
