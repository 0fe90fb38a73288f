//! One Swagger 2.0 operation → OpenAPI 3.0: parameters split into parameters and a request
//! body, responses given content per `produces`.

use serde_json::{Map, Value, json};

use super::super::error::SpecError;
use super::super::load::Loc;
use super::super::pointer;
use super::Converter;

/// Operation fields that mean the same in both versions.
const KEPT: &[&str] = &["operationId", "summary", "description", "tags", "deprecated", "externalDocs", "security"];

impl<'s> Converter<'s> {
    pub(super) fn operation(
        &mut self,
        ptr: &str,
        at: &Loc,
        op: &'s Map<String, Value>,
        shared: &[(Loc, &'s Value)],
    ) -> Result<Value, SpecError> {
        self.map(ptr, at);
        let mut out = Map::new();
        for (key, value) in op {
            if KEPT.contains(&key.as_str()) || key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
        }
        let consumes = self.media_list(op.get("consumes"), &at.child("consumes"))?.unwrap_or(self.consumes.clone());
        let produces = self.media_list(op.get("produces"), &at.child("produces"))?.unwrap_or(self.produces.clone());

        // Operation parameters override path-level ones with the same name and location.
        let own = self.resolved_list(op.get("parameters"), &at.child("parameters"))?;
        let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
        let mut all: Vec<(Loc, &Value)> =
            shared.iter().filter(|(_, s)| !own.iter().any(|(_, o)| key(o) == key(s))).cloned().collect();
        all.extend(own);

        let mut params = Vec::new();
        let mut body: Option<(Loc, &Value)> = None;
        let mut form: Vec<(Loc, &Value)> = Vec::new();
        for (p_at, p) in all {
            match p.get("in").and_then(Value::as_str) {
                Some("body") if body.is_some() => {
                    return Err(self.sources.error(&p_at, "an operation may have only one body parameter"));
                }
                Some("body") => body = Some((p_at, p)),
                Some("formData") => form.push((p_at, p)),
                Some("query" | "header" | "path") => {
                    let p_ptr = pointer::push(&format!("{ptr}/parameters"), &params.len().to_string());
                    params.push(self.parameter(&p_ptr, &p_at, p)?);
                }
                other => {
                    return Err(self.sources.error(
                        &p_at.child("in"),
                        format!("`in` must be query, header, path, formData or body, not {other:?}"),
                    ));
                }
            }
        }
        if !params.is_empty() {
            out.insert("parameters".into(), Value::Array(params));
        }
        let body_ptr = format!("{ptr}/requestBody");
        match (body, form.first()) {
            (Some((b_at, _)), Some(_)) => {
                return Err(self.sources.error(&b_at, "an operation cannot have both a body and formData parameters"));
            }
            (Some((b_at, b)), None) => {
                out.insert("requestBody".into(), self.body(&body_ptr, &b_at, b, &consumes)?);
            }
            (None, Some(_)) => {
                out.insert("requestBody".into(), self.form(&body_ptr, &form, &consumes)?);
            }
            (None, None) => {}
        }
        if op.contains_key("responses") {
            let responses = self.responses(&format!("{ptr}/responses"), at.child("responses"), &produces)?;
            out.insert("responses".into(), responses);
        }
        Ok(Value::Object(out))
    }

    /// `in: body` → a request body with the parameter's schema for each of `consumes`.
    fn body(&mut self, ptr: &str, at: &Loc, param: &Value, consumes: &[String]) -> Result<Value, SpecError> {
        self.map(ptr, at);
        if param.get("schema").is_none() {
            return Err(self.sources.error(at, "a body parameter needs a `schema`"));
        }
        let mut content = Map::new();
        for media in media_or_json(consumes) {
            let media_ptr = pointer::push(&format!("{ptr}/content"), &media);
            self.map(&media_ptr, at);
            self.map(&format!("{media_ptr}/schema"), &at.child("schema"));
            let mut entry = Map::new();
            entry.insert("schema".into(), Self::refer(&at.child("schema")));
            if let Some(example) = param.get("x-examples").and_then(|e| e.get(&media)) {
                entry.insert("example".into(), example.clone());
            }
            content.insert(media, Value::Object(entry));
        }
        let mut out = Map::new();
        if let Some(description) = param.get("description") {
            out.insert("description".into(), description.clone());
        }
        out.insert("required".into(), json!(param.get("required").and_then(Value::as_bool).unwrap_or(false)));
        out.insert("content".into(), Value::Object(content));
        Ok(Value::Object(out))
    }

    /// `in: formData` parameters → one object schema, sent urlencoded or (with files) multipart.
    fn form(&mut self, ptr: &str, fields: &[(Loc, &Value)], consumes: &[String]) -> Result<Value, SpecError> {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut encoding = Map::new();
        for (at, field) in fields {
            let Some(name) = field.get("name").and_then(Value::as_str) else {
                return Err(self.sources.error(at, "a parameter needs a `name`"));
            };
            let mut schema = self.param_schema(field, at);
            if let (Some(description), Value::Object(s)) = (field.get("description"), &mut schema) {
                s.entry("description").or_insert_with(|| description.clone());
            }
            properties.insert(name.to_string(), schema);
            if field.get("required").and_then(Value::as_bool) == Some(true) {
                required.push(json!(name));
            }
            if field.get("type").and_then(Value::as_str) == Some("array") {
                let explode = field.get("collectionFormat").and_then(Value::as_str) == Some("multi");
                encoding.insert(name.to_string(), json!({ "style": "form", "explode": explode }));
            }
        }
        let has_file = fields.iter().any(|(_, f)| f.get("type").and_then(Value::as_str) == Some("file"));
        let mut media: Vec<String> = consumes
            .iter()
            .filter(|m| {
                let m = m.to_ascii_lowercase();
                m.starts_with("application/x-www-form-urlencoded") || m.starts_with("multipart/form-data")
            })
            .cloned()
            .collect();
        if media.is_empty() {
            let default = if has_file { "multipart/form-data" } else { "application/x-www-form-urlencoded" };
            media.push(default.to_string());
        }
        let mut schema = json!({ "type": "object", "properties": properties });
        if !required.is_empty() {
            schema["required"] = Value::Array(required.clone());
        }
        let mut content = Map::new();
        for m in media {
            let media_ptr = pointer::push(&format!("{ptr}/content"), &m);
            for (at, field) in fields {
                let name = field.get("name").and_then(Value::as_str).unwrap_or_default();
                self.map(&pointer::push(&format!("{media_ptr}/schema/properties"), name), at);
            }
            let mut entry = json!({ "schema": schema });
            if !encoding.is_empty() {
                entry["encoding"] = Value::Object(encoding.clone());
            }
            content.insert(m, entry);
        }
        if let Some((first, _)) = fields.first() {
            self.map(ptr, first);
        }
        Ok(json!({ "required": !required.is_empty(), "content": content }))
    }

    fn responses(&mut self, ptr: &str, at: Loc, produces: &[String]) -> Result<Value, SpecError> {
        let (at, responses) = self.sources.resolve(at)?;
        let Value::Object(responses) = responses else {
            return Err(self.sources.error(&at, "responses must be a map of status codes"));
        };
        self.map(ptr, &at);
        let mut out = Map::new();
        for key in responses.keys().filter(|k| !k.starts_with("x-")) {
            let (r_at, response) = self.sources.resolve(at.child(key))?;
            let converted = self.response(&pointer::push(ptr, key), &r_at, response, produces)?;
            out.insert(key.clone(), converted);
        }
        Ok(Value::Object(out))
    }

    /// A response: its schema for each of `produces`, with the example written for that
    /// media type (`examples` is keyed by media type in 2.0).
    fn response(&mut self, ptr: &str, at: &Loc, response: &Value, produces: &[String]) -> Result<Value, SpecError> {
        self.map(ptr, at);
        let mut out = Map::new();
        out.insert("description".into(), response.get("description").cloned().unwrap_or_else(|| json!("")));
        if let Value::Object(response) = response {
            for (key, value) in response.iter().filter(|(k, _)| k.starts_with("x-")) {
                out.insert(key.clone(), value.clone());
            }
        }
        if let Some(Value::Object(headers)) = response.get("headers") {
            let mut converted = Map::new();
            for name in headers.keys() {
                let (h_at, header) = self.sources.resolve(at.child("headers").child(name))?;
                let h_ptr = pointer::push(&format!("{ptr}/headers"), name);
                self.map(&h_ptr, &h_at);
                self.map(&format!("{h_ptr}/schema"), &h_at);
                let mut h = json!({ "schema": self.param_schema(header, &h_at) });
                for (from, to) in [("description", "description"), ("x-example", "example")] {
                    if let Some(value) = header.get(from) {
                        h[to] = value.clone();
                    }
                }
                converted.insert(name.clone(), h);
            }
            out.insert("headers".into(), Value::Object(converted));
        }
        let examples = response.get("examples").and_then(Value::as_object);
        let has_schema = response.get("schema").is_some();
        let mut media: Vec<String> = if has_schema { media_or_json(produces) } else { Vec::new() };
        for key in examples.into_iter().flat_map(|e| e.keys()) {
            if !media.iter().any(|m| m.eq_ignore_ascii_case(key)) {
                media.push(key.clone());
            }
        }
        let mut content = Map::new();
        for m in media {
            let media_ptr = pointer::push(&format!("{ptr}/content"), &m);
            self.map(&media_ptr, at);
            let mut entry = Map::new();
            if has_schema {
                self.map(&format!("{media_ptr}/schema"), &at.child("schema"));
                entry.insert("schema".into(), Self::refer(&at.child("schema")));
            }
            let example = examples.and_then(|e| e.iter().find(|(k, _)| k.eq_ignore_ascii_case(&m)));
            if let Some((key, value)) = example {
                self.map(&format!("{media_ptr}/example"), &at.child("examples").child(key));
                entry.insert("example".into(), value.clone());
            }
            content.insert(m, Value::Object(entry));
        }
        if !content.is_empty() {
            out.insert("content".into(), Value::Object(content));
        }
        Ok(Value::Object(out))
    }
}

/// The media types to document a body with: those given, else JSON (2.0 has no default;
/// JSON is what nearly every such document means).
fn media_or_json(media: &[String]) -> Vec<String> {
    if media.is_empty() { vec!["application/json".to_string()] } else { media.to_vec() }
}
