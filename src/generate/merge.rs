//! `allOf` → one schema to generate from. The merge is what a value must satisfy at
//! once: properties and `required` united, bounds tightened, types and enums intersected.
//! It is an approximation (e.g. a branch's `additionalProperties: false` sees only its own
//! properties); the generated value is validated afterwards, so imprecision costs a retry,
//! never a wrong answer.

use std::borrow::Cow;

use crate::spec::keyword::Keyword;
use serde_json::{Value, json};

use crate::spec::Schemas;

/// Longest chain of `$ref`s to `$ref`s, or of `allOf`s in `allOf`s, followed while merging.
/// A longer one is a cycle: what is merged so far is generated, and the validator judges.
const MAX_CHAIN: usize = 64;
/// Schemas one flatten may fold in: `allOf`s that refer back to themselves branch out.
const MAX_FOLDS: usize = 512;

/// Follows bundle `$ref`s; in 3.1 a `$ref` may carry siblings, which are merged in.
fn resolve(schemas: &Schemas, schema: &Value) -> Value {
    resolve_chain(schemas, schema, 0)
}

fn resolve_chain(schemas: &Schemas, schema: &Value, hops: usize) -> Value {
    let Some(map) = schema.as_object() else { return schema.clone() };
    let Some(target) = schemas.follow(schema) else {
        return schema.clone();
    };
    if hops > MAX_CHAIN {
        return Value::Bool(true);
    }
    let target = resolve_chain(schemas, target, hops + 1);
    if map.len() == 1 {
        return target;
    }
    let mut siblings = map.clone();
    siblings.remove("$ref");
    both(target, Value::Object(siblings))
}

/// Resolves the schema and folds its `allOf` (recursively) into it. A schema without either,
/// or a chain of bare `$ref`s to one, is the schema as written, borrowed: generating walks
/// every node of a body's schema, and copying each node's subtree made it quadratic.
pub fn flatten<'s>(schemas: &'s Schemas, schema: &'s Value) -> Cow<'s, Value> {
    let mut plain = schema;
    for _ in 0..MAX_CHAIN {
        let Some(map) = plain.as_object() else { return Cow::Borrowed(plain) };
        if map.has("allOf") || (map.has("$ref") && map.len() > 1) {
            break;
        }
        match schemas.follow(plain) {
            Some(target) => plain = target,
            None => return Cow::Borrowed(plain),
        }
    }
    let mut folds = 0;
    Cow::Owned(flatten_chain(schemas, schema, 0, &mut folds))
}

fn flatten_chain(schemas: &Schemas, schema: &Value, hops: usize, folds: &mut usize) -> Value {
    let mut schema = resolve(schemas, schema);
    *folds += 1;
    if hops > MAX_CHAIN || *folds > MAX_FOLDS {
        return schema;
    }
    let Some(branches) = schema.as_object_mut().and_then(|m| m.remove("allOf")) else { return schema };
    for branch in branches.as_array().into_iter().flatten() {
        schema = both(schema, flatten_chain(schemas, branch, hops + 1, folds));
    }
    schema
}

/// Both schemas at once; `true` (anything) leaves the other as it is.
pub fn both(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Bool(true), b) => b,
        (a, Value::Bool(true)) => a,
        (a, b) => merge(a, b),
    }
}

/// Merging shows no value can satisfy it: `false`, or no type or enum value left.
pub fn admits_nothing(schema: &Value) -> bool {
    match schema {
        Value::Bool(b) => !b,
        Value::Object(map) => {
            map.kw("type").is_some_and(|t| type_strs(Some(t)).next().is_none())
                || map.kw("enum").is_some_and(|e| e.as_array().is_some_and(Vec::is_empty))
        }
        _ => true,
    }
}

/// `type`'s names, read in place (no list is made): one name or an array of them.
pub fn type_strs(types: Option<&Value>) -> impl Iterator<Item = &str> + Clone {
    let (one, many) = match types {
        Some(Value::String(name)) => (Some(name.as_str()), &[][..]),
        Some(Value::Array(names)) => (None, names.as_slice()),
        _ => (None, &[][..]),
    };
    one.into_iter().chain(many.iter().filter_map(Value::as_str))
}

/// `type` as a list of names.
pub fn type_names(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

pub fn merge(a: Value, b: Value) -> Value {
    let (Value::Object(mut a), Value::Object(b)) = (a, b) else { return json!(false) };
    // In place, so properties keep the order the document gives them.
    for (key, bv) in b {
        match a.get_mut(&key) {
            Some(slot) => {
                let av = std::mem::take(slot);
                *slot = combine(&key, av, bv);
            }
            None => {
                a.insert(key, bv);
            }
        }
    }
    Value::Object(a)
}

/// One keyword present on both sides.
fn combine(key: &str, av: Value, bv: Value) -> Value {
    match (key, av) {
        ("properties", Value::Object(mut ap)) => {
            if let Value::Object(bp) = bv {
                for (name, schema) in bp {
                    match ap.get_mut(&name) {
                        Some(slot) => {
                            let existing = std::mem::take(slot);
                            *slot = json!({ "allOf": [existing, schema] });
                        }
                        None => {
                            ap.insert(name, schema);
                        }
                    }
                }
            }
            Value::Object(ap)
        }
        ("required", Value::Array(mut ar)) => {
            for name in bv.as_array().into_iter().flatten() {
                if !ar.contains(name) {
                    ar.push(name.clone());
                }
            }
            Value::Array(ar)
        }
        ("type", at) => intersect_types(&at, &bv),
        ("enum", Value::Array(ae)) => {
            let be = bv.as_array().cloned().unwrap_or_default();
            Value::Array(ae.into_iter().filter(|v| be.contains(v)).collect())
        }
        ("minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties", av) => {
            if num(&bv) > num(&av) {
                bv
            } else {
                av
            }
        }
        ("maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties", av) => {
            if num(&bv) < num(&av) {
                bv
            } else {
                av
            }
        }
        ("additionalProperties", av) => {
            if av == Value::Bool(false) || bv == Value::Bool(false) {
                Value::Bool(false)
            } else {
                av
            }
        }
        ("items" | "contains", av) => json!({ "allOf": [av, bv] }),
        (_, av) => av, // the first word wins for the rest (pattern, format, …)
    }
}

fn intersect_types(a: &Value, b: &Value) -> Value {
    let (ta, tb) = (type_names(a), type_names(b));
    let both: Vec<Value> = ta
        .iter()
        .filter(|t| tb.contains(t) || (t.as_str() == "integer" && tb.iter().any(|x| x == "number")))
        .map(|t| Value::String(t.clone()))
        .chain(
            tb.iter()
                .filter(|t| t.as_str() == "integer" && ta.iter().any(|x| x == "number"))
                .map(|t| Value::String(t.clone())),
        )
        .collect();
    let mut both: Vec<Value> = both.into_iter().fold(Vec::new(), |mut acc, t| {
        if !acc.contains(&t) {
            acc.push(t);
        }
        acc
    });
    match both.len() {
        1 => both.remove(0),
        _ => Value::Array(both),
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}
