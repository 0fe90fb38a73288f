//! Judging an exchange against the document: the same validator the mock judges itself with.

use std::sync::Arc;

use super::exchange::Exchange;
use super::request::{self, RequestVerdict};
use super::rules::Rule;
use super::verdict::{Finding, Verdict};
use crate::route::{Lookup, Mount, PathParams, RouteError, Router};
use crate::spec::{Api, Example, Operation};
use crate::validate::{
    Keyword, Part, RequestInput, ResponseInput, Violation, check_response, match_media, parse_content_type,
};
use http::{HeaderMap, Method, StatusCode};

/// Why a request was refused rightly, when it was: the refusal is then no server bug even
/// where the document does not list its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 401 or 403 to a request without credentials.
    Credentials,
    /// 400 or 422 to a request made invalid.
    Invalid,
    /// 404 (or 410) for an id that does not exist.
    Missing,
}

impl Refusal {
    fn fits(self, status: u16) -> bool {
        match self {
            Refusal::Credentials => status == 401 || status == 403,
            Refusal::Invalid => status == 400 || status == 422,
            Refusal::Missing => status == 404 || status == 410,
        }
    }

    fn request(self) -> &'static str {
        match self {
            Refusal::Credentials => "a request without credentials",
            Refusal::Invalid => "an invalid request",
            Refusal::Missing => "an id that does not exist",
        }
    }
}

/// A document ready to judge traffic with.
pub struct Judge {
    mounts: Vec<Mount>,
    router: Router,
    /// Prefixes requests may carry besides the document's own base paths (the proxy's
    /// upstream path).
    prefixes: Vec<String>,
}

impl Judge {
    pub fn new(api: Arc<Api>) -> Result<Judge, RouteError> {
        let mounts = vec![Mount { name: "spec".into(), prefix: String::new(), api }];
        let router = Router::new(&mounts)?;
        Ok(Judge { mounts, router, prefixes: Vec::new() })
    }

    /// Also routes requests that carry `prefix` in front of the document's paths.
    pub fn also_under(mut self, prefix: &str) -> Judge {
        let prefix = prefix.trim_end_matches('/');
        if !prefix.is_empty() && !self.prefixes.iter().any(|p| p == prefix) {
            self.prefixes.push(prefix.to_string());
        }
        self
    }

    pub fn api(&self) -> &Arc<Api> {
        &self.mounts[0].api
    }

