//! Judging a response against its operation: status, content type, headers, body.

use http::{HeaderMap, Method};

use super::body::{self, parse_content_type};
use super::coerce;
use super::{Keyword, Part, Violation, schema_violations};
use crate::spec::{Api, Operation};

pub struct ResponseInput<'a> {
    /// The request's method: HEAD answers carry no body.
    pub method: &'a Method,
    pub status: http::StatusCode,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

fn message_violation(keyword: Keyword, message: String) -> Violation {
    let mut v = Violation::new(Part::Message, "", keyword, message);
    v.location = "response".into();
    v
}

/// Every way the response departs from what the operation documents.
pub fn check_response(api: &Api, op: &Operation, input: &ResponseInput<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(documented) = op.response_for(input.status) else {
        out.push(message_violation(
            Keyword::Status,
            format!(
                "status {} is not documented for {} (documented: {})",
                input.status.as_u16(),
                op.label,
                op.status_labels().join(", ")
            ),
        ));
        return out;
    };

    for header in &documented.headers {
        let value = input.headers.get(header.name.as_str()).and_then(|v| v.to_str().ok());
        match (value, header.schema) {
            (None, _) if header.required => out.push(Violation::new(
                Part::Header,
                &header.name,
                "required",
                format!("response header '{}' is required", header.name),
            )),
            (Some(raw), Some(schema)) => {
                let value = coerce::scalar(&api.schemas, Some(api.schemas.get(schema)), raw);
                out.extend(schema_violations(&api.schemas, schema, &value, Part::Header, &header.name));
            }
            _ => {}
        }
    }

    let bodiless = input.method == Method::HEAD
        || input.status == http::StatusCode::NO_CONTENT
        || input.status == http::StatusCode::NOT_MODIFIED;
    if bodiless {
        return out;
    }
    if input.body.is_empty() {
        if documented.content.iter().any(|m| m.schema.is_some()) {
            out.push(message_violation(
                Keyword::Body,
                format!("the response has no body, but {} documents one", documented.status),
            ));
        }
        return out;
    }
    if documented.content.is_empty() {
        out.push(message_violation(
            Keyword::Body,
            format!("the response has a body, but {} documents none", documented.status),
        ));
        return out;
    }
    let Some(sent) = input.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        out.push(message_violation(Keyword::ContentType, "the response has a body but no Content-Type".into()));
        return out;
    };
    let content_type = parse_content_type(sent);
    let Some(media) = body::match_media(&documented.content, &content_type.essence) else {
        let names: Vec<&str> = documented.content.iter().map(|m| m.name.as_str()).collect();
        out.push(message_violation(
            Keyword::ContentType,
            format!(
                "Content-Type '{}' is not documented for status {} (documented: {})",
                content_type.essence,
                documented.status,
                names.join(", ")
            ),
        ));
        return out;
    };
    match body::decode(&api.schemas, media, &content_type, input.body) {
        Err(unreadable) => out.push(unreadable.into_violation()),
        Ok(Some(value)) => {
            if let Some(schema) = media.schema {
                out.extend(schema_violations(&api.schemas, schema, &value, Part::Body, ""));
            }
        }
        Ok(None) => {}
    }
    out
}
