//! Judging requests and responses against an operation: one validator for the mock,
//! the contract runner, the proxy and recorded fixtures.

mod body;
mod coerce;
mod keyword;
mod message;
mod multipart;
mod numbers;
mod params;
mod request;
mod response;

use serde::Serialize;

pub use crate::spec::Types;
pub use body::{match_media, parse_content_type};
pub use coerce::scalar;
pub use keyword::Keyword;
pub use params::cookies;
pub use request::{CheckedRequest, RequestInput, check_request, governed_by_http};
pub use response::{ResponseInput, check_response};

/// Which part of an HTTP message a violation is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Path,
    Query,
    Header,
    Cookie,
    Body,
    /// The request or response as a whole (status, content type, credentials).
    Message,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Path => "path",
            Part::Query => "query",
            Part::Header => "header",
            Part::Cookie => "cookie",
            Part::Body => "body",
            Part::Message => "request",
        }
    }
}

impl From<crate::spec::ParamIn> for Part {
    fn from(location: crate::spec::ParamIn) -> Self {
        use crate::spec::ParamIn;
        match location {
            ParamIn::Path => Part::Path,
            ParamIn::Query => Part::Query,
            ParamIn::Header => Part::Header,
            ParamIn::Cookie => Part::Cookie,
        }
    }
}

/// One broken rule, located precisely enough to fix it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    #[serde(rename = "in")]
    pub part: Part,
    /// `body/name`, `query/limit`, `header/x-zitadel-orgid`.
    pub location: String,
    /// The field as a user names it: `name`, `metadata.foo`; the parameter's name for parameters.
    pub field: String,
    /// JSON pointer inside the part (`/name`); empty for the part as a whole.
    pub pointer: String,
    /// The rule: a JSON Schema keyword (`required`, `maxLength`, …) or one of ours (`parse`,
    /// `status`, `content_type`).
    pub keyword: Keyword,
    pub message: String,
}

impl Violation {
    /// A violation of a whole part or a named field in it.
    pub fn new(part: Part, field: &str, keyword: impl Into<Keyword>, message: impl Into<String>) -> Self {
        let location = if field.is_empty() { part.as_str().to_string() } else { format!("{}/{field}", part.as_str()) };
        Violation {
            part,
            location,
            field: field.to_string(),
            pointer: String::new(),
            keyword: keyword.into(),
            message: message.into(),
        }
    }

    /// A violation of a part as a whole (the body is missing, or is not JSON): the field
    /// is the part's name, so error templates never show an empty one.
    pub fn whole(part: Part, keyword: impl Into<Keyword>, message: impl Into<String>) -> Self {
        let name = part.as_str();
        Violation {
            part,
            location: name.to_string(),
            field: name.to_string(),
            pointer: String::new(),
            keyword: keyword.into(),
            message: message.into(),
        }
    }
}

/// Validates `instance` against a compiled schema and describes every error.
/// `part`/`prefix` say where the instance sits (a body, or the parameter named `prefix`).
pub fn schema_violations(
    schemas: &crate::spec::Schemas,
    schema: crate::spec::SchemaId,
    instance: &serde_json::Value,
    part: Part,
    prefix: &str,
) -> Vec<Violation> {
    let validator = match schemas.validator(schema) {
        Ok(v) => v,
        Err(e) => {
            return vec![Violation::new(
                part,
                prefix,
                "schema",
                format!("the schema at {} does not compile: {e}", schemas.origin(schema)),
            )];
        }
    };
    if validator.is_valid(instance) {
        return Vec::new();
    }
    let mut out: Vec<Violation> = Vec::new();
    for error in validator.iter_errors(instance) {
        for v in message::describe(&error, part, prefix) {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    // A value of the wrong type also fails its format; the type says it all.
    let mistyped: Vec<String> = out.iter().filter(|v| v.keyword == Keyword::Type).map(|v| v.pointer.clone()).collect();
    out.retain(|v| v.keyword != Keyword::Format || !mistyped.contains(&v.pointer));
    out
}
