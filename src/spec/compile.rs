//! Sources → [`Api`]: walks `paths`, resolves every `$ref`, and compiles schemas once.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use serde_json::{Map, Value};

use super::dialect::Side;
use super::error::SpecError;
use super::load::{Loc, Sources};
use super::model::*;
use super::schemas::SchemaBuilder;
use super::template::{self, template_params};

const METHODS: &[(&str, Method)] = &[
    ("get", Method::GET),
    ("put", Method::PUT),
    ("post", Method::POST),
    ("delete", Method::DELETE),
    ("options", Method::OPTIONS),
    ("head", Method::HEAD),
    ("patch", Method::PATCH),
    ("trace", Method::TRACE),
];

/// Reads the `openapi`/`swagger` field and refuses what we do not serve.
pub fn detect_version(sources: &Sources) -> Result<(Version, String), SpecError> {
    let root = sources.root();
    let name = sources.name(0);
    if let Some(swagger) = root.get("swagger") {
        let v = swagger.as_str().map(str::to_string).unwrap_or_else(|| swagger.to_string());
        return Err(SpecError::at(
            name,
            "/swagger",
            format!(
                "Swagger {v} documents are not supported (only OpenAPI 3.0, 3.1 and 3.2); convert it to OpenAPI 3 first, e.g. with `npx swagger2openapi`"
            ),
        ));
    }
    let Some(openapi) = root.get("openapi") else {
        return Err(SpecError::file(name, "not an OpenAPI document: it has no `openapi` field"));
    };
    // A YAML `openapi: 3.1` is a number; its text is still the version.
    let text = openapi.as_str().map(str::to_string).unwrap_or_else(|| openapi.to_string());
    let Some(version) = version_line(&text) else {
        return Err(SpecError::at(
            name,
            "/openapi",
            format!("OpenAPI version {text} is not supported (only 3.0.x, 3.1.x and 3.2.x)"),
        ));
    };
    Ok((version, text))
}

/// `3.0.x` → 3.0 rules; `3.1.x` and `3.2.x` → 3.1 rules (3.2 only adds to 3.1). The patch
/// part may be missing (`3.1`) but not malformed: `3.10` is not 3.1.
fn version_line(text: &str) -> Option<Version> {
    let mut parts = text.trim().splitn(3, '.');
    let (major, minor, patch) = (parts.next()?, parts.next()?, parts.next());
    let patch_ok = patch.is_none_or(|p| p.starts_with(|c: char| c.is_ascii_digit()));
    match (major, minor) {
        ("3", "0") if patch_ok => Some(Version::V30),
        ("3", "1" | "2") if patch_ok => Some(Version::V31),
        _ => None,
    }
}

/// Compiles a loaded document into its model.
pub fn compile(sources: &Sources) -> Result<Api, SpecError> {
    let (version, openapi) = detect_version(sources)?;
    let root = sources.root();
    let mut c = Compiler { sources, schemas: SchemaBuilder::new(sources, version), security_schemes: Vec::new() };
    c.security_schemes = c.security_schemes()?;
    let default_security = match root.get("security") {
        Some(v) => c.requirements(v, &Loc::new(0, "/security"))?,
        None => Vec::new(),
    };
    let error_template = error_template(sources, &Loc::new(0, ""))?;

    let mut operations = Vec::new();
    if let Some(paths) = root.get("paths") {
        let Value::Object(paths) = paths else {
            return Err(sources.error(&Loc::new(0, "/paths"), "paths must be a map"));
        };
        let mut shapes: HashMap<String, &str> = HashMap::new();
        for path in paths.keys() {
            let item_loc = Loc::new(0, "/paths").child(path);
            if !path.starts_with('/') {
                return Err(sources.error(&item_loc, format!("path '{path}' must start with '/'")));
            }
            template::check(path)
                .map_err(|why| sources.error(&item_loc, format!("path '{path}' is not a valid template: {why}")))?;
            if let Some(first) = shapes.insert(template::shape(path), path) {
                return Err(sources.error(
                    &item_loc,
                    format!("path '{path}' matches the same requests as '{first}' (only the variable names differ)"),
                ));
            }
            c.path_item(path, item_loc, &default_security, &mut operations)?;
        }
    }

    let title = root.pointer("/info/title").and_then(Value::as_str).unwrap_or("untitled").to_string();
    let schemas = c.schemas.finish()?;
    Ok(Api {
        title,
        source: sources.name(0).to_string(),
        version,
        openapi,
        operations,
        base_paths: base_paths(root),
        security_schemes: c.security_schemes,
        error_template,
        schemas,
    })
}

