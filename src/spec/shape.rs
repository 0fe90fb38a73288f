//! What a converted schema says, read through `$ref`s and composition: the types it admits,
//! a property's schema, an array's items. The store, the validator's coercion and the
//! generator all ask these questions; they are answered here, once.

use serde_json::Value;

use super::Schemas;
use super::keyword::Keyword;

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

impl Schemas {
    /// The schema a `$ref` in `schema` points to, one step: the one place a reference
    /// between converted schemas is followed.
    pub fn follow<'s>(&'s self, schema: &Value) -> Option<&'s Value> {
        schema.kw("$ref").and_then(Value::as_str).and_then(|r| self.lookup(r))
    }

    /// Follows `$ref`s to the schema itself (a bounded chain: a cycle of references stops).
    pub fn deref<'s>(&'s self, mut schema: &'s Value) -> &'s Value {
        for _ in 0..MAX_DEPTH {
            match self.follow(schema) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    /// The types a schema admits, looking through `$ref`, allOf, anyOf and oneOf.
    pub fn types(&self, schema: &Value) -> Types {
        fn walk(schemas: &Schemas, schema: &Value, depth: usize, out: &mut u8) {
            if depth > MAX_DEPTH {
                return;
            }
            let schema = schemas.deref(schema);
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
        walk(self, schema, 0, &mut out);
        Types(out)
    }

    /// The schema of one property, looking through `$ref` and composition.
    pub fn property<'s>(&'s self, schema: &'s Value, name: &str) -> Option<&'s Value> {
        fn walk<'s>(schemas: &'s Schemas, schema: &'s Value, name: &str, depth: usize) -> Option<&'s Value> {
            if depth > MAX_DEPTH {
                return None;
            }
            let schema = schemas.deref(schema);
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
        walk(self, schema, name, 0)
    }

    /// The schema of array items.
    pub fn items<'s>(&'s self, schema: &'s Value) -> Option<&'s Value> {
        self.deref(schema).get("items").filter(|v| v.is_object())
    }
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
