//! Sources → [`Api`]: walks `paths`, resolves every `$ref`, and compiles schemas once.

mod content;
mod params;
mod schemes;
mod version;

pub(crate) use version::detect as detect_version;

use std::collections::HashMap;
use std::sync::Arc;

use http::Method;
use serde_json::{Map, Value};

use super::error::SpecError;
use super::error_template::ErrorTemplate;
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

/// Compiles a loaded document into its model.
pub fn compile(sources: &Sources) -> Result<Api, SpecError> {
    let (version, openapi) = version::detect(sources)?;
    let root = sources.root();
    let mut c =
        Compiler { sources, version, schemas: SchemaBuilder::new(sources, version), security_schemes: Vec::new() };
    c.security_schemes = c.security_schemes()?;
    let default_security = match root.get("security") {
        Some(v) => c.requirements(v, &sources.root_loc("/security"))?,
        None => Vec::new(),
    };
    let error_template = error_template(sources, &sources.root_loc(""))?;

    let mut operations = Vec::new();
    if let Some(paths) = root.get("paths") {
        let paths_loc = sources.root_loc("/paths");
        let Value::Object(paths) = paths else {
            return Err(sources.error(&paths_loc, "paths must be a map"));
        };
        let mut shapes: HashMap<String, &str> = HashMap::new();
        for path in paths.keys() {
            if path.starts_with("x-") {
                continue;
            }
            let item_loc = paths_loc.child(path);
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
    let webhooks = super::webhooks::document(sources, &mut c.schemas, &operations)?;
    let schemas = c.schemas.finish()?;
    super::examples::xml_examples(&mut operations, &schemas);
    Ok(Api {
        title,
        source: sources.root_name().to_string(),
        version,
        openapi,
        operations,
        base_paths: base_paths(root),
        base_path_unnamed: root.get("servers").and_then(Value::as_array).is_none_or(|s| s.is_empty()),
        security_schemes: c.security_schemes,
        webhooks,
        error_template,
        schemas,
        warnings: sources.take_warnings(),
    })
}

struct Compiler<'s> {
    sources: &'s Sources,
    version: Version,
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
        let (item_loc, item) = self.sources.resolve(loc.clone())?;
        let Value::Object(item) = item else {
            return Err(self.sources.error(&item_loc, "a path item must be an object"));
        };
        let shared_params = self.param_list(item.get("parameters"), &item_loc.child("parameters"))?;
        for (name, method) in METHODS {
            if !item.contains_key(*name) {
                continue;
            }
            // Operations may be `$ref`s too (`get: {$ref: 'resources/x/get.yml'}`).
            let declared = item_loc.child(name);
            let (op_loc, op) = self.sources.resolve(declared.clone())?;
            let Value::Object(op) = op else {
                return Err(self.sources.error(&op_loc, "an operation must be an object"));
            };
            let at = OperationAt { path, method: method.clone(), loc: op_loc, declared: loc.child(name) };
            out.push(self.operation(at, op, &shared_params, default_security)?);
        }
        Ok(())
    }

    fn operation(
        &mut self,
        at: OperationAt,
        op: &Map<String, Value>,
        shared_params: &[Param],
        default_security: &[Requirement],
    ) -> Result<Operation, SpecError> {
        let OperationAt { path, method, loc, declared } = at;
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
                    example_origin: None,
                    named_examples: Vec::new(),
                });
            }
        }

        let body = match op.get("requestBody") {
            Some(_) => Some(self.request_body(loc.child("requestBody"))?),
            None => None,
        };
        // An operation without responses could only ever answer 404 "documents no responses":
        // a broken document, said at start-up rather than on every request.
        if !op.contains_key("responses") {
            // Named where it is declared, and where its `$ref` led, if it led elsewhere.
            let written = self.sources.describe(&loc);
            let via = if written == self.sources.describe(&declared) { String::new() } else { format!(" ({written})") };
            return Err(self.sources.error(&declared, format!("{method} {path} documents no responses{via}")));
        }
        let responses = self.responses(loc.child("responses"))?;
        if responses.is_empty() {
            return Err(self.sources.error(&loc.child("responses"), format!("{method} {path} documents no responses")));
        }
        self.check_callbacks(op.get("callbacks"), &loc.child("callbacks"))?;
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
            tags: strings("tags"),
            // Where the operation is declared in the root document: meaningful beside its name.
            pointer: self.sources.original(&declared).ptr,
            params,
            body,
            responses,
            security,
            error_template: error_template(self.sources, &loc)?,
            resource_hint: op.get("x-specmock-resource").cloned(),
            hooks: super::webhooks::operation(self.sources, &mut self.schemas, op, &loc)?,
            mock_hints: MockHints {
                rules: op.get("x-specmock-rules").cloned(),
                delay: op.get("x-specmock-delay").cloned(),
            },
        })
    }

    /// Callbacks are not served, but one whose `$ref`s point nowhere is a broken document.
    fn check_callbacks(&self, callbacks: Option<&Value>, loc: &Loc) -> Result<(), SpecError> {
        let Some(Value::Object(callbacks)) = callbacks else { return Ok(()) };
        for name in callbacks.keys() {
            let (cloc, callback) = self.sources.resolve(loc.child(name))?;
            let Value::Object(expressions) = callback else { continue };
            for expression in expressions.keys().filter(|k| !k.starts_with("x-")) {
                let (iloc, item) = self.sources.resolve(cloc.child(expression))?;
                for (method, _) in METHODS {
                    if item.get(*method).is_some() {
                        self.sources.resolve(iloc.child(method))?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Where an operation is: its path and method, where it is written (after `$ref`s), and
/// where it is declared in the document.
struct OperationAt<'p> {
    path: &'p str,
    method: Method,
    loc: Loc,
    declared: Loc,
}

/// Reads `x-specmock-error` at `loc` and checks its shape.
fn error_template(sources: &Sources, loc: &Loc) -> Result<Option<Arc<ErrorTemplate>>, SpecError> {
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
    Ok(Some(Arc::new(ErrorTemplate::parse(value.clone()))))
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
