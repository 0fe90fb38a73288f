//! `serve --validate-responses`: every answer the mock is about to send is judged against
//! its operation's documentation first; one that does not conform (a documented example
//! that breaks its own schema, say) is replaced by a 500 problem+json listing why.

use bytes::Bytes;
use http::{Method, Response, StatusCode};

use crate::spec::{Api, Operation};
use crate::style::problem_body;
use crate::validate::{ResponseInput, check_response};

pub const INVALID_RESPONSE: &str = "https://specmock.dev/problems/invalid-response";

/// The response as it is, or the 500 that says how it breaks the document.
pub fn conforming(api: &Api, op: &Operation, method: &Method, response: Response<Bytes>) -> Response<Bytes> {
    let input = ResponseInput { method, status: response.status(), headers: response.headers(), body: response.body() };
    // Statuses the document does not list are the mock's own refusals (401, 422 …): they
    // are answers about the request, not documented answers to check.
    let violations: Vec<_> = check_response(api, op, &input).into_iter().filter(|v| v.keyword != "status").collect();
    if violations.is_empty() {
        return response;
    }
    let detail = format!(
        "the {} answer specmock was about to send for {} does not conform to the document",
        response.status().as_u16(),
        op.label
    );
    let mut body = problem_body(StatusCode::INTERNAL_SERVER_ERROR, detail, &violations);
    body["type"] = INVALID_RESPONSE.into();
    crate::reply::json(StatusCode::INTERNAL_SERVER_ERROR, crate::style::PROBLEM_JSON, &body)
}
