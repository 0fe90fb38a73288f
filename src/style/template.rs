//! `x-specmock-error`: a document describes its error body once, with placeholders, and
//! every error the mock produces — a validation failure, a missing credential, a missing
//! resource — is rendered in that shape with the real violation in it.
//!
//! ```yaml
//! x-specmock-error:
//!   body: { errors: [ { $each: violations, code: "{{code}}", message: "{{message}}" } ] }
//!   vars:
//!     required: { code: form_param_nil, message: "Enter {{field}}." }
//!     default:  { code: form_param_format_invalid, message: "{{message}}" }
//! ```

use serde_json::{Map, Value};

use crate::validate::Violation;

/// Variables in scope while rendering: later entries shadow earlier ones.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    vars: Vec<(String, Value)>,
}

impl Scope {
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        self.vars.push((name.to_string(), value.into()));
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// What the whole error is about: filled in by whoever answers.
pub struct ErrorFacts<'a> {
    pub status: u16,
    pub method: &'a str,
    pub path: &'a str,
    pub operation_id: &'a str,
    pub violations: &'a [Violation],
}

/// Renders a template (`x-specmock-error`) for these facts.
pub fn render(template: &Value, facts: &ErrorFacts<'_>) -> Value {
    let vars = template.get("vars");
    let per_violation: Vec<Scope> = facts.violations.iter().map(|v| violation_scope(v, vars)).collect();
    let detail =
        per_violation.iter().filter_map(|s| s.get("message").and_then(Value::as_str)).collect::<Vec<_>>().join("; ");

    let mut globals = Scope::default();
    globals.set("status", facts.status);
    globals.set("title", reason(facts.status));
    globals.set("detail", detail);
    globals.set("request_id", crate::generate::fresh_uuid());
    globals.set("timestamp", now_rfc3339());
    globals.set("method", facts.method);
    globals.set("path", facts.path);
    globals.set("operation_id", facts.operation_id);
    globals.set("count", facts.violations.len());

    // The top level speaks of the first violation (Zitadel's single `message`).
    let mut top = globals.clone();
    if let Some(first) = per_violation.first() {
        top.vars.extend(first.vars.iter().cloned());
    }
    let body = template.get("body").unwrap_or(&Value::Null);
    expand(body, &top, &globals, &per_violation)
}

fn violation_scope(v: &Violation, vars: Option<&Value>) -> Scope {
    let mut scope = Scope::default();
    // Never an empty field in a vendor's body: a violation of a whole part names the part.
    let field = if v.field.is_empty() { v.location.as_str() } else { v.field.as_str() };
    scope.set("field", field);
    scope.set("location", v.location.as_str());
    scope.set("in", v.part.as_str());
    scope.set("pointer", v.pointer.as_str());
    scope.set("keyword", v.keyword.as_str());
    scope.set("message", v.message.as_str());
    let extra = vars.and_then(|vars| vars.get(&v.keyword).or_else(|| vars.get("default")));
    if let Some(Value::Object(extra)) = extra {
        // Rendered against the violation's own facts, so `message: "Enter {{field}}."` works.
        let rendered: Vec<(String, Value)> = extra.iter().map(|(k, t)| (k.clone(), interpolate(t, &scope))).collect();
        scope.vars.extend(rendered);
    }
    scope
}

/// Renders a value; arrays whose first element carries `$each: violations` repeat it.
fn expand(template: &Value, scope: &Scope, globals: &Scope, violations: &[Scope]) -> Value {
    match template {
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                match item.get("$each").and_then(Value::as_str) {
                    Some("violations") => {
                        let mut each = item.clone();
                        if let Value::Object(m) = &mut each {
                            m.shift_remove("$each");
                        }
                        for v in violations {
                            let mut inner = globals.clone();
                            inner.vars.extend(v.vars.iter().cloned());
                            out.push(expand(&each, &inner, globals, violations));
                        }
                    }
                    _ => out.push(expand(item, scope, globals, violations)),
                }
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), expand(v, scope, globals, violations));
            }
            Value::Object(out)
        }
        other => interpolate(other, scope),
    }
}

/// `"{{x}}"` becomes the value of `x` (keeping its type); `"a {{x}} b"` becomes text.
pub fn interpolate(template: &Value, scope: &Scope) -> Value {
    match template {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("{{").and_then(|r| r.strip_suffix("}}"))
                && !name.contains("{{")
            {
                return scope.get(name.trim()).cloned().unwrap_or(Value::String(String::new()));
            }
            if !s.contains("{{") {
                return template.clone();
            }
            let mut out = String::with_capacity(s.len());
            let mut rest = s.as_str();
            while let Some(start) = rest.find("{{") {
                out.push_str(&rest[..start]);
                let Some(len) = rest[start..].find("}}") else {
                    out.push_str(&rest[start..]);
                    rest = "";
                    break;
                };
                let name = rest[start + 2..start + len].trim();
                match scope.get(name) {
                    Some(Value::String(v)) => out.push_str(v),
                    Some(Value::Null) | None => {}
                    Some(v) => out.push_str(&v.to_string()),
                }
                rest = &rest[start + len + 2..];
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| interpolate(i, scope)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), interpolate(v, scope))).collect()),
        other => other.clone(),
    }
}

/// A documented example with fresh per-request values where the template has them: a
/// vendor's example carries one fixed request id and timestamp, and a mock that answers every
/// 401 with the same "unique" id looks replayed. `None` when nothing needed refreshing.
pub fn refresh_example(example: &Value, template: &Value) -> Option<Value> {
    fn walk(example: &mut Value, template: &Value) -> bool {
        match (example, template) {
            (Value::Object(e), Value::Object(t)) => {
                let mut changed = false;
                for (key, inner) in t {
                    if let Some(value) = e.get_mut(key) {
                        changed |= walk(value, inner);
                    }
                }
                changed
            }
            (value @ Value::String(_), Value::String(placeholder)) => {
                let fresh = match placeholder.as_str() {
                    "{{request_id}}" => crate::generate::fresh_uuid(),
                    "{{timestamp}}" => now_rfc3339(),
                    _ => return false,
                };
                *value = Value::String(fresh);
                true
            }
            _ => false,
        }
    }
    let mut refreshed = example.clone();
    walk(&mut refreshed, template.get("body")?).then_some(refreshed)
}

pub fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error")
}

pub fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    // Millisecond precision, as the vendors write it (2024-01-05T14:48:00.000Z).
    format!("{:.3}", now)
}
