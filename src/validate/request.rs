//! Judging a request against its operation: content type, parameters and body.

use std::borrow::Cow;

use http::{HeaderMap, Method};
use serde_json::Value;

use super::body::{self, ContentType};
use super::params::RawParams;
use super::{Part, Violation, schema_violations};
use crate::spec::{Api, MediaType, Operation, ParamIn};

/// A request as the validator sees it: already routed, body already read.
pub struct RequestInput<'a> {
    pub method: &'a Method,
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
        Violation::new(Part::Header, "content-type", "content_type", self.message())
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
const IGNORED_HEADERS: &[&str] = &["accept", "content-type", "authorization"];

/// Checks the content type (415) and, when `validate` is on, every parameter and the body.
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
    let sent =
        input.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(body::parse_content_type);
    let Some(request_body) = &op.body else {
        if input.body.is_empty() {
            return Ok((None, None));
        }
        return Err(Unsupported { content_type: essence(&sent), accepted: Vec::new() });
    };
    if input.body.is_empty() {
        if request_body.required && validate {
            violations.push(Violation::new(Part::Body, "", "required", "the request body is required"));
        }
        return Ok((None, None));
    }
    let accepted = || request_body.content.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
    // No Content-Type on a body: JSON is what such clients almost always mean.
    let content_type = sent.clone().unwrap_or_else(|| body::parse_content_type("application/json"));
    let Some(media) = body::match_media(&request_body.content, &content_type.essence) else {
        return Err(Unsupported { content_type: essence(&sent), accepted: accepted() });
    };
    let value = match body::decode(&api.schemas, media, &content_type, input.body) {
        Ok(v) => v,
        Err(unreadable) => {
            violations.push(unreadable.into_violation());
            return Ok((Some(media), None));
        }
    };
    if validate && let (Some(value), Some(schema)) = (&value, media.schema) {
        violations.extend(schema_violations(&api.schemas, schema, value, Part::Body, ""));
    }
    Ok((Some(media), value))
}

fn check_params(api: &Api, op: &Operation, input: &RequestInput<'_>, violations: &mut Vec<Violation>) {
    let raw = RawParams::new(input.query, input.headers, input.path_params);
    for param in &op.params {
        if param.location == ParamIn::Header && IGNORED_HEADERS.contains(&param.name.to_ascii_lowercase().as_str()) {
            continue;
        }
        let part = Part::from(param.location);
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

fn essence(sent: &Option<ContentType>) -> String {
    sent.as_ref().map(|c| c.essence.clone()).unwrap_or_default()
}
