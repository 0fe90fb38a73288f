//! What the contract runner sends: for each operation a valid request, the same without
//! credentials, invalid ones, and an undocumented method on its path.

use bytes::Bytes;
use http::Method;
use serde_json::{Map, Value};

use super::request::needs_credentials;
use crate::generate::{generate, generate_named};
use crate::spec::{Api, MediaType, Operation, Param, ParamIn, SchemeKind, is_json_media};
use crate::validate::Types;

/// What a case expects of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Any documented answer.
    Documented,
    /// 401 or 403.
    Refused,
    /// A documented 4xx.
    Rejected,
    /// 405 with Allow.
    MethodNotAllowed,
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct Case {
    /// Index in `Api::operations`; for a method case, an operation at the same path.
    pub operation: usize,
    pub description: String,
    pub expect: Expect,
    pub method: Method,
    /// The path, with path parameters filled in and percent-encoded.
    pub path: String,
    /// Query parameters, decoded: encoded once, by [`Case::target`].
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<(String, Bytes)>,
}

impl Case {
    /// Path and query, as sent (`/orgs?limit=2`).
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.extend_pairs(&self.query);
        format!("{}?{}", self.path, q.finish())
    }

    /// The whole URL under `base` (already checked to be an http(s) URL), query encoded by `url`.
    pub fn url(&self, base: &str) -> String {
        match reqwest::Url::parse(&format!("{base}{}", self.path)) {
            Ok(mut url) => {
                if !self.query.is_empty() {
                    url.query_pairs_mut().extend_pairs(&self.query);
                }
                url.to_string()
            }
            // Unparseable only if a path parameter broke it; send it as written, to be judged.
            Err(_) => format!("{base}{}", self.target()),
        }
    }

    /// The request without any query parameter called `name`.
    fn without_query(&self, name: &str) -> Vec<(String, String)> {
        self.query.iter().filter(|(k, _)| k != name).cloned().collect()
    }
}

/// Options that shape the plan.
pub struct PlanOptions<'a> {
    pub operations: &'a [String],
    pub tags: &'a [String],
    pub seed: u64,
    /// `Authorization` value for requests that should be allowed.
    pub auth: Option<&'a str>,
    pub headers: &'a [(String, String)],
}

/// Cases for every selected operation: all valid requests first, so a small
/// `--max-requests` still touches every operation.
pub fn plan(api: &Api, options: &PlanOptions<'_>) -> Vec<Case> {
    let selected: Vec<usize> = (0..api.operations.len()).filter(|&i| selected(&api.operations[i], options)).collect();
    let mut valid = Vec::new();
    let mut refused = Vec::new();
    let mut invalid = Vec::new();
    let mut methods = Vec::new();
    let mut seen_paths: Vec<&str> = Vec::new();
    for (n, &index) in selected.iter().enumerate() {
        let op = &api.operations[index];
        let seed = options.seed.wrapping_add(n as u64 * 1000);
        let Some(base) = valid_request(api, index, seed, options) else { continue };
        if needs_credentials(op) {
            refused.push(without_credentials(api, op, &base));
        }
        invalid.extend(invalid_requests(api, op, &base, seed));
        if !seen_paths.contains(&op.path.as_str()) {
            seen_paths.push(&op.path);
            if let Some(case) = undocumented_method(api, op, &base) {
                methods.push(case);
            }
        }
        valid.push(base);
    }
    valid.into_iter().chain(refused).chain(invalid).chain(methods).collect()
}

fn selected(op: &Operation, options: &PlanOptions<'_>) -> bool {
    let by_op = options.operations.is_empty()
        || options.operations.iter().any(|o| {
            Some(o.as_str()) == op.operation_id.as_deref()
                || o.eq_ignore_ascii_case(&format!("{} {}", op.method, op.path))
        });
    let by_tag = options.tags.is_empty() || options.tags.iter().any(|t| op.tags.contains(t));
    by_op && by_tag
}

/// A value for a parameter: its example, else one generated from its schema and name
/// (`organization_id` gets an id).
fn param_value(api: &Api, param: &Param, seed: u64) -> Option<Value> {
    if let Some(example) = &param.example {
        return Some(example.clone());
    }
    let Some(schema) = param.schema else { return Some(Value::String("x".into())) };
    let value = generate_named(&api.schemas, schema, seed, &param.name).ok()?;
    // A path segment names a thing: `cobalt-cobalt`, not `cobalt%20cobalt`, when the schema allows.
    if param.location == ParamIn::Path
        && let Value::String(text) = &value
        && text.contains(' ')
    {
        let joined = Value::String(text.replace(' ', "-"));
        if api.schemas.validator(schema).is_ok_and(|v| v.is_valid(&joined)) {
            return Some(joined);
        }
    }
    Some(value)
}

/// A parameter as text, in the simple/form styles.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        Value::Object(map) => map.iter().map(|(k, v)| format!("{k},{}", text(v))).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn encode_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b':').remove(b'@');

