//! Building the valid request a client would send for an operation: parameters and body
//! from the document's examples — unless an example breaks its own schema, which is then
//! noted as a document warning and replaced by a generated value — else generated.

use bytes::Bytes;
use serde_json::{Map, Value};

use super::plan::{Case, Expect};
use super::rules::Rule;
use super::verdict::Finding;
use crate::generate::{generate, generate_named};
use crate::spec::{Api, MediaType, Param, ParamIn, SchemaId, is_json_media};
use crate::validate::{Part, Violation, governed_by_http, schema_violations};

/// What the command line adds to every request that should be allowed.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    /// `--auth`: the Authorization value.
    pub auth: Option<String>,
    /// `--header`s.
    pub headers: Vec<(String, String)>,
}

/// A request before it is encoded: what boundary cases vary and the shrinker makes smaller.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub operation: usize,
    /// A value per parameter of the operation, in its order; `None`: not sent.
    pub params: Vec<Option<Value>>,
    /// The body, with the media type it is sent as (an index into the body's `content`).
    pub body: Option<(usize, Value)>,
    /// Ids carried outside the operation's parameters (a lifecycle's): (location, name, value).
    pub extra: Vec<(ParamIn, String, String)>,
}

/// The media type a body is sent as: JSON where the operation takes it, else its first.
pub fn body_media(body: &crate::spec::RequestBody) -> Option<usize> {
    body.content.iter().position(|m| is_json_media(&m.name)).or((!body.content.is_empty()).then_some(0))
}

/// Values a request must carry rather than invent: the ids of a lifecycle's resource.
#[derive(Debug, Default, Clone)]
pub struct Fixed {
    /// (location, parameter name, value)
    pub params: Vec<(ParamIn, String, String)>,
}

impl Fixed {
    fn get(&self, location: ParamIn, name: &str) -> Option<&str> {
        self.params.iter().find(|(l, n, _)| *l == location && n == name).map(|(_, _, v)| v.as_str())
    }
}

/// Builds valid requests, noting the document's broken examples on the way.
pub struct Builder<'a> {
    pub api: &'a Api,
    pub credentials: &'a Credentials,
    /// Broken examples met, with the operation they belong to (each example once).
    pub notes: Vec<(usize, Finding)>,
    /// Bodies generated even where an example exists: fresh values each time (a lifecycle's
    /// create must not collide with what the single requests created).
    pub generated_bodies: bool,
}