struct Compiler<'s> {
    sources: &'s Sources,
    schemas: SchemaBuilder<'s>,
    security_schemes: Vec<SecurityScheme>,
}

impl<'s> Compiler<'s> {
    fn path_item(
        &mut self,
        path: &str,
        loc: Loc,
        default_security: &[Requirement],
        out: &mut Vec<Operation>,
    ) -> Result<(), SpecError> {
        let (item_loc, item) = self.sources.resolve(loc)?;
        let Value::Object(item) = item else {
            return Err(self.sources.error(&item_loc, "a path item must be an object"));
        };
        let shared_params = self.param_list(item.get("parameters"), &item_loc.child("parameters"))?;
        for (name, method) in METHODS {
            let Some(op) = item.get(*name) else { continue };
            let op_loc = item_loc.child(name);
            let Value::Object(op) = op else {
                return Err(self.sources.error(&op_loc, "an operation must be an object"));
            };
            out.push(self.operation(path, method.clone(), op, &op_loc, &shared_params, default_security)?);
        }
        Ok(())
    }

    fn operation(
        &mut self,
        path: &str,
        method: Method,
        op: &Map<String, Value>,
        loc: &Loc,
        shared_params: &[Param],
        default_security: &[Requirement],
    ) -> Result<Operation, SpecError> {
        let own = self.param_list(op.get("parameters"), &loc.child("parameters"))?;
        // Operation parameters override path-level ones with the same name and location.
        let mut params: Vec<Param> = Vec::new();
        for shared in shared_params {
            if !own.iter().any(|p| p.name == shared.name && p.location == shared.location) {
                params.push(shared.clone());
            }
        }
        params.extend(own);
        for name in template_params(path) {
            if !params.iter().any(|p| p.location == ParamIn::Path && p.name == name) {
                // Undeclared template variables still have to be matched; treat them as strings.
                params.push(Param {
                    name,
                    location: ParamIn::Path,
                    required: true,
                    style: Style::Simple,
                    explode: false,
                    schema: None,
                    content_type: None,
                    example: None,
                    named_examples: Vec::new(),
                });
            }
        }

        let body = match op.get("requestBody") {
            Some(_) => Some(self.request_body(loc.child("requestBody"))?),
            None => None,
        };
        let responses = self.responses(op.get("responses"), &loc.child("responses"))?;
        let security = match op.get("security") {
            Some(v) => self.requirements(v, &loc.child("security"))?,
            None => default_security.to_vec(),
        };
        let strings = |key: &str| -> Vec<String> {
            op.get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default()
        };
        let operation_id = op.get("operationId").and_then(Value::as_str).map(str::to_string);
        let label: Arc<str> = match &operation_id {
            Some(id) => id.as_str().into(),
            None => format!("{method} {path}").into(),
        };
        Ok(Operation {
            method,
            path: path.to_string(),
            operation_id,
            label,
            summary: op.get("summary").and_then(Value::as_str).map(str::to_string),
            tags: strings("tags"),
            pointer: loc.ptr.clone(),
            params,
            body,
            responses,
            security,
            error_template: error_template(self.sources, loc)?,
            resource_hint: op.get("x-specmock-resource").cloned(),
            mock_hints: MockHints {
                rules: op.get("x-specmock-rules").cloned(),
                delay: op.get("x-specmock-delay").cloned(),
            },
        })
    }

