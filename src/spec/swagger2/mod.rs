//! Swagger 2.0 → the OpenAPI 3.0 shape, in memory, before compiling.
//!
//! The converted document is a *derived* file (see `load.rs`): it holds the servers, paths,
//! operations, parameters, request bodies, responses and security schemes in their 3.0
//! shape. Schemas are not copied: the converted document refers to them where they were
//! written (`definitions`, a body parameter, a response, another file), so they keep their
//! own relative `$ref`s and every schema message names the original file and pointer.
//! Every other converted part is mapped back to where it was written as well.

mod operation;
mod params;

use serde_json::{Map, Value, json};

use super::error::SpecError;
use super::load::{Loc, Origins, Sources};
use super::pointer;

/// The methods a Swagger 2.0 path item may hold.
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];
/// Top-level fields that mean the same in both versions.
const KEPT: &[&str] = &["info", "tags", "externalDocs", "security"];

/// Converts the document if it is Swagger 2.0; leaves any other document alone.
pub fn convert(sources: &mut Sources) -> Result<(), SpecError> {
    let is_swagger2 = match sources.root().get("swagger") {
        Some(Value::String(v)) => v.trim() == "2.0",
        Some(Value::Number(n)) => n.as_f64() == Some(2.0),
        _ => false,
    };
    if !is_swagger2 {
        return Ok(());
    }
    let mut converter = Converter { sources, origins: Origins::new(), consumes: Vec::new(), produces: Vec::new() };
    let root = converter.document()?;
    let origins = converter.origins;
    sources.derive(root, origins);
    Ok(())
}

struct Converter<'s> {
    sources: &'s Sources,
    /// Converted pointer → where that part was written.
    origins: Origins,
    /// The document's default media types (operations may override them).
    consumes: Vec<String>,
    produces: Vec<String>,
}

impl<'s> Converter<'s> {
    fn document(&mut self) -> Result<Value, SpecError> {
        let at = self.sources.original_root();
        let Some(Value::Object(root)) = self.sources.get(&at) else {
            return Err(self.sources.error(&at, "the document is not a mapping"));
        };
        let mut out = Map::new();
        out.insert("swagger".into(), json!("2.0"));
        for (key, value) in root {
            if KEPT.contains(&key.as_str()) || key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
        }
        if let Some(servers) = self.servers(root) {
            out.insert("servers".into(), servers);
        }
        self.consumes = self.media_list(root.get("consumes"), &at.child("consumes"))?.unwrap_or_default();
        self.produces = self.media_list(root.get("produces"), &at.child("produces"))?.unwrap_or_default();
        if let Some(definitions) = root.get("securityDefinitions") {
            let schemes = self.security_definitions(definitions, &at.child("securityDefinitions"))?;
            out.insert("components".into(), json!({ "securitySchemes": schemes }));
        }
        if let Some(paths) = root.get("paths") {
            let paths_at = at.child("paths");
            let Value::Object(paths) = paths else {
                return Err(self.sources.error(&paths_at, "paths must be a map"));
            };
            let mut converted = Map::new();
            for key in paths.keys().filter(|k| !k.starts_with("x-")) {
                let ptr = pointer::push("/paths", key);
                converted.insert(key.clone(), self.path_item(&ptr, paths_at.child(key))?);
            }
            out.insert("paths".into(), Value::Object(converted));
        }
        Ok(Value::Object(out))
    }

    /// `host` + `basePath` + `schemes` → `servers`. Without `schemes`, the scheme the
    /// document was fetched with (2.0's rule), else https.
    fn servers(&self, root: &Map<String, Value>) -> Option<Value> {
        let base = root.get("basePath").and_then(Value::as_str).unwrap_or("");
        let Some(host) = root.get("host").and_then(Value::as_str) else {
            return (!base.is_empty()).then(|| json!([{ "url": base }]));
        };
        let mut schemes: Vec<&str> =
            root.get("schemes").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        if schemes.is_empty() {
            schemes.push(self.sources.url_scheme().unwrap_or("https"));
        }
        let urls: Vec<Value> = schemes.iter().map(|s| json!({ "url": format!("{s}://{host}{base}") })).collect();
        Some(Value::Array(urls))
    }

