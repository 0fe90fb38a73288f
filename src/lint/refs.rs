//! Every `$ref` in every loaded file leads somewhere.

use serde_json::Value;

use super::{Issue, LintRule};
use crate::spec::{Loc, Sources, pointer};

/// Literal values: a `$ref` key inside them is data, not a reference.
const LITERALS: &[&str] = &["example", "default", "const", "enum"];
/// Files nest this deep at most before the walk stops.
const MAX_DEPTH: usize = 256;

pub fn unresolved(sources: &Sources) -> Vec<Issue> {
    let mut out = Vec::new();
    for src in 0..sources.count() {
        if let Some(root) = sources.get(&Loc::new(src, "")) {
            walk(sources, root, &mut Loc::new(src, ""), &mut out, 0, "");
        }
    }
    out
}

fn walk(sources: &Sources, value: &Value, at: &mut Loc, out: &mut Vec<Issue>, depth: usize, parent: &str) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let problem = match sources.target(at.src, reference) {
                    Ok(target) if sources.get(&target).is_some() => None,
                    Ok(_) => Some(format!("$ref '{reference}' not found")),
                    Err(why) => Some(why),
                };
                if let Some(problem) = problem {
                    out.push(Issue::at(sources, LintRule::RefResolves, &at.child("$ref"), problem));
                }
            }
            for (key, child) in map {
                // A property may be called `default`; its schema is no literal.
                let named = parent == "properties" || parent == "patternProperties";
                if !named && (LITERALS.contains(&key.as_str()) || key.starts_with("x-")) {
                    continue;
                }
                let len = at.ptr.len();
                at.ptr = pointer::push(&at.ptr, key);
                walk(sources, child, at, out, depth + 1, key);
                at.ptr.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = at.ptr.len();
                at.ptr = pointer::push(&at.ptr, &i.to_string());
                walk(sources, child, at, out, depth + 1, "");
                at.ptr.truncate(len);
            }
        }
        _ => {}
    }
}
