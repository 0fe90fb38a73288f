//! Answers chosen by request content: `x-specmock-rules` on an operation, or `--rules FILE`.
//! Each rule matches path parameters, query parameters, headers and body JSON pointers
//! (equals, one-of, regex, present/absent) and answers with a status, a named example or an
//! inline body, headers, a delay or a fault. The first rule that matches wins.
//!
//! Rules are read and checked against the document once, when it loads: a rule that could
//! only answer something the document does not allow is an error there, not per request.

mod parse;

use std::borrow::Cow;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::units::DelayRange;

pub use parse::{RuleError, for_operation, read_file};

/// One rule, ready to match.
#[derive(Debug)]
pub struct Rule {
    /// How messages name it: `rule 2 of x-specmock-rules`, `rule 'bad password' (rules.yaml)`.
    pub label: String,
    pub when: Vec<Condition>,
    pub answer: Answer,
}

#[derive(Debug)]
pub struct Condition {
    pub place: Place,
    pub test: Test,
}

#[derive(Debug)]
pub enum Place {
    Path(String),
    Query(String),
    Header(HeaderName),
    /// A JSON pointer into the decoded body.
    Body(String),
}

#[derive(Debug)]
pub enum Test {
    Equals(Value),
    OneOf(Vec<Value>),
    Regex(regex::Regex),
    /// `present: true`, or `false` for absent.
    Present(bool),
}

/// What a matching rule answers.
#[derive(Debug, Default)]
pub struct Answer {
    /// The documented status (checked at load).
    pub status: Option<http::StatusCode>,
    /// A documented example (checked at load), under `status` or wherever it is documented.
    pub example: Option<String>,
    /// An inline body, serialized once, and its Content-Type.
    pub body: Option<(Bytes, HeaderValue)>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub delay: Option<DelayRange>,
    pub fault: Option<String>,
}

impl Answer {
    /// Whether the rule chooses the response (and not only its timing or headers).
    pub fn chooses(&self) -> bool {
        self.status.is_some() || self.example.is_some() || self.body.is_some()
    }
}

/// The parts of a request rules look at.
pub struct Seen<'a> {
    pub params: &'a [(&'a str, Cow<'a, str>)],
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: Option<&'a Value>,
}

impl Rule {
    pub fn matches(&self, seen: &Seen<'_>) -> bool {
        self.when.iter().all(|c| c.holds(seen))
    }
}

/// The first rule that matches.
pub fn first<'r>(rules: &'r [Rule], seen: &Seen<'_>) -> Option<&'r Rule> {
    rules.iter().find(|r| r.matches(seen))
}

impl Condition {
    fn holds(&self, seen: &Seen<'_>) -> bool {
        match &self.place {
            Place::Path(name) => {
                let value = seen.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_ref());
                self.test.text(value)
            }
            Place::Query(name) => {
                let query = seen.query.unwrap_or("");
                let value = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v);
                self.test.text(value.as_deref())
            }
            Place::Header(name) => {
                let value = seen.headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()));
                self.test.text(value.as_deref())
            }
            Place::Body(pointer) => self.test.json(seen.body.and_then(|b| b.pointer(pointer))),
        }
    }
}

impl Test {
    /// Against a value sent as text (parameters, headers).
    fn text(&self, value: Option<&str>) -> bool {
        match (self, value) {
            (Test::Present(wanted), v) => v.is_some() == *wanted,
            (_, None) => false,
            (Test::Equals(expected), Some(v)) => text_of(expected) == v,
            (Test::OneOf(options), Some(v)) => options.iter().any(|o| text_of(o) == v),
            (Test::Regex(re), Some(v)) => re.is_match(v),
        }
    }

    /// Against a value in the body: equal as JSON, or as text (`"42"` and `42`).
    fn json(&self, value: Option<&Value>) -> bool {
        let same = |expected: &Value, v: &Value| expected == v || text_of(expected) == text_of(v);
        match (self, value) {
            (Test::Present(wanted), v) => v.is_some() == *wanted,
            (_, None) => false,
            (Test::Equals(expected), Some(v)) => same(expected, v),
            (Test::OneOf(options), Some(v)) => options.iter().any(|o| same(o, v)),
            (Test::Regex(re), Some(v)) => re.is_match(&text_of(v)),
        }
    }
}

/// A value as it is written in a URL or header: strings bare, anything else as JSON.
pub fn text_of(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}