    /// The operation for a request; recorded traffic may carry the server's base path (`/v1`).
    pub fn route<'a>(&'a self, method: &Method, path: &'a str) -> Option<(&'a Operation, PathParams<'a>)> {
        let api = self.api();
        let bases = api.base_paths.iter().chain(&self.prefixes);
        let candidates = std::iter::once(path)
            .chain(bases.filter_map(|base| path.strip_prefix(base.as_str())).filter(|p| p.starts_with('/')));
        for candidate in candidates {
            if let Lookup::Found { operation, params, .. } = self.router.lookup(method, candidate) {
                return Some((&api.operations[operation], params));
            }
        }
        None
    }

    /// Every way a response departs from the operation's documentation. A body that is a
    /// documented example breaking its own schema is the document's fault: a warning.
    pub fn response(
        &self,
        op: &Operation,
        method: &Method,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Vec<Finding> {
        // A recorded exchange may hold any number: one that is no status is all there is to say.
        let Ok(status_code) = StatusCode::from_u16(status) else {
            let v = Violation::new(Part::Message, "", Keyword::Status, format!("{status} is not an HTTP status"));
            return vec![Finding::of(rule_of(&v), v)];
        };
        let input = ResponseInput { method, status: status_code, headers, body };
        let mut findings: Vec<Finding> =
            check_response(self.api(), op, &input).into_iter().map(|v| Finding::of(rule_of(&v), v)).collect();
        if findings.iter().any(|f| f.rule == Rule::BodySchema)
            && let Some(example) = documented_example(op, status, headers, body)
        {
            for f in findings.iter_mut().filter(|f| f.rule == Rule::BodySchema) {
                f.violation.message = format!(
                    "the body is the documented example '{}' ({}), which breaks its own schema: {}",
                    example.name, example.origin, f.violation.message
                );
                *f = Finding::of(Rule::ExampleValid, f.violation.clone());
            }
        }
        if status >= 500 {
            findings.push(Finding::new(Rule::NoServerError, "status", format!("the server failed with {status}")));
        }
        findings
    }

    /// Like [`Judge::response`], for a request the server was right to refuse: the status
    /// being undocumented is then a gap in the document (a warning), not a server bug.
    pub fn refusal(
        &self,
        op: &Operation,
        method: &Method,
        refusal: Refusal,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Vec<Finding> {
        let mut findings = self.response(op, method, status, headers, body);
        if refusal.fits(status) {
            for f in findings.iter_mut().filter(|f| f.rule == Rule::StatusDocumented) {
                f.violation.message = format!(
                    "{status} is the right answer to {}, but the document does not list it for {} (documented: {}); \
                     document it",
                    refusal.request(),
                    op.label,
                    op.status_labels().join(", ")
                );
                *f = Finding::of(Rule::ErrorDocumented, f.violation.clone());
            }
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
        let refusal = if request.credentials_missing {
            Some(Refusal::Credentials)
        } else if request.invalid() {
            Some(Refusal::Invalid)
        } else {
            None
        };
        findings.extend(match refusal {
            Some(refusal) => self.refusal(op, method, refusal, status, headers, body),
            None => self.response(op, method, status, headers, body),
        });
        findings
    }

    pub fn exchange(&self, exchange: &Exchange) -> Verdict {
        let method = exchange.request.method.clone().unwrap_or(Method::GET);
        let path = exchange.request.path().to_string();
        let verdict = Verdict {
            source: exchange.source.clone(),
            name: exchange.name.clone(),
            method: method.to_string(),
            path: exchange.request.target.clone(),
            status: exchange.response_status,
            ..Verdict::default()
        };
        self.routed(verdict, &method, &path, |op, params| {
            let seen = RequestInput {
                query: exchange.request.query(),
                headers: &exchange.request.headers,
                path_params: &params,
                body: &exchange.request.body,
            };
            let request = self.request(op, &seen);
            let response = &exchange.response;
            self.answered(op, &method, request, exchange.response_status, &response.headers, &response.body)
        })
    }

    /// `verdict` with its findings: `findings` of the operation `method path` routes to, else
    /// that no documented operation matches.
    pub fn routed(
        &self,
        mut verdict: Verdict,
        method: &Method,
        path: &str,
        findings: impl FnOnce(&Operation, PathParams<'_>) -> Vec<Finding>,
    ) -> Verdict {
        match self.route(method, path) {
            Some((op, params)) => {
                verdict.operation = Some(op.label.to_string());
                verdict.findings = findings(op, params);
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

/// The documented example the body is, byte for byte (or as the same JSON value).
fn documented_example<'o>(op: &'o Operation, status: u16, headers: &HeaderMap, body: &[u8]) -> Option<&'o Example> {
    let documented = op.response_for(StatusCode::from_u16(status).ok()?)?;
    let sent = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok())?;
    let media = match_media(&documented.content, &parse_content_type(sent).essence)?;
    let parsed = || serde_json::from_slice::<serde_json::Value>(body).ok();
    media.examples.iter().find(|e| e.bytes.as_ref() == body).or_else(|| {
        let value = parsed()?;
        media.examples.iter().find(|e| e.value == value)
    })
}

fn rule_of(v: &Violation) -> Rule {
    match (v.part, &v.keyword) {
        (_, Keyword::Status) => Rule::StatusDocumented,
        (_, Keyword::ContentType) => Rule::ContentTypeDocumented,
        (Part::Header, _) => Rule::ResponseHeaders,
        _ => Rule::BodySchema,
    }
}
