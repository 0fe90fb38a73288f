//! Error answers in the document's own style: its `x-specmock-error` template filled with
//! the real violation, else its documented example, else problem+json.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};

use super::problem::problem;
use super::template::{ErrorFacts, refresh_example, render};
use crate::spec::{Api, Operation, concrete_type, is_json_media};
use crate::validate::Violation;

/// Whether the template (naming the violation) or the documented example speaks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    /// Validation failures: the template says what was wrong.
    Template,
    /// Authentication failures: vendors document these bodies exactly; use them.
    Example,
    /// Errors a vendor's framework gives without documenting them (415): the template,
    /// even when no response is documented for the status.
    Framework,
}

/// The status for a validation failure: documented 422, else 400, else whatever covers 422.
pub fn validation_status(op: &Operation) -> u16 {
    use crate::spec::StatusKey;
    let documented = |c| op.responses.iter().any(|r| r.status == StatusKey::Exact(c));
    if documented(422) {
        422
    } else if documented(400) {
        400
    } else {
        422
    }
}

/// An error response for `status`, in the operation's documented style.
pub fn render_error(
    api: &Api,
    op: &Operation,
    status: u16,
    violations: &[Violation],
    voice: Voice,
    path: &str,
) -> Response<Bytes> {
    let template = op.error_template.as_ref().or(api.error_template.as_ref());
    let documented = op.response_for(status);
    let media = documented.and_then(|r| r.content.iter().find(|m| is_json_media(&m.name)).or(r.content.first()));
    let detail = || violations.iter().map(|v| v.message.as_str()).collect::<Vec<_>>().join("; ");

    let facts = || ErrorFacts {
        status,
        method: op.method.as_str(),
        path,
        operation_id: op.operation_id.as_deref().unwrap_or(""),
        violations,
    };
    let Some(media) = media else {
        return match template {
            Some(template) if voice == Voice::Framework => {
                let body = Bytes::from(serde_json::to_vec(&render(template, &facts())).unwrap_or_default());
                respond(status, JSON, body)
            }
            _ => problem(status, detail(), violations),
        };
    };
    let from_template = || {
        let template = template.filter(|_| is_json_media(&media.name))?;
        Some(Bytes::from(serde_json::to_vec(&render(template, &facts())).unwrap_or_default()))
    };
    let from_example = || {
        let example = media.examples.first()?;
        let refreshed = template.and_then(|t| refresh_example(&example.value, t));
        Some(match refreshed {
            Some(value) => Bytes::from(serde_json::to_vec(&value).unwrap_or_default()),
            None => example.bytes.clone(),
        })
    };
    let body = match voice {
        Voice::Template | Voice::Framework => from_template().or_else(from_example),
        Voice::Example => from_example().or_else(from_template),
    };
    match body {
        Some(body) => respond(status, concrete_type(&media.name), body),
        None => problem(status, detail(), violations),
    }
}

const JSON: &str = "application/json";

fn respond(status: u16, content_type: &str, body: Bytes) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    response
}
