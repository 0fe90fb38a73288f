//! Judging an exchange against the document: the same validator the mock judges itself with.

use std::sync::Arc;

use http::{HeaderMap, Method};
use serde::Serialize;

use super::exchange::Exchange;
use super::request::{self, RequestVerdict};
use crate::route::{Lookup, Mount, PathParams, RouteError, Router};
use crate::spec::{Api, Operation};
use crate::validate::{Part, RequestInput, ResponseInput, Violation, check_response};

/// The contract rules a finding can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The server answered at all (within the timeout).
    Answered,
    /// The request matches no documented operation.
    OperationDocumented,
    /// The response status is documented for the operation.
    StatusDocumented,
    /// The response Content-Type is documented for that status.
    ContentTypeDocumented,
    /// The request conforms to the operation (the client's mistake, not the server's).
    RequestValid,
    /// The response body is valid against the documented schema.
    BodySchema,
    /// Documented required response headers are present and valid.
    ResponseHeaders,
    /// No 5xx, whatever was sent.
    NoServerError,
    /// Without credentials an operation with security answers 401 or 403.
    AuthEnforced,
    /// An invalid request is refused with a documented 4xx, never accepted.
    InvalidRequestRejected,
    /// An undocumented method gets 405 with an Allow header.
    MethodNotAllowed,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Answered => "answered",
            Rule::OperationDocumented => "operation-documented",
            Rule::StatusDocumented => "status-documented",
            Rule::ContentTypeDocumented => "content-type-documented",
            Rule::RequestValid => "request-valid",
            Rule::BodySchema => "body-schema",
            Rule::ResponseHeaders => "response-headers",
            Rule::NoServerError => "no-server-error",
            Rule::AuthEnforced => "auth-enforced",
            Rule::InvalidRequestRejected => "invalid-request-rejected",
            Rule::MethodNotAllowed => "method-not-allowed",
        }
    }
}

/// One broken rule, with where and why.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: Rule,
    #[serde(flatten)]
    pub violation: Violation,
}

impl Finding {
    pub fn new(rule: Rule, keyword: &str, message: impl Into<String>) -> Finding {
        let mut violation = Violation::new(Part::Message, "", keyword, message);
        violation.location = "response".into();
        Finding { rule, violation }
    }
}

/// What one exchange came to.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub source: String,
    pub name: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub operation: Option<String>,
    /// What the contract runner was trying (`valid request`, `without credentials`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    pub findings: Vec<Finding>,
    /// A command that sends the same request again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// A check of a path as a whole (an undocumented method), not of one operation.
    #[serde(skip)]
    pub path_check: bool,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }
}

/// A document ready to judge traffic with.
pub struct Judge {
    mounts: Vec<Mount>,
    router: Router,
}

impl Judge {
    pub fn new(api: Arc<Api>) -> Result<Judge, RouteError> {
        let mounts = vec![Mount { name: "spec".into(), prefix: String::new(), api }];
        let router = Router::new(&mounts)?;
        Ok(Judge { mounts, router })
    }

    pub fn api(&self) -> &Arc<Api> {
        &self.mounts[0].api
    }

    /// The operation for a request; recorded traffic may carry the server's base path (`/v1`).
    pub fn route<'a>(&'a self, method: &Method, path: &'a str) -> Option<(&'a Operation, PathParams<'a>)> {
        let api = self.api();
        let candidates = std::iter::once(path).chain(
            api.base_paths.iter().filter_map(|base| path.strip_prefix(base.as_str())).filter(|p| p.starts_with('/')),
        );
        for candidate in candidates {
            if let Lookup::Found { operation, params, .. } = self.router.lookup(method, candidate) {
                return Some((&api.operations[operation], params));
            }
        }
        None
    }

    /// Every way a response departs from the operation's documentation.
    pub fn response(
        &self,
        op: &Operation,
        method: &Method,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Vec<Finding> {
        let input = ResponseInput { method, status, headers, body };
        let mut findings: Vec<Finding> = check_response(self.api(), op, &input)
            .into_iter()
            .map(|v| Finding { rule: rule_of(&v), violation: v })
            .collect();
        if status >= 500 {
            findings.push(Finding::new(Rule::NoServerError, "status", format!("the server failed with {status}")));
        }
        findings
    }

    /// The request side: client mistakes (`request-valid`) and whether credentials were sent.
    pub fn request(&self, op: &Operation, request: &RequestInput<'_>) -> RequestVerdict {
        request::judge(self.api(), op, request)
    }

    /// The whole exchange, once the request side is known: the request's own findings, what
    /// the server did with it, and the response against its documentation. `validate` and
    /// the proxy both come here, so one exchange gets one verdict.
    pub fn answered(
        &self,
        op: &Operation,
        method: &Method,
        request: RequestVerdict,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Vec<Finding> {
        let accepted = (200..300).contains(&status);
        let mut findings = request.findings();
        if accepted && !findings.is_empty() {
            findings.push(Finding::new(
                Rule::InvalidRequestRejected,
                "validation",
                format!("accepted an invalid request with {status}; it should have been refused with a documented 4xx"),
            ));
        }
        if accepted && request.credentials_missing {
            findings.push(Finding::new(
                Rule::AuthEnforced,
                "security",
                format!("answered {status} without credentials; the operation requires them"),
            ));
        }
        findings.extend(self.response(op, method, status, headers, body));
        findings
    }

    pub fn exchange(&self, exchange: &Exchange) -> Verdict {
        let method = exchange.request.method.clone().unwrap_or(Method::GET);
        let path = exchange.request.path().to_string();
        let mut verdict = Verdict {
            source: exchange.source.clone(),
            name: exchange.name.clone(),
            method: method.to_string(),
            path: exchange.request.target.clone(),
            status: exchange.response_status,
            operation: None,
            case: None,
            findings: Vec::new(),
            curl: None,
            path_check: false,
        };
        match self.route(&method, &path) {
            Some((op, params)) => {
                verdict.operation = Some(op.label.to_string());
                let seen = RequestInput {
                    method: &method,
                    query: exchange.request.query(),
                    headers: &exchange.request.headers,
                    path_params: &params,
                    body: &exchange.request.body,
                };
                let request = self.request(op, &seen);
                verdict.findings = self.answered(
                    op,
                    &method,
                    request,
                    exchange.response_status,
                    &exchange.response.headers,
                    &exchange.response.body,
                );
            }
            None => verdict.findings.push(Finding::new(
                Rule::OperationDocumented,
                "operation",
                format!("no documented operation matches {method} {path}"),
            )),
        }
        verdict
    }
}

fn rule_of(v: &Violation) -> Rule {
    match (v.part, v.keyword.as_str()) {
        (_, "status") => Rule::StatusDocumented,
        (_, "content-type") => Rule::ContentTypeDocumented,
        (Part::Header, _) => Rule::ResponseHeaders,
        _ => Rule::BodySchema,
    }
}