    /// `securityDefinitions` → `components/securitySchemes`.
    fn security_definitions(&mut self, definitions: &Value, at: &Loc) -> Result<Value, SpecError> {
        let Value::Object(definitions) = definitions else {
            return Err(self.sources.error(at, "securityDefinitions must be a map"));
        };
        self.map("/components/securitySchemes", at);
        let mut out = Map::new();
        for (name, definition) in definitions {
            let here = at.child(name);
            self.map(&pointer::push("/components/securitySchemes", name), &here);
            let field = |k: &str| definition.get(k).cloned().unwrap_or(Value::Null);
            let mut scheme = match definition.get("type").and_then(Value::as_str) {
                Some("basic") => json!({ "type": "http", "scheme": "basic" }),
                Some("apiKey") => json!({ "type": "apiKey", "name": field("name"), "in": field("in") }),
                Some("oauth2") => {
                    let flow = match definition.get("flow").and_then(Value::as_str) {
                        Some("implicit") => "implicit",
                        Some("password") => "password",
                        Some("application") => "clientCredentials",
                        Some("accessCode") => "authorizationCode",
                        other => {
                            return Err(self.sources.error(
                                &here.child("flow"),
                                format!(
                                    "oauth2 `flow` must be implicit, password, application or accessCode, not {other:?}"
                                ),
                            ));
                        }
                    };
                    let mut settings = Map::new();
                    for key in ["authorizationUrl", "tokenUrl"] {
                        if let Some(url) = definition.get(key) {
                            settings.insert(key.into(), url.clone());
                        }
                    }
                    settings.insert("scopes".into(), definition.get("scopes").cloned().unwrap_or_else(|| json!({})));
                    json!({ "type": "oauth2", "flows": { flow: settings } })
                }
                // Anything else is refused by the compiler, at this scheme's pointer.
                _ => definition.clone(),
            };
            if let (Some(description), Value::Object(s)) = (definition.get("description"), &mut scheme) {
                s.insert("description".into(), description.clone());
            }
            out.insert(name.clone(), scheme);
        }
        Ok(Value::Object(out))
    }

    fn path_item(&mut self, ptr: &str, at: Loc) -> Result<Value, SpecError> {
        let (at, item) = self.sources.resolve(at)?;
        let Value::Object(item) = item else {
            return Err(self.sources.error(&at, "a path item must be an object"));
        };
        self.map(ptr, &at);
        let shared = self.resolved_list(item.get("parameters"), &at.child("parameters"))?;
        let mut out = Map::new();
        for (key, value) in item {
            if key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
        }
        for method in METHODS.iter().filter(|m| item.contains_key(**m)) {
            let (op_at, op) = self.sources.resolve(at.child(method))?;
            let Value::Object(op) = op else {
                return Err(self.sources.error(&op_at, "an operation must be an object"));
            };
            let converted = self.operation(&pointer::push(ptr, method), &op_at, op, &shared)?;
            out.insert((*method).to_string(), converted);
        }
        Ok(Value::Object(out))
    }

    /// A list whose entries may be `$ref`s (parameters), each resolved to where it is written.
    fn resolved_list(&self, list: Option<&Value>, at: &Loc) -> Result<Vec<(Loc, &'s Value)>, SpecError> {
        let Some(list) = list else { return Ok(Vec::new()) };
        let Value::Array(items) = list else {
            return Err(self.sources.error(at, "parameters must be an array"));
        };
        (0..items.len()).map(|i| self.sources.resolve(at.child(&i.to_string()))).collect()
    }

    /// `consumes`/`produces`: a list of media types, if given.
    fn media_list(&self, value: Option<&Value>, at: &Loc) -> Result<Option<Vec<String>>, SpecError> {
        let Some(value) = value else { return Ok(None) };
        let list = value.as_array().and_then(|a| a.iter().map(|m| m.as_str().map(str::to_string)).collect());
        match list {
            Some(list) => Ok(Some(list)),
            None => Err(self.sources.error(at, "must be a list of media types")),
        }
    }

    /// Records that the converted `ptr` was written at `at`.
    fn map(&mut self, ptr: &str, at: &Loc) {
        self.origins.insert(ptr.to_string(), at.clone());
    }

    /// A `$ref` to where something is written, usable from the converted document.
    fn refer(at: &Loc) -> Value {
        json!({ "$ref": Sources::internal_ref(at) })
    }
}
