//! One exchange as the journal keeps it: the request and the answer as they were, and why
//! the mock answered so.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::redact::Secrets;
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
    /// The example served, by name (shared with the model: naming it allocates nothing).
    pub example: Option<Arc<str>>,
    /// In words: `Prefer: code=404`, `rule 2 of x-specmock-rules`, `request example 'wrongPassword'`…
    why: Why,
    /// Time added before answering (or over which the body was sent).
    pub delay: Option<Duration>,
    pub fault: Option<&'static str>,
}

/// The explanation's pieces. Mostly static, and most answers have one: it is kept in place,
/// so noting it costs the request path no allocation (and a recycled journal entry no free).
#[derive(Debug, Clone, Default)]
struct Why {
    first: Option<Cow<'static, str>>,
    more: Vec<Cow<'static, str>>,
}

impl Why {
    fn push(&mut self, piece: Cow<'static, str>) {
        match self.first {
            None => self.first = Some(piece),
            Some(_) => self.more.push(piece),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Cow<'static, str>> {
        self.first.iter().chain(&self.more)
    }
}

impl Reasons {
    /// Adds to the explanation.
    pub fn because(&mut self, why: impl Into<Cow<'static, str>>) {
        self.why.push(why.into());
    }

    /// Whether anything explains the answer yet.
    pub fn explained(&self) -> bool {
        self.why.first.is_some()
    }

    /// The explanation, ending with what was served.
    pub fn why_text(&self, status: u16) -> String {
        let mut parts: Vec<String> = self.why.iter().map(|w| w.to_string()).collect();
        match (self.chosen, &self.example) {
            (Chosen::Example, Some(name)) => parts.push(format!("example '{name}' of {status}")),
            (Chosen::Generated, _) => parts.push(format!("generated from the {status} schema")),
            _ => {}
        }
        parts.join("; ")
    }
}

/// The most of each body the journal keeps: its memory stays bounded by `--journal N` times
/// this, whatever the bodies' sizes.
pub const KEPT_BODY: usize = 16 * 1024;

/// An answer's body as the journal keeps it: shared when small (answers are examples or
/// fresh bytes), copied when cut (a slice of a large body would keep all of it alive).
fn kept(body: &Bytes) -> Bytes {
    if body.len() <= KEPT_BODY { body.clone() } else { Bytes::copy_from_slice(&body[..KEPT_BODY]) }
}

/// A request's body, copied: it may point into the connection's read buffer.
fn copied(body: &Bytes) -> Bytes {
    match body.is_empty() {
        true => Bytes::new(),
        false => Bytes::copy_from_slice(&body[..body.len().min(KEPT_BODY)]),
    }
}

/// Room in a recycled entry's buffers past which it is given back (see [`Entry::refill`]).
const OVERSIZED: usize = 4096;

fn shrink_if_oversized(buffer: &mut Vec<u8>) {
    if buffer.capacity() > OVERSIZED {
        buffer.shrink_to_fit();
    }
}

/// Appends headers as `name: value` lines.
fn flatten(headers: &HeaderMap, out: &mut Vec<u8>) {
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        // Header values never hold a line break, so lines stay apart.
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    }
}

/// `name: value` lines back into headers, for showing them.
fn unflatten(lines: &[u8]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for line in lines.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let Some(colon) = line.iter().position(|b| *b == b':') else { continue };
        let (name, value) = (&line[..colon], &line[(colon + 2).min(line.len())..]);
        if let (Ok(n), Ok(v)) = (http::HeaderName::from_bytes(name), http::HeaderValue::from_bytes(value)) {
            map.append(n, v);
        }
    }
    map
}

/// One exchange.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Counts up from 1 in the journal; 0 for an exchange that was only logged.
    pub id: u64,
    /// When the exchange began (see [`Entry::time`]).
    started: Instant,
    pub method: Method,
    /// The request target (path and query), then the request's headers, then the answer's,
    /// as `name: value` lines: copied (parts of a request point into the connection's read
    /// buffer, which an entry must not keep alive) into one buffer, which the journal reuses
    /// when it recycles the entry.
    text: Vec<u8>,
    /// Where the query starts in `text`, if there is one.
    query_at: Option<usize>,
    /// Where the target ends and the request's headers start in `text`.
    request_headers_at: usize,
    /// Where the answer's headers start in `text`.
    response_headers_at: usize,
    pub status: u16,
    pub latency: Duration,
    /// Why the answer is what it is (see [`Entry::operation`] and [`Entry::why`]).
    pub(crate) reasons: Reasons,
    /// The body, or its first 16 KiB (see `request_size`).
    pub request_body: Bytes,
    pub request_size: usize,
    pub response_body: Bytes,
    pub response_size: usize,
    /// What counts as a credential for the document that answered.
    pub(super) secrets: Arc<Secrets>,
}

