//! One exchange as the journal keeps it: the request and the answer as they were, and why
//! the mock answered so.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::check::redact::Secrets;
use crate::validate::Violation;

/// How the answer was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Chosen {
    /// A documented example.
    Example,
    /// A body generated from the documented schema.
    Generated,
    /// A documented answer without a body.
    #[default]
    Documented,
    /// The stateful sandbox answered.
    Sandbox,
    /// The request was refused (401, 403, 415, 422…).
    Refused,
    /// `Prefer: code=` asked for a status the operation does not document.
    Undocumented,
    /// A rule's inline body.
    Rule,
    /// No operation matches (404, 405), or a CORS preflight.
    Routing,
    /// Something on our side (a body that could not be generated, no acceptable media type).
    Error,
}

impl Chosen {
    pub fn as_str(self) -> &'static str {
        match self {
            Chosen::Example => "example",
            Chosen::Generated => "generated",
            Chosen::Documented => "documented",
            Chosen::Sandbox => "sandbox",
            Chosen::Refused => "refused",
            Chosen::Undocumented => "undocumented",
            Chosen::Rule => "rule",
            Chosen::Routing => "routing",
            Chosen::Error => "error",
        }
    }
}

/// What the mock decided and why; filled in while it answers.
#[derive(Debug, Clone, Default)]
pub struct Reasons {
    pub operation: Option<Arc<str>>,
    /// What was wrong with the request (empty when nothing was).
    pub violations: Vec<Violation>,
    pub chosen: Chosen,
    /// The example served, by name.
    pub example: Option<String>,
    /// In words: `Prefer: code=404`, `rule 2 of x-specmock-rules`, `request example 'wrongPassword'`…
    pub why: String,
    /// Time added before answering (or over which the body was sent).
    pub delay: Option<Duration>,
    pub fault: Option<&'static str>,
}

impl Reasons {
    /// Adds to the explanation.
    pub fn because(&mut self, why: impl AsRef<str>) {
        if !self.why.is_empty() {
            self.why.push_str("; ");
        }
        self.why.push_str(why.as_ref());
    }
}

/// The most of each body the journal keeps: its memory stays bounded by `--journal N` times
/// this, whatever the bodies' sizes.
pub const KEPT_BODY: usize = 16 * 1024;

/// A body as the journal keeps it: shared when small, copied when cut (a slice of a large
/// body would keep all of it alive).
fn kept(body: &Bytes) -> Bytes {
    if body.len() <= KEPT_BODY { body.clone() } else { Bytes::copy_from_slice(&body[..KEPT_BODY]) }
}

/// One exchange.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Counts up from 1 in the journal; 0 for an exchange that was only logged.
    pub id: u64,
    pub time: jiff::Timestamp,
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub latency: Duration,
    pub reasons: Reasons,
    pub request_headers: HeaderMap,
    /// The body, or its first [`KEPT_BODY`] bytes (see `request_size`).
    pub request_body: Bytes,
    pub request_size: usize,
    pub response_headers: HeaderMap,
    pub response_body: Bytes,
    pub response_size: usize,
    /// What counts as a credential for the document that answered.
    pub(super) secrets: Arc<Secrets>,
}

impl Entry {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        time: jiff::Timestamp,
        request: &http::Request<Bytes>,
        response: &http::Response<Bytes>,
        latency: Duration,
        reasons: Reasons,
        secrets: Arc<Secrets>,
    ) -> Entry {
        Entry {
            id: 0,
            time,
            method: request.method().clone(),
            path: request.uri().path().to_string(),
            query: request.uri().query().map(str::to_string),
            status: response.status().as_u16(),
            latency,
            reasons,
            request_headers: request.headers().clone(),
            request_body: kept(request.body()),
            request_size: request.body().len(),
            response_headers: response.headers().clone(),
            response_body: kept(response.body()),
            response_size: response.body().len(),
            secrets,
        }
    }

    /// The access log's line: `POST /pets 422 createPet body/name: required 127µs`.
    pub fn log_text(&self) -> String {
        let operation = self.reasons.operation.as_deref().unwrap_or("-");
        let mut line = format!("{} {} {} {operation}", self.method, self.path, self.status);
        if let Some(first) = self.reasons.violations.first() {
            line.push_str(&format!(" {}: {}", first.location, first.keyword));
            if self.reasons.violations.len() > 1 {
                line.push_str(&format!(" (+{} more)", self.reasons.violations.len() - 1));
            }
        }
        if let Some(fault) = self.reasons.fault {
            line.push_str(&format!(" fault={fault}"));
        }
        line.push_str(&format!(" {}µs", self.latency.as_micros()));
        line
    }
}
