//! Query strings, headers and form fields arrive as text; schemas say what they mean.
//! These helpers read a converted schema (following `$ref` and composition) to find the
//! types it allows, so `"20"` can become `20` before validation.

use serde_json::{Map, Value};

use crate::spec::Schemas;

/// Composition is followed this deep when looking for types, then we stop guessing.
const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Types(u8);

impl Types {
    pub const STRING: u8 = 1;
    pub const INTEGER: u8 = 2;
    pub const NUMBER: u8 = 4;
    pub const BOOLEAN: u8 = 8;
    pub const ARRAY: u8 = 16;
    pub const OBJECT: u8 = 32;
    pub const NULL: u8 = 64;

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// No type information: anything goes.
    pub fn unknown(self) -> bool {
        self.0 == 0
    }
}

/// Follows `$ref`s of the bundle to the schema itself.
pub fn deref<'s>(schemas: &'s Schemas, mut schema: &'s Value) -> &'s Value {
    for _ in 0..MAX_DEPTH {
        match schema.get("$ref").and_then(Value::as_str).and_then(|r| schemas.lookup(r)) {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}

/// The types a schema admits, looking through `$ref`, allOf, anyOf and oneOf.
pub fn types(schemas: &Schemas, schema: &Value) -> Types {
    fn walk(schemas: &Schemas, schema: &Value, depth: usize, out: &mut u8) {
        if depth > MAX_DEPTH {
            return;
        }
        let schema = deref(schemas, schema);
        match schema.get("type") {
            Some(Value::String(t)) => *out |= bit(t),
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).for_each(|t| *out |= bit(t)),
            _ => {}
        }
        if schema.get("properties").is_some() && schema.get("type").is_none() {
            *out |= Types::OBJECT;
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                for b in branches {
                    walk(schemas, b, depth + 1, out);
                }
            }
        }
    }
    let mut out = 0;
    walk(schemas, schema, 0, &mut out);
    Types(out)
}

fn bit(t: &str) -> u8 {
    match t {
        "string" => Types::STRING,
        "integer" => Types::INTEGER,
        "number" => Types::NUMBER,
        "boolean" => Types::BOOLEAN,
        "array" => Types::ARRAY,
        "object" => Types::OBJECT,
        "null" => Types::NULL,
        _ => 0,
    }
}

/// The schema of one property, looking through `$ref` and composition.
pub fn property<'s>(schemas: &'s Schemas, schema: &'s Value, name: &str) -> Option<&'s Value> {
    fn walk<'s>(schemas: &'s Schemas, schema: &'s Value, name: &str, depth: usize) -> Option<&'s Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let schema = deref(schemas, schema);
        if let Some(p) = schema.get("properties").and_then(|p| p.get(name)) {
            return Some(p);
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                for b in branches {
                    if let Some(found) = walk(schemas, b, name, depth + 1) {
                        return Some(found);
                    }
                }
            }
        }
        match schema.get("additionalProperties") {
            Some(v @ Value::Object(_)) => Some(v),
            _ => None,
        }
    }
    walk(schemas, schema, name, 0)
}

/// The schema of array items.
pub fn items<'s>(schemas: &'s Schemas, schema: &'s Value) -> Option<&'s Value> {
    let schema = deref(schemas, schema);
    schema.get("items").filter(|v| v.is_object())
}

/// Text → the JSON value the schema most likely means; text that fits no type stays text,
/// so the validator reports it.
pub fn scalar(schemas: &Schemas, schema: Option<&Value>, raw: &str) -> Value {
    let Some(schema) = schema else { return Value::String(raw.to_string()) };
    let t = types(schemas, schema);
    // Text has no null; clients of nullable fields send the word.
    if t.has(Types::NULL) && raw == "null" {
        return Value::Null;
    }
    if t.has(Types::STRING) || t.unknown() {
        return Value::String(raw.to_string());
    }
    // Any number of digits: `offset=45142933002613952106987520` is an integer.
    if t.has(Types::INTEGER)
        && let Some(n) = super::numbers::integer(raw)
    {
        return Value::Number(n);
    }
    if t.has(Types::NUMBER)
        && let Some(n) = raw.parse::<f64>().ok().and_then(serde_json::Number::from_f64)
    {
        return Value::Number(n);
    }
    if t.has(Types::BOOLEAN) && (raw == "true" || raw == "false") {
        return Value::Bool(raw == "true");
    }
    // An empty text is an empty string, not null: a boolean left blank is not a boolean.
    Value::String(raw.to_string())
}

/// A list of texts → an array, each item coerced by the items schema.
pub fn array(schemas: &Schemas, schema: Option<&Value>, raw: &[&str]) -> Value {
    let item = schema.and_then(|s| items(schemas, s));
    Value::Array(raw.iter().map(|r| scalar(schemas, item, r)).collect())
}

/// Name/text pairs → an object, each value coerced by its property's schema.
pub fn object(schemas: &Schemas, schema: Option<&Value>, pairs: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        let prop = schema.and_then(|s| property(schemas, s, k));
        let is_array = prop.is_some_and(|p| types(schemas, p).has(Types::ARRAY));
        let value = scalar(schemas, prop.and_then(|p| if is_array { items(schemas, p) } else { Some(p) }), v);
        match (map.get_mut(k), is_array) {
            (Some(Value::Array(existing)), _) => existing.push(value),
            (_, true) => {
                map.insert(k.clone(), Value::Array(vec![value]));
            }
            _ => {
                map.insert(k.clone(), value);
            }
        }
    }
    Value::Object(map)
}
