//! Judging a request against its operation: content type, parameters and body.

use std::borrow::Cow;

use http::HeaderMap;
use serde_json::Value;

use super::body::{self, ContentType};
use super::params::RawParams;
use super::{Keyword, Part, Violation, schema_violations};
use crate::spec::{Api, MediaType, Operation, ParamIn};

/// A request as the validator sees it: already routed, body already read.
pub struct RequestInput<'a> {
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// Path variables, percent-decoded, by name.
    pub path_params: &'a [(&'a str, Cow<'a, str>)],
    pub body: &'a [u8],
}

/// The request's Content-Type is not one the operation accepts (→ 415).
#[derive(Debug, Clone)]
pub struct Unsupported {
    /// What was sent; empty when nothing was.
    pub content_type: String,
    /// What the operation documents; empty when it takes no body.
    pub accepted: Vec<String>,
}

impl Unsupported {
    /// The violation a 415 reports, in the document's style like any other.
    pub fn violation(&self) -> Violation {
        Violation::new(Part::Header, "content-type", Keyword::ContentType, self.message())
    }

    pub fn message(&self) -> String {
        if self.accepted.is_empty() {
            "this operation takes no request body".to_string()
        } else if self.content_type.is_empty() {
            format!("a Content-Type header is required; accepted: {}", self.accepted.join(", "))
        } else {
            format!("Content-Type '{}' is not accepted; accepted: {}", self.content_type, self.accepted.join(", "))
        }
    }
}

/// What validation found, and the decoded body for whoever answers.
#[derive(Debug)]
pub struct CheckedRequest<'o> {
    pub violations: Vec<Violation>,
    pub body: Option<Value>,
    pub media: Option<&'o MediaType>,
}

/// OpenAPI says header parameters with these names are ignored: HTTP handles them.
pub fn governed_by_http(header: &str) -> bool {
    ["accept", "content-type", "authorization"].iter().any(|h| h.eq_ignore_ascii_case(header))
}

/// Checks the content type (415) and, when `validate` is on, every parameter and the body.
/// With `validate` off nothing is judged: the body is decoded if it can be, else ignored.
pub fn check_request<'o>(
    api: &Api,
    op: &'o Operation,
    input: &RequestInput<'_>,
    validate: bool,
) -> Result<CheckedRequest<'o>, Unsupported> {
    let mut violations = Vec::new();
    let (media, body) = read_body(api, op, input, validate, &mut violations)?;
    if validate {
        check_params(api, op, input, &mut violations);
    }
    Ok(CheckedRequest { violations, body, media })
}

fn read_body<'o>(
    api: &Api,
    op: &'o Operation,
    input: &RequestInput<'_>,
    validate: bool,
    violations: &mut Vec<Violation>,
) -> Result<(Option<&'o MediaType>, Option<Value>), Unsupported> {
    // Not judging: a body that cannot be read is answered as if there were none.
    let unsupported = |accepted: Vec<String>, sent: &Sent| {
        if validate { Err(Unsupported { content_type: sent.shown(), accepted }) } else { Ok((None, None)) }
    };
    let sent = Sent::read(input.headers);
    let Some(request_body) = &op.body else {
        if input.body.is_empty() {
            return Ok((None, None));
        }
        return unsupported(Vec::new(), &sent);
    };
    let accepted = || request_body.content.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
    // No Content-Type: JSON is what such clients almost always mean.
    let content_type = match &sent {
        Sent::Absent => body::parse_content_type("application/json"),
        Sent::Text(ct) => ct.clone(),
        Sent::Unreadable(_) => return unsupported(accepted(), &sent),
    };
    let media = body::match_media(&request_body.content, &content_type.essence);
    if input.body.is_empty() && !(matches!(sent, Sent::Text(_)) && media.is_some() && empty_is_a_value(&content_type)) {
        if request_body.required && validate {
            violations.extend(missing_body(api, media.or(request_body.content.first())));
        }
        return Ok((None, None));
    }
    let Some(media) = media else {
        return unsupported(accepted(), &sent);
    };
    let value = match body::decode(&api.schemas, media, &content_type, input.body) {
        Ok(v) => v,
        Err(unreadable) => {
            if validate {
                violations.push(unreadable.into_violation());
            }
            return Ok((Some(media), None));
        }
    };
    if validate && let (Some(value), Some(schema)) = (&value, media.schema) {
        violations.extend(schema_violations(&api.schemas, schema, value, Part::Body, ""));
    }
    if validate && content_type.essence == "application/x-www-form-urlencoded" {
        violations.extend(body::reserved_violations(media, input.body));
    }
    Ok((Some(media), value))
}

/// An empty urlencoded body sent as such is a form without fields (`{}`), judged like any
/// other form. Other types keep an empty body a missing one (JSON and XML have no empty
/// document; an empty text or file for a required body is what vendors refuse as missing).
fn empty_is_a_value(content_type: &ContentType) -> bool {
    content_type.essence == "application/x-www-form-urlencoded"
}

/// A required body that was not sent. Vendors answer a missing object body as if `{}` had
/// been sent — one violation per required property — so the client learns which fields
/// to send; any other schema gets one violation naming the body.
fn missing_body(api: &Api, media: Option<&MediaType>) -> Vec<Violation> {
    if let Some(schema) = media.and_then(|m| m.schema) {
        let as_empty = schema_violations(&api.schemas, schema, &Value::Object(Default::default()), Part::Body, "");
        if !as_empty.is_empty() && as_empty.iter().all(|v| v.keyword == Keyword::Required) {
            return as_empty;
        }
    }
    vec![Violation::whole(Part::Body, "required", "the request body is required")]
}

/// The request's Content-Type header, as far as it can be read.
enum Sent {
    Absent,
    Text(ContentType),
    /// Present but not text (bytes that are not UTF-8): no media type can match it.
    Unreadable(String),
}

impl Sent {
    fn read(headers: &HeaderMap) -> Sent {
        match headers.get(http::header::CONTENT_TYPE) {
            None => Sent::Absent,
            Some(v) => match std::str::from_utf8(v.as_bytes()) {
                Ok(text) => Sent::Text(body::parse_content_type(text)),
                Err(_) => Sent::Unreadable(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            },
        }
    }

    /// What was sent, for the 415 message; empty when nothing was.
    fn shown(&self) -> String {
        match self {
            Sent::Absent => String::new(),
            Sent::Text(ct) => ct.essence.clone(),
            Sent::Unreadable(lossy) => lossy.clone(),
        }
    }
}

fn check_params(api: &Api, op: &Operation, input: &RequestInput<'_>, violations: &mut Vec<Violation>) {
    let raw = RawParams::new(input.query, input.headers, input.path_params);
    for param in &op.params {
        if param.location == ParamIn::Header && governed_by_http(&param.name) {
            continue;
        }
        let part = Part::from(param.location);
        // Present but unreadable is a wrong value, not a missing one.
        if param.location == ParamIn::Header && raw.unreadable_header(param) {
            violations.push(Violation::new(
                part,
                &param.name,
                "format",
                format!("header parameter '{}' is not valid UTF-8 text", param.name),
            ));
            continue;
        }
        match raw.extract(param, &api.schemas) {
            None if param.required => violations.push(Violation::new(
                part,
                &param.name,
                "required",
                format!("{} parameter '{}' is required", param.location.as_str(), param.name),
            )),
            None => {}
            Some(value) => {
                if let Some(schema) = param.schema {
                    violations.extend(schema_violations(&api.schemas, schema, &value, part, &param.name));
                }
            }
        }
    }
}