    fn param_list(&mut self, list: Option<&Value>, loc: &Loc) -> Result<Vec<Param>, SpecError> {
        let Some(list) = list else { return Ok(Vec::new()) };
        let Value::Array(items) = list else {
            return Err(self.sources.error(loc, "parameters must be an array"));
        };
        (0..items.len()).map(|i| self.param(&loc.child(&i.to_string()))).collect()
    }

    fn param(&mut self, loc: &Loc) -> Result<Param, SpecError> {
        let (loc, p) = self.sources.resolve(loc.clone())?;
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| self.sources.error(&loc, "a parameter needs a `name`"))?
            .to_string();
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => ParamIn::Path,
            Some("query") => ParamIn::Query,
            Some("header") => ParamIn::Header,
            Some("cookie") => ParamIn::Cookie,
            other => {
                return Err(self.sources.error(
                    &loc,
                    format!("parameter '{name}': `in` must be path, query, header or cookie, not {other:?}"),
                ));
            }
        };
        let style = match p.get("style").and_then(Value::as_str) {
            Some("simple") => Style::Simple,
            Some("form") => Style::Form,
            Some("label") => Style::Label,
            Some("matrix") => Style::Matrix,
            Some("spaceDelimited") => Style::SpaceDelimited,
            Some("pipeDelimited") => Style::PipeDelimited,
            Some("deepObject") => Style::DeepObject,
            Some(other) => return Err(self.sources.error(&loc.child("style"), format!("unknown style '{other}'"))),
            None if matches!(location, ParamIn::Query | ParamIn::Cookie) => Style::Form,
            None => Style::Simple,
        };
        let explode = p.get("explode").and_then(Value::as_bool).unwrap_or(style == Style::Form);
        let (schema, content_type) = if p.get("schema").is_some() {
            (Some(self.schemas.add(loc.child("schema"), Side::Request)?), None)
        } else if let Some(Value::Object(content)) = p.get("content") {
            match content.iter().next() {
                Some((media, m)) if m.get("schema").is_some() => {
                    let at = loc.child("content").child(media).child("schema");
                    (Some(self.schemas.add(at, Side::Request)?), Some(media.to_ascii_lowercase()))
                }
                Some((media, _)) => (None, Some(media.to_ascii_lowercase())),
                None => (None, None),
            }
        } else {
            (None, None)
        };
        let mut named_examples = Vec::new();
        if let Some(Value::Object(examples)) = p.get("examples") {
            for key in examples.keys() {
                // An example that cannot be resolved only goes unused, as before.
                if let Ok((_, ex)) = self.sources.resolve(loc.child("examples").child(key))
                    && let Some(value) = ex.get("value")
                {
                    named_examples.push((key.clone(), value.clone()));
                }
            }
        }
        let example = p.get("example").cloned().or_else(|| named_examples.first().map(|(_, v)| v.clone()));
        Ok(Param {
            required: location == ParamIn::Path || p.get("required").and_then(Value::as_bool).unwrap_or(false),
            name,
            location,
            style,
            explode,
            schema,
            content_type,
            example,
            named_examples,
        })
    }

    fn request_body(&mut self, loc: Loc) -> Result<RequestBody, SpecError> {
        let (loc, body) = self.sources.resolve(loc)?;
        let required = body.get("required").and_then(Value::as_bool).unwrap_or(false);
        let content = self.content(body.get("content"), &loc.child("content"), Side::Request)?;
        Ok(RequestBody { required, content })
    }

    fn responses(&mut self, responses: Option<&Value>, loc: &Loc) -> Result<Vec<Response>, SpecError> {
        let Some(responses) = responses else { return Ok(Vec::new()) };
        let Value::Object(map) = responses else {
            return Err(self.sources.error(loc, "responses must be a map of status codes"));
        };
        let mut out = Vec::new();
        for key in map.keys() {
            if key.starts_with("x-") {
                continue;
            }
            let status = parse_status(key).ok_or_else(|| {
                self.sources
                    .error(&loc.child(key), format!("'{key}' is not a status code, a range like 4XX, or default"))
            })?;
            let (rloc, r) = self.sources.resolve(loc.child(key))?;
            let mut headers = Vec::new();
            if let Some(Value::Object(hs)) = r.get("headers") {
                for name in hs.keys() {
                    let (hloc, h) = self.sources.resolve(rloc.child("headers").child(name))?;
                    let schema = match h.get("schema") {
                        Some(_) => Some(self.schemas.add(hloc.child("schema"), Side::Response)?),
                        None => None,
                    };
                    headers.push(HeaderDef {
                        name: name.to_ascii_lowercase(),
                        required: h.get("required").and_then(Value::as_bool).unwrap_or(false),
                        schema,
                        example: h.get("example").cloned().or_else(|| h.pointer("/schema/example").cloned()),
                    });
                }
            }
            out.push(Response {
                status,
                description: r.get("description").and_then(Value::as_str).unwrap_or("").to_string(),
                headers,
                content: self.content(r.get("content"), &rloc.child("content"), Side::Response)?,
                pointer: rloc.ptr.clone(),
            });
        }
        out.sort_by_key(|r| r.status);
        Ok(out)
    }

    fn content(&mut self, content: Option<&Value>, loc: &Loc, side: Side) -> Result<Vec<MediaType>, SpecError> {
        let Some(content) = content else { return Ok(Vec::new()) };
        let Value::Object(map) = content else {
            return Err(self.sources.error(loc, "content must be a map of media types"));
        };
        let mut out = Vec::new();
        for (name, media) in map {
            let mloc = loc.child(name);
            let name = name.to_ascii_lowercase();
            let schema = match media.get("schema") {
                Some(_) => Some(self.schemas.add(mloc.child("schema"), side)?),
                None => None,
            };
            let examples = self.examples(media, &mloc, &name)?;
            let content_type = http::HeaderValue::from_str(concrete_type(&name))
                .unwrap_or(http::HeaderValue::from_static("application/octet-stream"));
            out.push(MediaType { name, content_type, schema, examples });
        }
        Ok(out)
    }

    /// `example`, then `examples`, then the schema's own `example`/`examples`.
    fn examples(&self, media: &Value, loc: &Loc, media_name: &str) -> Result<Vec<Example>, SpecError> {
        let mut out = Vec::new();
        if let Some(value) = media.get("example") {
            out.push(example("default", value.clone(), media_name));
        }
        if let Some(Value::Object(named)) = media.get("examples") {
            for key in named.keys() {
                let (_, ex) = self.sources.resolve(loc.child("examples").child(key))?;
                // externalValue points outside the document; it has no value we can serve.
                if let Some(value) = ex.get("value") {
                    out.push(example(key, value.clone(), media_name));
                }
            }
        }
        if out.is_empty()
            && media.get("schema").is_some()
            && let Ok((_, schema)) = self.sources.resolve(loc.child("schema"))
        {
            let own = schema
                .get("example")
                .or_else(|| schema.get("examples").and_then(Value::as_array).and_then(|a| a.first()));
            if let Some(value) = own {
                out.push(example("schema", value.clone(), media_name));
            }
        }
        Ok(out)
    }

    fn security_schemes(&self) -> Result<Vec<SecurityScheme>, SpecError> {
        let Some(Value::Object(map)) = self.sources.root().pointer("/components/securitySchemes") else {
            return Ok(Vec::new());
        };
        let base = Loc::new(0, "/components/securitySchemes");
        let mut out = Vec::new();
        for name in map.keys() {
            let (loc, s) = self.sources.resolve(base.child(name))?;
            let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
            let kind = match field("type") {
                "http" => match field("scheme").to_ascii_lowercase().as_str() {
                    "bearer" => SchemeKind::Bearer,
                    "basic" => SchemeKind::Basic,
                    other => SchemeKind::Http(other.to_string()),
                },
                "apiKey" => {
                    let location = match field("in") {
                        "header" => ParamIn::Header,
                        "query" => ParamIn::Query,
                        "cookie" => ParamIn::Cookie,
                        other => {
                            return Err(self.sources.error(
                                &loc.child("in"),
                                format!("apiKey `in` must be header, query or cookie, not '{other}'"),
                            ));
                        }
                    };
                    let key_name = field("name");
                    if key_name.is_empty() {
                        return Err(self.sources.error(&loc, "an apiKey scheme needs a `name`"));
                    }
                    SchemeKind::ApiKey { location, name: key_name.to_string() }
                }
                "oauth2" => SchemeKind::OAuth2,
                "openIdConnect" => SchemeKind::OpenIdConnect,
                "mutualTLS" => SchemeKind::MutualTls,
                other => {
                    return Err(self
                        .sources
                        .error(&loc.child("type"), format!("unknown security scheme type '{other}'")));
                }
            };
            out.push(SecurityScheme { name: name.clone(), kind });
        }
        Ok(out)
    }

    fn requirements(&self, value: &Value, loc: &Loc) -> Result<Vec<Requirement>, SpecError> {
        let Value::Array(sets) = value else {
            return Err(self.sources.error(loc, "security must be an array of requirement objects"));
        };
        let mut out = Vec::new();
        for (i, set) in sets.iter().enumerate() {
            let set_loc = loc.child(&i.to_string());
            let Value::Object(set) = set else {
                return Err(self.sources.error(&set_loc, "a security requirement must be an object"));
            };
            let mut req = Requirement::default();
            for (name, scopes) in set {
                let index = self.security_schemes.iter().position(|s| &s.name == name).ok_or_else(|| {
                    self.sources.error(
                        &set_loc.child(name),
                        format!("security scheme '{name}' is not defined in components/securitySchemes"),
                    )
                })?;
                let scopes = scopes
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string).collect())
                    .unwrap_or_default();
                req.schemes.push((index, scopes));
            }
            out.push(req);
        }
        Ok(out)
    }
}

