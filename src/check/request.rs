//! The request side of an exchange: what the client got wrong, and whether it carried
//! credentials at all. Findings here blame the client; the server is blamed only for how it
//! answered such a request (see [`super::judge::Judge::answered`]).

use std::borrow::Cow;

use http::{HeaderMap, Method};

use super::rules::Rule;
use super::verdict::Finding;
use crate::spec::{Api, Operation, ParamIn, SchemeKind};
use crate::validate::{RequestInput, Violation, check_request, cookies};

/// A request as seen on the wire or in a recording.
pub struct SeenRequest<'a> {
    pub method: &'a Method,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// What the request side came to.
#[derive(Debug, Default)]
pub struct RequestVerdict {
    /// What the request breaks, located as the mock names it (`body/name`), so a strict
    /// proxy can answer with them as they are.
    pub violations: Vec<Violation>,
    /// The operation requires credentials and none of its schemes' were sent.
    pub credentials_missing: bool,
}

impl RequestVerdict {
    pub fn invalid(&self) -> bool {
        !self.violations.is_empty()
    }

    /// The violations as `request-valid` findings, located under `request/`.
    pub fn findings(&self) -> Vec<Finding> {
        self.violations
            .iter()
            .map(|v| {
                let mut violation = v.clone();
                violation.location = format!("request/{}", v.location);
                Finding::of(Rule::RequestValid, violation)
            })
            .collect()
    }
}

/// Validates the request against its operation with the mock's own validator.
pub fn judge(api: &Api, op: &Operation, params: &[(&str, Cow<'_, str>)], request: &SeenRequest<'_>) -> RequestVerdict {
    let input = RequestInput {
        method: request.method,
        query: request.query,
        headers: request.headers,
        path_params: params,
        body: request.body,
    };
    let violations = match check_request(api, op, &input, true) {
        Ok(checked) => checked.violations,
        Err(unsupported) => vec![unsupported.violation()],
    };
    RequestVerdict { violations, credentials_missing: credentials_missing(api, op, request.headers, request.query) }
}

/// Every requirement set names at least one scheme: anonymous calls are not allowed.
pub fn needs_credentials(op: &Operation) -> bool {
    !op.security.is_empty() && op.security.iter().all(|set| !set.schemes.is_empty())
}

/// No requirement set has all of its credentials present. Only presence counts: whether a
/// credential is good is the server's business, and recordings carry redacted ones.
fn credentials_missing(api: &Api, op: &Operation, headers: &HeaderMap, query: Option<&str>) -> bool {
    if !needs_credentials(op) {
        return false;
    }
    let present = |kind: &SchemeKind| match kind {
        SchemeKind::Bearer
        | SchemeKind::Basic
        | SchemeKind::Http(_)
        | SchemeKind::OAuth2
        | SchemeKind::OpenIdConnect => headers.get(http::header::AUTHORIZATION).is_some_and(|v| !v.is_empty()),
        SchemeKind::ApiKey { location, name } => match location {
            ParamIn::Header => headers.get(name.as_str()).is_some_and(|v| !v.is_empty()),
            ParamIn::Query => query.is_some_and(|q| {
                form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == name.as_str() && !v.is_empty())
            }),
            ParamIn::Cookie => cookies(headers).any(|(k, v)| k == name && !v.is_empty()),
            ParamIn::Path => false,
        },
        // Not visible in HTTP; a recording cannot show it missing.
        SchemeKind::MutualTls => true,
    };
    !op.security.iter().any(|set| set.schemes.iter().all(|(index, _)| present(&api.scheme(*index).kind)))
}