fn valid_request(api: &Api, index: usize, seed: u64, options: &PlanOptions<'_>) -> Option<Case> {
    let op = &api.operations[index];
    let mut path = op.path.clone();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut cookies: Vec<String> = Vec::new();
    for (i, param) in op.params.iter().enumerate() {
        if !param.required && param.location != ParamIn::Path {
            continue;
        }
        let value = param_value(api, param, seed.wrapping_add(i as u64))?;
        match param.location {
            ParamIn::Path => path = path.replace(&format!("{{{}}}", param.name), &encode_segment(&text(&value))),
            ParamIn::Query => match &value {
                Value::Array(items) if param.explode => {
                    query.extend(items.iter().map(|item| (param.name.clone(), text(item))));
                }
                _ => query.push((param.name.clone(), text(&value))),
            },
            ParamIn::Header => headers.push((param.name.clone(), text(&value))),
            ParamIn::Cookie => cookies.push(format!("{}={}", param.name, text(&value))),
        }
    }
    if !cookies.is_empty() {
        headers.push(("Cookie".into(), cookies.join("; ")));
    }
    if let Some(auth) = options.auth {
        headers.push(("Authorization".into(), auth.to_string()));
    }
    headers.extend(options.headers.iter().cloned());
    let body = match &op.body {
        Some(body) => {
            let media = body.content.iter().find(|m| is_json_media(&m.name)).or(body.content.first())?;
            let value = body_value(api, media, seed)?;
            Some(encode_body(media, &value))
        }
        None => None,
    };
    if let Some(accept) = accept(op) {
        headers.push(("Accept".into(), accept));
    }
    Some(Case {
        operation: index,
        description: "valid request".into(),
        expect: Expect::Documented,
        method: op.method.clone(),
        path,
        query,
        headers,
        body,
    })
}

/// What the success answer is documented as, so content negotiation cannot fail.
fn accept(op: &Operation) -> Option<String> {
    let media: Vec<&str> = op.responses.iter().flat_map(|r| r.content.iter().map(|m| m.name.as_str())).collect();
    if media.is_empty() {
        return None;
    }
    let mut unique: Vec<&str> = Vec::new();
    for m in media {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    Some(unique.join(", "))
}

fn body_value(api: &Api, media: &MediaType, seed: u64) -> Option<Value> {
    if let Some(example) = media.examples.first() {
        return Some(example.value.clone());
    }
    match media.schema {
        Some(schema) => generate(&api.schemas, schema, seed).ok(),
        None => Some(Value::Object(Map::new())),
    }
}

fn encode_body(media: &MediaType, value: &Value) -> (String, Bytes) {
    let name = crate::spec::concrete_type(&media.name).to_string();
    match name.as_str() {
        "application/x-www-form-urlencoded" => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs(value) {
                form.append_pair(&k, &v);
            }
            (name, Bytes::from(form.finish()))
        }
        "multipart/form-data" => {
            let boundary = "specmock-boundary-7d1c";
            let mut out = String::new();
            for (k, v) in pairs(value) {
                out.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
            }
            out.push_str(&format!("--{boundary}--\r\n"));
            (format!("multipart/form-data; boundary={boundary}"), Bytes::from(out))
        }
        n if n.starts_with("text/") && !is_json_media(n) => (name, Bytes::from(text(value))),
        _ => (name, Bytes::from(serde_json::to_vec(value).unwrap_or_default())),
    }
}

fn pairs(value: &Value) -> Vec<(String, String)> {
    let Value::Object(map) = value else { return Vec::new() };
    let mut out = Vec::new();
    for (k, v) in map {
        match v {
            Value::Array(items) => out.extend(items.iter().map(|i| (k.clone(), text(i)))),
            Value::Object(_) => out.push((k.clone(), v.to_string())),
            other => out.push((k.clone(), text(other))),
        }
    }
    out
}

/// The valid request with every credential the operation's schemes read taken out.
fn without_credentials(api: &Api, op: &Operation, base: &Case) -> Case {
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
fn invalid_requests(api: &Api, op: &Operation, base: &Case, seed: u64) -> Vec<Case> {
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
            let value = body_value(api, media, seed).unwrap_or(Value::Null);
            let schema = media.schema.map(|id| crate::validate::deref(&api.schemas, api.schemas.get(id)));
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
            out.extend(rejected.then(|| {
                invalid(
                    format!(
                        "invalid body: {} instead of the documented shape",
                        if value.is_array() { "an object" } else { "an array" }
                    ),
                    base.query.clone(),
                    Some((content_type.clone(), bytes)),
                )
            }));
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
        let types = crate::validate::types(&api.schemas, api.schemas.get(schema));
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
fn undocumented_method(api: &Api, op: &Operation, base: &Case) -> Option<Case> {
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

/// `curl` that sends the case again.
pub fn curl(base_url: &str, case: &Case) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut out = format!("curl -i -X {} {}", case.method, quote(&case.url(base_url.trim_end_matches('/'))));
    for (k, v) in &case.headers {
        out.push_str(&format!(" -H {}", quote(&format!("{k}: {v}"))));
    }
    if let Some((content_type, body)) = &case.body {
        out.push_str(&format!(" -H {}", quote(&format!("Content-Type: {content_type}"))));
        out.push_str(&format!(" --data-raw {}", quote(&String::from_utf8_lossy(body))));
    }
    out
}
