//! Query strings, headers and form fields arrive as text; schemas say what they mean.
//! These helpers read a converted schema (following `$ref` and composition) to find the
//! types it allows, so `"20"` can become `20` before validation.

use serde_json::{Map, Value};

use crate::spec::{Schemas, Types};

/// Text → the JSON value the schema most likely means; text that fits no type stays text,
/// so the validator reports it.
pub fn scalar(schemas: &Schemas, schema: Option<&Value>, raw: &str) -> Value {
    let Some(schema) = schema else { return Value::String(raw.to_string()) };
    let t = schemas.types(schema);
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
    let item = schema.and_then(|s| schemas.items(s));
    Value::Array(raw.iter().map(|r| scalar(schemas, item, r)).collect())
}

/// Name/text pairs → an object, each value coerced by its property's schema.
pub fn object(schemas: &Schemas, schema: Option<&Value>, pairs: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        let prop = schema.and_then(|s| schemas.property(s, k));
        let is_array = prop.is_some_and(|p| schemas.types(p).has(Types::ARRAY));
        let value = scalar(schemas, prop.and_then(|p| if is_array { schemas.items(p) } else { Some(p) }), v);
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