fn example(name: &str, value: Value, media: &str) -> Example {
    let bytes = match (&value, media.starts_with("text/") && !is_json_media(media)) {
        (Value::String(s), true) => Bytes::from(s.clone()),
        _ => Bytes::from(serde_json::to_vec(&value).unwrap_or_default()),
    };
    Example { name: name.to_string(), value, bytes }
}

fn parse_status(key: &str) -> Option<StatusKey> {
    if key == "default" {
        return Some(StatusKey::Default);
    }
    let bytes = key.as_bytes();
    if bytes.len() == 3 && bytes[1..].eq_ignore_ascii_case(b"XX") && (b'1'..=b'5').contains(&bytes[0]) {
        return Some(StatusKey::Range(bytes[0] - b'0'));
    }
    match key.parse::<u16>() {
        Ok(code) if (100..=599).contains(&code) => Some(StatusKey::Exact(code)),
        _ => None,
    }
}

/// Reads `x-specmock-error` at `loc` and checks its shape.
fn error_template(sources: &Sources, loc: &Loc) -> Result<Option<Arc<Value>>, SpecError> {
    let Some(value) = sources.get(loc).and_then(|v| v.get("x-specmock-error")) else {
        return Ok(None);
    };
    let at = loc.child("x-specmock-error");
    if value.get("body").is_none() {
        return Err(sources.error(&at, "x-specmock-error needs a `body` template"));
    }
    if let Some(vars) = value.get("vars")
        && !vars.is_object()
    {
        return Err(sources.error(&at.child("vars"), "vars must be a map from keyword to variables"));
    }
    Ok(Some(Arc::new(value.clone())))
}

/// `/v1` from `https://api.clerk.com/v1`, `/api` from `/api`; nothing for bare hosts.
fn base_paths(root: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for server in root.get("servers").and_then(Value::as_array).into_iter().flatten() {
        let Some(url) = server.get("url").and_then(Value::as_str) else { continue };
        let path = match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or(""),
            None => url,
        };
        let path = path.split(['?', '#']).next().unwrap_or("").trim_end_matches('/');
        if path.starts_with('/') && !path.contains('{') && !out.iter().any(|p| p == path) {
            out.push(path.to_string());
        }
    }
    out
}
