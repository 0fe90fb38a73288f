//! What a lifecycle's steps send and read beyond a valid request: a list request that
//! hides nothing, the body as written, names as servers spell them.

use serde_json::Value;

use super::super::plan::Case;
use crate::spec::{Api, ParamIn};
use crate::validate::Types;

/// Names of query parameters that size a page of a list.
const PAGE_SIZES: &[&str] = &["limit", "pagesize", "perpage", "maxresults", "size", "count", "top", "first"];

/// A list request that hides nothing: no filters in its body, the largest page it allows.
/// Returns the page size asked for.
pub fn minimal_list(api: &Api, list: usize, case: &mut Case) -> Option<usize> {
    let op = &api.operations[list];
    let schemas = &api.schemas;
    if let (Some(body), Some((content_type, _))) = (&op.body, &case.body)
        && let Some(schema) = body.content.iter().find(|m| m.is_json()).and_then(|m| m.schema)
        && schemas.validator(schema).is_ok_and(|v| v.is_valid(&Value::Object(Default::default())))
    {
        case.body = Some((content_type.clone(), bytes::Bytes::from_static(b"{}")));
    }
    let param = op.params.iter().find(|p| p.location == ParamIn::Query && is_page_size(&p.name))?;
    let schema = param.schema?;
    let resolved = schemas.deref(schemas.get(schema));
    if !schemas.types(resolved).has(Types::INTEGER) {
        return None;
    }
    let max = resolved.get("maximum").and_then(Value::as_u64).unwrap_or(100).min(100);
    let valid = schemas.validator(schema).is_ok_and(|v| v.is_valid(&Value::from(max)));
    if !valid {
        return None;
    }
    case.query.retain(|(k, _)| *k != param.name);
    case.query.push((param.name.clone(), max.to_string()));
    Some(max as usize)
}

/// The body a case sends, as JSON (a form's fields as strings).
pub fn sent_json(api: &crate::spec::Api, case: &Case) -> Option<Value> {
    let (content_type, body) = case.body.as_ref()?;
    if crate::spec::is_json_media(content_type) {
        return serde_json::from_slice(body).ok();
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        // As the server reads it: a form's `null` is null where the schema allows it.
        if let Some(decoded) = crate::check::oracle::decoded_body(api, case) {
            return Some(decoded);
        }
        let map = form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect();
        return Some(Value::Object(map));
    }
    None
}

/// `page_size`, `perPage`, `limit`: a parameter that sizes a page.
pub fn is_page_size(name: &str) -> bool {
    let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    PAGE_SIZES.contains(&name.to_ascii_lowercase().as_str())
}

/// A scalar as a parameter's text.
pub fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `thing_id` → `thingId`.
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' || c == '-' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
