//! The variants of a valid request that the document says must be refused: without
//! credentials, invalid in one place each, and an undocumented method on its path.

use bytes::Bytes;
use http::Method;
use serde_json::{Map, Value};

use super::build::Builder;
use super::plan::{Case, Expect};
use crate::spec::{Api, Operation, ParamIn, SchemeKind, is_json_media};
use crate::validate::Types;

/// The valid request with every credential the operation's schemes read taken out.
pub fn without_credentials(api: &Api, op: &Operation, base: &Case) -> Case {
    let mut names: Vec<String> = vec!["authorization".into()];
    let mut query_keys: Vec<String> = Vec::new();
    let mut cookie_keys: Vec<String> = Vec::new();
    for set in &op.security {
        for (index, _) in &set.schemes {
            if let SchemeKind::ApiKey { location, name } = &api.scheme(*index).kind {
                match location {
                    ParamIn::Header => names.push(name.to_ascii_lowercase()),
                    ParamIn::Query => query_keys.push(name.clone()),
                    ParamIn::Cookie => cookie_keys.push(name.clone()),
                    ParamIn::Path => {}
                }
            }
        }
    }
    let headers = base
        .headers
        .iter()
        .filter(|(k, _)| !names.contains(&k.to_ascii_lowercase()))
        .map(|(k, v)| {
            if k.eq_ignore_ascii_case("cookie") {
                let kept: Vec<&str> = v
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !cookie_keys.iter().any(|key| c.starts_with(&format!("{key}="))))
                    .collect();
                (k.clone(), kept.join("; "))
            } else {
                (k.clone(), v.clone())
            }
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let query = base.query.iter().filter(|(k, _)| !query_keys.contains(k)).cloned().collect();
    Case { description: "without credentials".into(), expect: Expect::Refused, headers, query, ..base.clone() }
}

/// Requests that break the document in one place each.
pub fn invalid_requests(builder: &mut Builder<'_>, op: &Operation, base: &Case, seed: u64) -> Vec<Case> {
    let api = builder.api;
    let mut out = Vec::new();
    let invalid = |description: String, query: Vec<(String, String)>, body: Option<(String, Bytes)>| Case {
        description,
        expect: Expect::Rejected,
        query,
        body,
        ..base.clone()
    };
    if let (Some(body), Some((content_type, _))) = (&op.body, &base.body) {
        let media = body.content.iter().find(|m| is_json_media(&m.name)).or(body.content.first());
        if let Some(media) = media.filter(|m| is_json_media(&m.name)) {
            let value = builder.body_value(base.operation, media, seed).unwrap_or(Value::Null);
            let schema = media.schema.map(|id| api.schemas.deref(api.schemas.get(id)));
            let required: Vec<String> = schema
                .and_then(|s| s.get("required"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default();
            if let (Value::Object(map), Some(name)) = (&value, required.first()) {
                let mut broken = map.clone();
                broken.shift_remove(name);
                let bytes = Bytes::from(serde_json::to_vec(&broken).unwrap_or_default());
                out.push(invalid(
                    format!("invalid body: required '{name}' missing"),
                    base.query.clone(),
                    Some((content_type.clone(), bytes)),
                ));
            }
            let wrong: Value = if value.is_array() { Value::Object(Map::new()) } else { Value::Array(Vec::new()) };
            let bytes = Bytes::from(serde_json::to_vec(&wrong).unwrap_or_default());
            // Only where the schema says so: `{properties: {}}` without a `type` accepts arrays.
            let rejected = media.schema.is_some_and(|id| api.schemas.validator(id).is_ok_and(|v| !v.is_valid(&wrong)));
            if rejected {
                out.push(invalid(
                    format!(
                        "invalid body: {} instead of the documented shape",
                        if value.is_array() { "an object" } else { "an array" }
                    ),
                    base.query.clone(),
                    Some((content_type.clone(), bytes)),
                ));
            }
            out.push(invalid(
                "malformed JSON body".into(),
                base.query.clone(),
                Some((content_type.clone(), Bytes::from_static(b"{\"unterminated\": "))),
            ));
        }
    }
    // A typed query parameter with text that cannot be that type.
    for param in op.params.iter().filter(|p| p.location == ParamIn::Query) {
        let Some(schema) = param.schema else { continue };
        let types = api.schemas.types(api.schemas.get(schema));
        let numeric = types.has(Types::INTEGER) || types.has(Types::NUMBER);
        if numeric && !types.has(Types::STRING) {
            // In place of the valid value, so the parameter is sent once.
            let mut query = base.without_query(&param.name);
            query.push((param.name.clone(), "not-a-number".into()));
            out.push(invalid(
                format!("invalid query parameter: {} is not a number", param.name),
                query,
                base.body.clone(),
            ));
            break;
        }
    }
    if let Some(param) = op.params.iter().find(|p| p.required && p.location == ParamIn::Query) {
        out.push(invalid(
            format!("missing required query parameter {}", param.name),
            base.without_query(&param.name),
            base.body.clone(),
        ));
    }
    if let Some(param) =
        op.params.iter().find(|p| p.required && p.location == ParamIn::Header && !exempt_header(api, op, &p.name))
    {
        let headers = base.headers.iter().filter(|(k, _)| !k.eq_ignore_ascii_case(&param.name)).cloned().collect();
        out.push(Case {
            headers,
            ..invalid(format!("missing required header {}", param.name), base.query.clone(), base.body.clone())
        });
    }
    out
}

/// Headers HTTP itself governs (OpenAPI ignores them as parameters) and credentials, whose
/// absence the "without credentials" case covers.
fn exempt_header(api: &Api, op: &Operation, name: &str) -> bool {
    let credential = op.security.iter().flat_map(|set| &set.schemes).any(|(index, _)| {
        matches!(&api.scheme(*index).kind, SchemeKind::ApiKey { location: ParamIn::Header, name: key } if key.eq_ignore_ascii_case(name))
    });
    credential || crate::validate::governed_by_http(name)
}

/// A method the path does not document, to see 405 and Allow.
pub fn undocumented_method(api: &Api, op: &Operation, base: &Case) -> Option<Case> {
    let documented: Vec<&Method> = api.operations.iter().filter(|o| o.path == op.path).map(|o| &o.method).collect();
    let method = [Method::PUT, Method::PATCH, Method::DELETE, Method::POST, Method::GET]
        .into_iter()
        .find(|m| !documented.contains(&m))?;
    Some(Case {
        description: format!("undocumented method {method}"),
        expect: Expect::MethodNotAllowed,
        method,
        body: None,
        ..base.clone()
    })
}
