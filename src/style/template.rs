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

use std::cell::OnceCell;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::spec::error_template::{ErrorTemplate, Item, Node, Piece, Vars};
use crate::validate::Violation;

/// What the whole error is about: filled in by whoever answers.
pub struct ErrorFacts<'a> {
    pub status: http::StatusCode,
    pub method: &'a str,
    pub path: &'a str,
    pub operation_id: &'a str,
    pub violations: &'a [Violation],
}

/// Renders a template (`x-specmock-error`) for these facts, straight to JSON bytes: fixed
/// parts are written as they are, placeholders looked up — no intermediate tree.
pub fn render(template: &ErrorTemplate, facts: &ErrorFacts<'_>) -> Vec<u8> {
    let each: Vec<Each<'_>> = facts
        .violations
        .iter()
        .map(|v| Each {
            violation: v,
            // Never an empty field in a vendor's body: a violation of a whole part names the part.
            field: if v.field.is_empty() { v.location.as_str() } else { v.field.as_str() },
            vars: template.vars_for(v.keyword.as_str()),
        })
        .collect();
    let globals =
        Globals { facts, each, request_id: OnceCell::new(), timestamp: OnceCell::new(), detail: OnceCell::new() };
    // The top level speaks of the first violation (Zitadel's single `message`).
    let top = Scope { globals: &globals, each: globals.each.first(), own_facts_only: false };
    serde_json::to_vec(&Render { node: &template.body, scope: top }).unwrap_or_default()
}

/// One violation as templates see it.
struct Each<'a> {
    violation: &'a Violation,
    field: &'a str,
    /// The template's variables for its keyword.
    vars: Option<&'a Vars>,
}

/// Facts of the whole error; the costly ones made only if a template asks for them.
struct Globals<'a> {
    facts: &'a ErrorFacts<'a>,
    each: Vec<Each<'a>>,
    request_id: OnceCell<String>,
    timestamp: OnceCell<String>,
    detail: OnceCell<String>,
}

/// Where a placeholder is looked up: a violation's variables and facts, then the error's.
#[derive(Clone, Copy)]
struct Scope<'s> {
    globals: &'s Globals<'s>,
    each: Option<&'s Each<'s>>,
    /// A keyword's variables see only their violation's own facts (`message: "Enter {{field}}."`).
    own_facts_only: bool,
}

/// A variable's value.
enum Val<'s> {
    Str(&'s str),
    Num(u64),
    /// A keyword's variable: a template rendered against its violation's own facts.
    Node(&'s Node, Scope<'s>),
}

impl<'s> Scope<'s> {
    fn get(&self, name: &str) -> Option<Val<'s>> {
        if let Some(each) = self.each {
            if !self.own_facts_only
                && let Some((_, node)) = each.vars.and_then(|vars| vars.iter().find(|(k, _)| k == name))
            {
                return Some(Val::Node(node, Scope { own_facts_only: true, ..*self }));
            }
            let v = each.violation;
            let own = match name {
                "field" => Some(each.field),
                "location" => Some(v.location.as_str()),
                "in" => Some(v.part.as_str()),
                "pointer" => Some(v.pointer.as_str()),
                "keyword" => Some(v.keyword.as_str()),
                "message" => Some(v.message.as_str()),
                _ => None,
            };
            if let Some(s) = own {
                return Some(Val::Str(s));
            }
        }
        if self.own_facts_only {
            return None;
        }
        let g = self.globals;
        Some(match name {
            "status" => Val::Num(u64::from(g.facts.status.as_u16())),
            "title" => Val::Str(g.facts.status.canonical_reason().unwrap_or("Error")),
            "detail" => Val::Str(g.detail.get_or_init(|| g.detail())),
            "request_id" => Val::Str(g.request_id.get_or_init(crate::generate::fresh_uuid)),
            "timestamp" => Val::Str(g.timestamp.get_or_init(now_rfc3339)),
            "method" => Val::Str(g.facts.method),
            "path" => Val::Str(g.facts.path),
            "operation_id" => Val::Str(g.facts.operation_id),
            "count" => Val::Num(g.facts.violations.len() as u64),
            _ => return None,
        })
    }
}

impl Globals<'_> {
    /// Every violation's message as its template words it, joined.
    fn detail(&self) -> String {
        let scopes = self.each.iter().map(|each| Scope { globals: self, each: Some(each), own_facts_only: false });
        scopes.filter_map(|scope| scope.get("message").map(|message| text_of(&message))).collect::<Vec<_>>().join("; ")
    }
}

/// A value as text: strings as they are, anything else as JSON.
fn text_of(value: &Val<'_>) -> String {
    match value {
        Val::Str(s) => s.to_string(),
        Val::Num(n) => n.to_string(),
        Val::Node(Node::Fixed(Value::String(s)), _) => s.clone(),
        Val::Node(Node::Fixed(other), _) => other.to_string(),
        Val::Node(node @ (Node::Whole(_) | Node::Text(_)), scope) => {
            match serde_json::to_value(Render { node, scope: *scope }) {
                Ok(Value::String(s)) => s,
                Ok(other) => other.to_string(),
                Err(_) => String::new(),
            }
        }
        Val::Node(node, scope) => serde_json::to_string(&Render { node, scope: *scope }).unwrap_or_default(),
    }
}

/// A template node rendered in a scope, serialized as it is walked.
struct Render<'s> {
    node: &'s Node,
    scope: Scope<'s>,
}

impl Serialize for Render<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.node {
            Node::Fixed(value) => value.serialize(serializer),
            Node::Whole(name) => match self.scope.get(name) {
                Some(Val::Str(s)) => serializer.serialize_str(s),
                Some(Val::Num(n)) => serializer.serialize_u64(n),
                Some(Val::Node(node, scope)) => Render { node, scope }.serialize(serializer),
                None => serializer.serialize_str(""),
            },
            Node::Text(pieces) => {
                let mut out = String::new();
                for piece in pieces {
                    match piece {
                        Piece::Literal(text) => out.push_str(text),
                        Piece::Var(name) => {
                            if let Some(value) = self.scope.get(name) {
                                out.push_str(&text_of(&value));
                            }
                        }
                    }
                }
                serializer.serialize_str(&out)
            }
            Node::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, node) in entries {
                    map.serialize_entry(key, &Render { node, scope: self.scope })?;
                }
                map.end()
            }
            Node::Array(items) => {
                let mut seq = serializer.serialize_seq(None)?;
                for item in items {
                    match item {
                        Item::One(node) => seq.serialize_element(&Render { node, scope: self.scope })?,
                        Item::Each(node) => {
                            for each in &self.scope.globals.each {
                                let scope = Scope { each: Some(each), own_facts_only: false, ..self.scope };
                                seq.serialize_element(&Render { node, scope })?;
                            }
                        }
                    }
                }
                seq.end()
            }
        }
    }
}

/// A documented example with fresh per-request values where the template has them: a
/// vendor's example carries one fixed request id and timestamp, and a mock that answers every
/// 401 with the same "unique" id looks replayed. `None` when nothing needed refreshing.
pub fn refresh_example(example: &Value, template: &ErrorTemplate) -> Option<Value> {
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
    walk(&mut refreshed, template.raw.get("body")?).then_some(refreshed)
}

pub fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    // Millisecond precision, as the vendors write it (2024-01-05T14:48:00.000Z).
    format!("{:.3}", now)
}