impl<'a> Builder<'a> {
    pub fn new(api: &'a Api, credentials: &'a Credentials) -> Builder<'a> {
        Builder { api, credentials, notes: Vec::new(), generated_bodies: false }
    }

    /// A valid request for operation `index`; `None` when no valid value can be made.
    pub fn valid(&mut self, index: usize, seed: u64, fixed: &Fixed) -> Option<Case> {
        let draft = self.draft(index, seed, fixed)?;
        Some(self.assemble(&draft))
    }

    /// The values of a valid request for operation `index`, before they are encoded.
    pub fn draft(&mut self, index: usize, seed: u64, fixed: &Fixed) -> Option<Draft> {
        let api = self.api;
        let op = &api.operations[index];
        let mut params = Vec::with_capacity(op.params.len());
        for (i, param) in op.params.iter().enumerate() {
            // OpenAPI ignores header parameters HTTP itself governs; so does a client.
            if param.location == ParamIn::Header && governed_by_http(&param.name) {
                params.push(None);
                continue;
            }
            let fixed_value = fixed.get(param.location, &param.name);
            if !param.required && param.location != ParamIn::Path && fixed_value.is_none() {
                params.push(None);
                continue;
            }
            params.push(Some(match fixed_value {
                Some(v) => Value::String(v.to_string()),
                None => self.param_value(index, param, seed.wrapping_add(i as u64))?,
            }));
        }
        // An id the document carries outside its parameters (`x-specmock-resource` id in a header).
        let extra = fixed
            .params
            .iter()
            .filter(|(location, name, _)| !op.params.iter().any(|p| p.location == *location && p.name == *name))
            .cloned()
            .collect();
        let body = match &op.body {
            Some(body) => {
                let media = body_media(body)?;
                Some((media, self.body_value(index, &body.content[media], seed)?))
            }
            None => None,
        };
        Some(Draft { operation: index, params, body, extra })
    }

    /// The request a draft stands for, encoded as a client sends it.
    pub fn assemble(&self, draft: &Draft) -> Case {
        let op = &self.api.operations[draft.operation];
        let mut path = op.path.clone();
        let mut query: Vec<(String, String)> = Vec::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut cookies: Vec<String> = Vec::new();
        let mut path_values: Vec<(String, String)> = Vec::new();
        for (param, value) in op.params.iter().zip(&draft.params) {
            let Some(value) = value else { continue };
            match param.location {
                ParamIn::Path => {
                    path = path.replace(&format!("{{{}}}", param.name), &encode_segment(&text(value)));
                    path_values.push((param.name.clone(), text(value)));
                }
                ParamIn::Query => match value {
                    Value::Array(items) if param.explode => {
                        query.extend(items.iter().map(|item| (param.name.clone(), text(item))));
                    }
                    _ => query.push((param.name.clone(), text(value))),
                },
                ParamIn::Header => headers.push((param.name.clone(), text(value))),
                ParamIn::Cookie => cookies.push(format!("{}={}", param.name, text(value))),
            }
        }
        for (location, name, value) in &draft.extra {
            match location {
                ParamIn::Header => headers.push((name.clone(), value.clone())),
                ParamIn::Query => query.push((name.clone(), value.clone())),
                _ => {}
            }
        }
        if !cookies.is_empty() {
            headers.push(("Cookie".into(), cookies.join("; ")));
        }
        if let Some(auth) = &self.credentials.auth {
            headers.push(("Authorization".into(), auth.clone()));
        }
        headers.extend(self.credentials.headers.iter().cloned());
        let body = match (&op.body, &draft.body) {
            (Some(body), Some((media, value))) => body.content.get(*media).map(|m| encode_body(m, value)),
            _ => None,
        };
        if let Some(accept) = accept(op) {
            headers.push(("Accept".into(), accept));
        }
        Case {
            operation: draft.operation,
            description: "valid request".into(),
            expect: Expect::Documented,
            method: op.method.clone(),
            path,
            query,
            headers,
            body,
            path_values,
            probe: None,
        }
    }

    /// A parameter's example, else a value generated from its schema and name
    /// (`organization_id` gets an id).
    fn param_value(&mut self, index: usize, param: &Param, seed: u64) -> Option<Value> {
        let api = self.api;
        if let Some(example) = &param.example {
            // Parameters travel as text: the example is judged as the server will read it.
            let valid = match (param.schema, example) {
                (Some(schema), value) => {
                    let read = match value {
                        Value::Array(_) | Value::Object(_) => value.clone(),
                        scalar => crate::validate::scalar(&api.schemas, Some(api.schemas.get(schema)), &text(scalar)),
                    };
                    let origin = param.example_origin.as_deref().unwrap_or("");
                    self.conforms(index, &format!("the example of parameter '{}'", param.name), origin, schema, &read)
                }
                (None, _) => true,
            };
            if valid {
                return Some(example.clone());
            }
        }
        let Some(schema) = param.schema else { return Some(Value::String("x".into())) };
        let value = generate_named(&api.schemas, schema, seed, &param.name).ok()?;
        Some(segment_friendly(api, param, schema, value))
    }

    /// The body's first example, else one generated from the schema.
    pub fn body_value(&mut self, index: usize, media: &MediaType, seed: u64) -> Option<Value> {
        if self.generated_bodies
            && let Some(value) = media.schema.and_then(|schema| generate(&self.api.schemas, schema, seed).ok())
        {
            return Some(value);
        }
        if let Some(example) = media.examples.first() {
            let valid = match media.schema {
                Some(schema) if is_json_media(&media.name) => {
                    let what = format!("the request example '{}'", example.name);
                    self.conforms(index, &what, &example.origin, schema, &example.value)
                }
                _ => true,
            };
            if valid {
                return Some(example.value.clone());
            }
        }
        match media.schema {
            Some(schema) => generate(&self.api.schemas, schema, seed).ok(),
            None => Some(Value::Object(Map::new())),
        }
    }

    /// Whether an example (read as `value`) conforms to its schema; if not, notes it once.
    fn conforms(&mut self, index: usize, what: &str, origin: &str, schema: SchemaId, value: &Value) -> bool {
        let broken = schema_violations(&self.api.schemas, schema, value, Part::Body, "");
        let Some(first) = broken.first() else { return true };
        if !self.notes.iter().any(|(_, f)| f.violation.location == origin) {
            let at = if first.pointer.is_empty() { String::new() } else { format!("#{}: ", first.pointer) };
            let message =
                format!("{what} breaks its own schema ({at}{}); a generated value was sent instead", first.message);
            let mut violation = Violation::new(Part::Message, "", "example", message);
            violation.location = origin.to_string();
            self.notes.push((index, Finding::of(Rule::ExampleValid, violation)));
        }
        false
    }
}

/// A path segment names a thing: `cobalt-cobalt`, not `cobalt%20cobalt`, when the schema allows.
pub fn segment_friendly(api: &Api, param: &Param, schema: SchemaId, value: Value) -> Value {
    if param.location == ParamIn::Path
        && let Value::String(text) = &value
        && text.contains(' ')
    {
        let joined = Value::String(text.replace(' ', "-"));
        if api.schemas.validator(schema).is_ok_and(|v| v.is_valid(&joined)) {
            return joined;
        }
    }
    value
}

/// A parameter as text, in the simple/form styles.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        Value::Object(map) => map.iter().map(|(k, v)| format!("{k},{}", text(v))).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

pub fn encode_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b':').remove(b'@');

/// What the answers are documented as, so content negotiation cannot fail.
fn accept(op: &crate::spec::Operation) -> Option<String> {
    let mut unique: Vec<&str> = Vec::new();
    for m in op.responses.iter().flat_map(|r| r.content.iter().map(|m| m.name.as_str())) {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    (!unique.is_empty()).then(|| unique.join(", "))
}

pub fn encode_body(media: &MediaType, value: &Value) -> (String, Bytes) {
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
