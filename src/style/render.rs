//! Error answers in the document's own style: its `x-specmock-error` template filled with
//! the real violation, else its documented example, else problem+json.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};

use serde_json::Value;

use super::problem::{problem, problem_body};
use super::template::{ErrorFacts, refresh_example, render};
use crate::generate::generate;
use crate::reply;
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
pub fn validation_status(op: &Operation) -> StatusCode {
    use crate::spec::StatusKey;
    let documented = |c| op.responses.iter().any(|r| r.status == StatusKey::Exact(c));
    match documented(StatusCode::BAD_REQUEST) && !documented(StatusCode::UNPROCESSABLE_ENTITY) {
        true => StatusCode::BAD_REQUEST,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// An error response for `status`, in the operation's documented style.
pub fn render_error(
    api: &Api,
    op: &Operation,
    status: StatusCode,
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
        return match (template, documented) {
            (Some(template), _) if voice == Voice::Framework => {
                let body = Bytes::from(render(template, &facts()));
                respond(status, JSON, body)
            }
            // Documented without a body: none is sent (the mock keeps to its document), and
            // what was wrong goes in a header instead.
            (_, Some(_)) => with_violations(reply::empty(status), violations),
            _ => problem(status, detail(), violations),
        };
    };
    let from_template = || {
        let template = template.filter(|_| is_json_media(&media.name))?;
        Some(Bytes::from(render(template, &facts())))
    };
    let from_example = || {
        let example = media.examples.first()?;
        let refreshed = template.and_then(|t| refresh_example(&example.value, t));
        Some(match refreshed {
            Some(value) => Bytes::from(serde_json::to_vec(&value).unwrap_or_default()),
            None => example.bytes.clone(),
        })
    };
    // Documented, but neither a template nor an example: a body generated from the documented
    // schema, so the answer still has the documented type and shape.
    let from_schema = || {
        let id = media.schema?;
        let mut value =
            crate::generate::agree_status(&api.schemas, id, generate(&api.schemas, id, 0).ok()?, status.as_u16());
        // The generated error's message fields say what was wrong (else what the status
        // means), where the schema lets them: not a made-up sentence.
        let said =
            if violations.is_empty() { status.canonical_reason().unwrap_or("Error").to_string() } else { detail() };
        let generated = value.clone();
        name_the_violation(&mut value, &said, &error_code(status), 0);
        if api.schemas.validator(id).map(|v| !v.is_valid(&value)).unwrap_or(true) {
            value = generated;
        }
        Some(crate::spec::xml::body(&api.schemas, &media.name, Some(id), &value))
    };
    let named = match voice {
        Voice::Template | Voice::Framework => from_template(),
        Voice::Example => None,
    };
    if let Some(body) = named {
        return respond(status, &concrete_type(&media.name), body);
    }
    let body = from_example().or_else(|| (voice == Voice::Example).then(from_template).flatten()).or_else(from_schema);
    match body {
        Some(body) => with_violations(respond(status, &concrete_type(&media.name), body), violations),
        // A JSON media type without a schema takes any JSON: problem details fit it.
        None if is_json_media(&media.name) => {
            let body = Bytes::from(serde_json::to_vec(&problem_body(status, detail(), violations)).unwrap_or_default());
            respond(status, &concrete_type(&media.name), body)
        }
        None => problem(status, detail(), violations),
    }
}

/// `not_found`, `unprocessable_entity`: the status as an error code, for a body's `error` code.
fn error_code(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("error").to_ascii_lowercase().replace([' ', '-'], "_")
}

/// Writes `detail` into the message-like string fields of a generated error body. An `error`
/// string is a code beside `error_description` (OAuth's shape) and the message otherwise
/// (gRPC gateways repeat it there).
fn name_the_violation(value: &mut Value, detail: &str, code: &str, depth: usize) {
    const MESSAGES: &[&str] =
        &["message", "long_message", "detail", "details", "description", "error_description", "error_message"];
    if depth > 8 {
        return;
    }
    match value {
        Value::Object(map) => {
            let oauth = map.contains_key("error_description");
            for (key, field) in map.iter_mut() {
                match field {
                    Value::String(text) if MESSAGES.contains(&key.as_str()) => *text = detail.to_string(),
                    Value::String(text) if key == "error" => *text = if oauth { code } else { detail }.to_string(),
                    _ => name_the_violation(field, detail, code, depth + 1),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| name_the_violation(item, detail, code, depth + 1)),
        _ => {}
    }
}

/// Violations the body cannot show (an example, a generated body, no body) ride in the
/// `specmock-violations` header, as the proxy reports them.
fn with_violations(mut response: Response<Bytes>, violations: &[Violation]) -> Response<Bytes> {
    if violations.is_empty() {
        return response;
    }
    let list = serde_json::to_value(violations).unwrap_or_default();
    if let Some(value) = header_json(&list) {
        response.headers_mut().insert(http::HeaderName::from_static(VIOLATIONS_HEADER), value);
    }
    response
}

/// The header that lists violations, in the mock's error answers and the proxy's answers.
pub const VIOLATIONS_HEADER: &str = "specmock-violations";

/// JSON as a header value: non-ASCII characters escaped (`\u00e9`), so any client reads it.
pub fn header_json(value: &Value) -> Option<HeaderValue> {
    let text = serde_json::to_string(value).ok()?;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    HeaderValue::from_str(&out).ok()
}

const JSON: &str = "application/json";

fn respond(status: StatusCode, content_type: &str, body: Bytes) -> Response<Bytes> {
    reply::reply(status, HeaderValue::from_str(content_type).ok(), body)
}
