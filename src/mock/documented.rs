//! The documented answer: which response a status selects, and the headers it documents.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};

use super::negotiate;
use crate::generate;
use crate::reply;
use crate::spec::{Api, Operation, Response as Documented, StatusKey};
use crate::style::{VIOLATIONS_HEADER, header_json};
use crate::validate::Violation;

/// `code` (exact, then `NXX`, then `default`), else the lowest documented 2xx.
pub(super) fn choose_response(op: &Operation, code: Option<StatusCode>) -> Result<(StatusCode, &Documented), String> {
    if let Some(code) = code {
        return op.response_for(code).map(|r| (code, r)).ok_or_else(|| {
            let code = code.as_u16();
            format!("status {code} is not documented for {} (documented: {})", op.label, op.status_labels().join(", "))
        });
    }
    let success = op
        .responses
        .iter()
        .find(|r| matches!(r.status, StatusKey::Exact(c) if c.is_success()))
        .or_else(|| op.responses.iter().find(|r| r.status == StatusKey::Range(2)))
        .map(|r| (r.status.code(), r))
        .or_else(|| op.responses.iter().find(|r| r.status == StatusKey::Default).map(|r| (StatusCode::OK, r)))
        .or_else(|| op.responses.first().map(|r| (r.status.code(), r)));
    success.ok_or_else(|| format!("{} documents no responses", op.label))
}

/// The same operation gives the same generated body until asked otherwise.
pub(super) fn stable_seed(op: &Operation) -> u64 {
    op.label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

/// The error example the client named (`Prefer: example=…`), when the documented answer for
/// `status` has one by that name; what was wrong rides in the `specmock-violations` header.
pub(super) fn named_error(
    api: &Api,
    op: &Operation,
    status: StatusCode,
    name: &str,
    headers: &HeaderMap,
    violations: &[Violation],
) -> Option<Response<Bytes>> {
    let documented = op.response_for(status)?;
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let media = negotiate::choose(accept, &documented.content).ok()?;
    let example = media.examples.iter().find(|e| &*e.name == name)?;
    let mut response = reply::reply(status, Some(media.content_type.clone()), example.bytes.clone());
    add_documented_headers(api, documented, response.headers_mut());
    if let Some(list) = serde_json::to_value(violations).ok().as_ref().and_then(header_json) {
        response.headers_mut().insert(header::HeaderName::from_static(VIOLATIONS_HEADER), list);
    }
    Some(response)
}

/// Documented response headers: the example, else the schema's default or example, else a
/// value generated from the schema. Headers that frame the message are HTTP's to set.
pub(super) fn add_documented_headers(api: &Api, documented: &Documented, headers: &mut HeaderMap) {
    const FRAMING: &[&str] = &["content-length", "transfer-encoding", "connection", "content-encoding", "content-type"];
    for h in &documented.headers {
        if FRAMING.contains(&h.name.as_str()) {
            continue;
        }
        let value = match (&h.example, h.schema) {
            (Some(example), _) => Some(example.clone()),
            // An invented cookie would only confuse a browser.
            (None, Some(_)) if h.name == "set-cookie" => None,
            (None, Some(schema)) => generate::generate_named(&api.schemas, schema, 1, &h.name).ok(),
            _ => None,
        };
        let Some(text) = value.as_ref().map(header_text) else { continue };
        if let (Ok(name), Ok(v)) = (header::HeaderName::from_bytes(h.name.as_bytes()), HeaderValue::from_str(&text)) {
            headers.insert(name, v);
        }
    }
}

/// A header value in the `simple` style: arrays and objects as comma-separated lists.
fn header_text(value: &serde_json::Value) -> String {
    use serde_json::Value;
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        Value::Object(map) => map.iter().flat_map(|(k, v)| [k.clone(), scalar(v)]).collect::<Vec<_>>().join(","),
        other => scalar(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(responses: &str) -> Operation {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      responses:\n{responses}"
        );
        let mut api = crate::spec::load_text("t.yaml", &text).expect("the test document loads");
        api.operations.remove(0)
    }

    #[test]
    fn a_status_selects_exact_then_range_then_default() {
        let op = operation(
            "        '201': {description: made}\n        '404': {description: gone}\n        4XX: {description: client}\n        default: {description: other}\n",
        );
        let exact = |c| StatusKey::Exact(StatusCode::from_u16(c).unwrap());
        let table = [
            (None, Some((201, exact(201)))),
            (Some(404), Some((404, exact(404)))),
            (Some(409), Some((409, StatusKey::Range(4)))),
            (Some(503), Some((503, StatusKey::Default))),
        ];
        for (asked, expected) in table {
            let asked = asked.map(|c| StatusCode::from_u16(c).unwrap());
            let got = choose_response(&op, asked).ok().map(|(s, r)| (s.as_u16(), r.status));
            assert_eq!(got, expected, "Prefer code {asked:?}");
        }
    }

    #[test]
    fn without_a_success_the_range_then_default_then_the_first_answers() {
        let moved = StatusKey::Exact(StatusCode::FOUND);
        let table = [
            ("        2XX: {description: ok}\n        '400': {description: bad}\n", (200, StatusKey::Range(2))),
            ("        '400': {description: bad}\n        default: {description: any}\n", (200, StatusKey::Default)),
            ("        '302': {description: moved}\n", (302, moved)),
        ];
        for (responses, expected) in table {
            let op = operation(responses);
            let got = choose_response(&op, None).map(|(s, r)| (s.as_u16(), r.status));
            assert_eq!(got, Ok(expected), "{responses}");
        }
        let only_ok = operation("        '200': {description: ok}\n");
        let undocumented = choose_response(&only_ok, Some(StatusCode::IM_A_TEAPOT));
        assert!(undocumented.is_err_and(|e| e.contains("418") && e.contains("200")));
    }

    #[test]
    fn header_values_are_written_in_the_simple_style() {
        use serde_json::json;
        let table = [
            (json!("text"), "text"),
            (json!(5), "5"),
            (json!(["a", 1, true]), "a,1,true"),
            (json!({"role": "admin", "n": 2}), "role,admin,n,2"),
        ];
        for (value, expected) in table {
            assert_eq!(header_text(&value), expected, "{value}");
        }
    }
}