/// What one exchange is made of, for [`Entry::of`] and for the journal to fill an entry it
/// recycles.
pub(crate) struct Exchange<'a> {
    /// When the exchange began.
    pub started: Instant,
    /// Borrowed: what the entry keeps is copied out of it.
    pub request: &'a http::Request<Bytes>,
    pub response: &'a http::Response<Bytes>,
    pub latency: Duration,
    /// Taken by swap: the entry's former reasons are left in their place, to be dropped by
    /// the caller (moving reasons through the calls copied them three times).
    pub reasons: &'a mut Reasons,
    pub secrets: Arc<Secrets>,
}

impl Entry {
    /// A new entry for an exchange.
    pub(crate) fn of(exchange: Exchange<'_>) -> Entry {
        let mut entry = Entry {
            id: 0,
            started: exchange.started,
            method: Method::GET,
            text: Vec::new(),
            query_at: None,
            request_headers_at: 0,
            response_headers_at: 0,
            status: 0,
            latency: Duration::ZERO,
            reasons: Reasons::default(),
            request_body: Bytes::new(),
            request_size: 0,
            response_body: Bytes::new(),
            response_size: 0,
            secrets: Arc::clone(&exchange.secrets),
        };
        entry.refill(exchange);
        entry
    }

    /// Makes this entry another exchange, reusing its buffers: a full journal recycles its
    /// oldest entry this way instead of freeing it and allocating a new one.
    pub(crate) fn refill(&mut self, exchange: Exchange<'_>) {
        let Exchange { started, request, response, latency, reasons, secrets } = exchange;
        let body = request.body();
        self.id = 0;
        self.started = started;
        self.method = request.method().clone();
        self.text.clear();
        self.text.extend_from_slice(request.uri().path().as_bytes());
        self.query_at = request.uri().query().map(|q| {
            self.text.push(b'?');
            let at = self.text.len();
            self.text.extend_from_slice(q.as_bytes());
            at
        });
        self.request_headers_at = self.text.len();
        flatten(request.headers(), &mut self.text);
        self.response_headers_at = self.text.len();
        flatten(response.headers(), &mut self.text);
        // A recycled entry that once held a huge request does not keep that room for good.
        shrink_if_oversized(&mut self.text);
        self.status = response.status().as_u16();
        self.latency = latency;
        std::mem::swap(&mut self.reasons, reasons);
        self.request_size = body.len();
        self.request_body = copied(body);
        self.response_body = kept(response.body());
        self.response_size = response.body().len();
        self.secrets = secrets;
    }

    /// When the exchange began, on the wall clock as it reads now, to the microsecond. Only
    /// the monotonic instant is kept: dating each entry as it is recorded would read a second
    /// clock on every request, for a time that is only read when the journal is shown.
    pub fn time(&self) -> jiff::Timestamp {
        let now = jiff::Timestamp::now();
        let time = now.checked_sub(self.started.elapsed()).unwrap_or(now);
        time.round(jiff::Unit::Microsecond).unwrap_or(time)
    }

    /// The operation that answered (its operationId, else `METHOD /path`), if one did.
    pub fn operation(&self) -> Option<&str> {
        self.reasons.operation.as_deref()
    }

    /// Why the answer is what it is, as the inspector shows it (`example 'x' of 200`,
    /// `refused: body/name: name is required`…).
    pub fn why(&self) -> String {
        self.reasons.why_text(self.status)
    }

    /// The request's headers (as received, credentials included: redact before showing).
    pub fn request_headers(&self) -> HeaderMap {
        unflatten(&self.text[self.request_headers_at..self.response_headers_at])
    }

    /// The answer's headers.
    pub fn response_headers(&self) -> HeaderMap {
        unflatten(&self.text[self.response_headers_at..])
    }

    pub fn path(&self) -> &str {
        let end = self.query_at.map_or(self.request_headers_at, |at| at - 1);
        self.target_text(0, end)
    }

    pub fn query(&self) -> Option<&str> {
        self.query_at.map(|at| self.target_text(at, self.request_headers_at))
    }

    /// Part of the request target, which was copied from a `&str` (so it is UTF-8).
    fn target_text(&self, from: usize, to: usize) -> &str {
        std::str::from_utf8(&self.text[from..to]).unwrap_or_default()
    }

    /// The access log's line: `POST /pets 422 createPet body/name: required 127µs`.
    pub fn log_text(&self) -> String {
        let operation = self.reasons.operation.as_deref().unwrap_or("-");
        let mut line = format!("{} {} {} {operation}", self.method, self.path(), self.status);
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
