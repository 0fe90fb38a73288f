//! OpenAPI schema objects → JSON Schema 2020-12.
//!
//! OpenAPI 3.1 schemas already are 2020-12; 3.0 schemas need translating (`nullable`,
//! boolean `exclusiveMinimum`, `$ref` siblings ignored), and Swagger 2.0 ones are 3.0's plus
//! `x-nullable`, a string `discriminator` and `type: file`. Documents that call themselves
//! 3.1 but still write `nullable` (Straddle does, 371 times) get it honoured too: a
//! validator that ignored it would reject the vendor's own `null`s. So does `nullable: true`
//! beside a `$ref`, which both lines say to ignore but authors write to mean "or null".
//! What is honoured against the letter of the version is reported as a load warning.
//!
//! Each schema is converted once per side: in a request, readOnly properties are not
//! required; in a response, writeOnly ones are not.

use serde_json::{Map, Value, json};

use super::error::SpecError;
use super::load::Loc;
use super::model::Version;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Request,
    Response,
}

/// How the converter reaches the rest of the document.
pub trait Linker {
    /// Registers the target of `reference`, written at `at`, and returns the bundle `$ref` for it.
    fn link(&mut self, at: &Loc, reference: &str, side: Side) -> Result<String, SpecError>;
    /// Whether the schema `value` (written at `at`, possibly a `$ref`) is readOnly / writeOnly.
    fn access(&self, at: &Loc, value: &Value) -> (bool, bool);
    /// An error at a place in the document.
    fn error(&self, at: &Loc, message: String) -> SpecError;
    /// Something accepted although the document's version says otherwise.
    fn warn(&self, at: &Loc, message: &'static str);
}

const NULLABLE_BESIDE_REF: &str = "`nullable: true` beside `$ref` is honoured (the value may also be null), although OpenAPI ignores siblings of `$ref`";
const NULLABLE_IN_31: &str =
    "`nullable` is not an OpenAPI 3.1 keyword; it is honoured as in 3.0 (write `type: [..., \"null\"]`)";
const DUPLICATE_REQUIRED: &str = "duplicate entries in `required` are read once";

/// Keywords whose value is one subschema.
const SCHEMA_KEYWORDS: &[&str] = &[
    "additionalProperties",
    "items",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "contentSchema",
];
/// Keywords whose value is an array of subschemas.
const ARRAY_KEYWORDS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value is a map of subschemas.
const MAP_KEYWORDS: &[&str] = &["properties", "patternProperties", "dependentSchemas", "$defs", "definitions"];

pub struct Converter<'l> {
    pub version: Version,
    pub side: Side,
    pub linker: &'l mut dyn Linker,
}

impl Converter<'_> {
    /// Converts the schema `value` found at `at`.
    pub fn convert(&mut self, value: &Value, at: &Loc) -> Result<Value, SpecError> {
        let map = match value {
            Value::Object(map) => map,
            Value::Bool(_) => return Ok(value.clone()),
            other => {
                return Err(self.linker.error(at, format!("a schema must be an object, found {}", kind_of(other))));
            }
        };

        if let Some(reference) = map.get("$ref") {
            let Some(reference) = reference.as_str() else {
                return Err(self.linker.error(&at.child("$ref"), "$ref must be a string".into()));
            };
            let target = self.linker.link(at, reference, self.side)?;
            let nullable = self.nullable(map);
            if nullable {
                self.linker.warn(at, NULLABLE_BESIDE_REF);
            }
            // 3.0 and 2.0: siblings of $ref are ignored. 3.1: they apply alongside it.
            let mut rest = map.clone();
            rest.retain(|k, _| !matches!(k.as_str(), "$ref" | "nullable" | "x-nullable"));
            let mut out = match self.version {
                Version::V31 if !rest.is_empty() => self.convert_object(&rest, at)?,
                _ => json!({}),
            };
            let Value::Object(m) = &mut out else { return Ok(out) };
            m.insert("$ref".into(), Value::String(target));
            if nullable {
                return Ok(json!({ "anyOf": [out, {"type": "null"}] }));
            }
            return Ok(out);
        }
        self.convert_object(map, at)
    }

    fn convert_object(&mut self, map: &Map<String, Value>, at: &Loc) -> Result<Value, SpecError> {
        let mut out = Map::with_capacity(map.len());
        for (key, value) in map {
            let here = at.child(key);
            let converted = match key.as_str() {
                // Identity keywords would re-base the references between converted schemas.
                "$id" | "$schema" | "$anchor" | "$dynamicAnchor" | "nullable" | "x-nullable" => continue,
                // Swagger 2.0 names the property; OpenAPI 3 wraps it in an object.
                "discriminator" if value.is_string() => json!({ "propertyName": value }),
                // Swagger 2.0's `type: file` (a form field or a download) is bytes.
                "type" if self.version == Version::V20 && value == "file" => {
                    out.entry("format").or_insert_with(|| json!("binary"));
                    json!("string")
                }
                k if SCHEMA_KEYWORDS.contains(&k) => {
                    // 3.0 `items` may not be an array, but old documents write one: treat as prefixItems.
                    if let (true, Value::Array(items)) = (k == "items", value) {
                        let converted = self.convert_list(items, &here)?;
                        out.insert("prefixItems".into(), converted);
                        continue;
                    }
                    self.convert(value, &here)?
                }
                k if ARRAY_KEYWORDS.contains(&k) => match value {
                    Value::Array(items) => self.convert_list(items, &here)?,
                    _ => return Err(self.linker.error(&here, format!("{k} must be an array of schemas"))),
                },
                k if MAP_KEYWORDS.contains(&k) => match value {
                    Value::Object(entries) => {
                        let mut converted = Map::with_capacity(entries.len());
                        for (name, schema) in entries {
                            converted.insert(name.clone(), self.convert(schema, &here.child(name))?);
                        }
                        Value::Object(converted)
                    }
                    _ => return Err(self.linker.error(&here, format!("{k} must be a map of schemas"))),
                },
                "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => continue,
                "required" => self.required(map, value, at),
                _ => value.clone(),
            };
            out.insert(key.clone(), converted);
        }
        self.boolean_exclusive(map, &mut out, "minimum", "exclusiveMinimum");
        self.boolean_exclusive(map, &mut out, "maximum", "exclusiveMaximum");
        integer_format_range(&mut out);
        discriminated(map, &mut out);
        if self.nullable(map) {
            if self.version == Version::V31 {
                self.linker.warn(&at.child("nullable"), NULLABLE_IN_31);
            }
            return Ok(make_nullable(out, self.version));
        }
        Ok(Value::Object(out))
    }

    /// `nullable: true`, or Swagger 2.0's `x-nullable: true`.
    fn nullable(&self, map: &Map<String, Value>) -> bool {
        let flag = |k: &str| map.get(k).and_then(Value::as_bool) == Some(true);
        flag("nullable") || (self.version == Version::V20 && flag("x-nullable"))
    }

    fn convert_list(&mut self, items: &[Value], at: &Loc) -> Result<Value, SpecError> {
        let mut converted = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            converted.push(self.convert(item, &at.child(&i.to_string()))?);
        }
        Ok(Value::Array(converted))
    }

    /// 3.0 writes `minimum: 5, exclusiveMinimum: true`; 2020-12 writes `exclusiveMinimum: 5`.
    fn boolean_exclusive(&self, src: &Map<String, Value>, out: &mut Map<String, Value>, bound: &str, flag: &str) {
        if src.get(flag).and_then(Value::as_bool) == Some(true)
            && let Some(limit) = out.remove(bound)
        {
            out.insert(flag.to_string(), limit);
        }
    }

    /// Drops properties from `required` that this side never carries, and repeated names
    /// (harmless in intent, but 2020-12 says the entries must be unique).
    fn required(&self, map: &Map<String, Value>, required: &Value, at: &Loc) -> Value {
        let Some(names) = required.as_array() else { return required.clone() };
        let mut unique: Vec<&Value> = Vec::with_capacity(names.len());
        for name in names {
            if !unique.contains(&name) {
                unique.push(name);
            }
        }
        if unique.len() < names.len() {
            self.linker.warn(&at.child("required"), DUPLICATE_REQUIRED);
        }
        let props = map.get("properties").and_then(Value::as_object);
        let props_at = at.child("properties");
        let kept: Vec<Value> = unique
            .into_iter()
            .filter(|name| {
                let Some(prop) = name.as_str().and_then(|n| props?.get(n)) else { return true };
                let (read_only, write_only) = self.linker.access(&props_at.child(name.as_str().unwrap_or("")), prop);
                match self.side {
                    Side::Request => !read_only,
                    Side::Response => !write_only,
                }
            })
            .cloned()
            .collect();
        Value::Array(kept)
    }
}

/// Adds `null` to what a converted schema accepts. OpenAPI 3.0.3 says `nullable` widens the
/// type only: an `enum` that does not list `null` still refuses it. Documents that call
/// themselves 3.1 and still write `nullable` mean null as a value too, so there it joins the enum.
fn make_nullable(mut schema: Map<String, Value>, version: Version) -> Value {
    // 3.0.3: `nullable` does not add null to an `enum` that lacks it (2.0's `x-nullable` is
    // read the same way); 3.1 documents that still write `nullable` mean "null too".
    if version == Version::V31
        && let Some(Value::Array(options)) = schema.get_mut("enum")
        && !options.contains(&Value::Null)
    {
        options.push(Value::Null);
    }
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            schema.insert("type".into(), json!([t, "null"]));
            Value::Object(schema)
        }
        Some(Value::Array(types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            Value::Object(schema)
        }
        _ => {
            // No type to widen (composition or $ref): accept null beside the whole schema.
            let mut outer = Map::new();
            for key in ["readOnly", "writeOnly", "description", "title", "example", "examples", "default"] {
                if let Some(v) = schema.get(key) {
                    outer.insert(key.into(), v.clone());
                }
            }
            outer.insert("anyOf".into(), json!([Value::Object(schema), {"type": "null"}]));
            Value::Object(outer)
        }
    }
}

/// `oneOf` with a `discriminator`: the tag names the branch, so branches that overlap do
/// not make a tagged value "valid against more than one". Each branch also requires that a
/// known tag be one of its own (explicit `mapping` entries, else its component name); an
/// unknown tag leaves the branches as they were.
fn discriminated(src: &Map<String, Value>, out: &mut Map<String, Value>) {
    let Some(discriminator) = src.get("discriminator") else { return };
    let Some(property) = discriminator.get("propertyName").and_then(Value::as_str) else { return };
    let (Some(Value::Array(written)), Some(Value::Array(converted))) = (src.get("oneOf"), out.get("oneOf")) else {
        return;
    };
    let mapping = discriminator.get("mapping").and_then(Value::as_object);
    let mut tagged = Vec::with_capacity(written.len());
    for branch in written {
        // A branch written inline has no name to be tagged by.
        let Some(reference) = branch.get("$ref").and_then(Value::as_str) else { return };
        let name = reference.rsplit('/').next().unwrap_or(reference);
        let mut tags: Vec<&str> = mapping
            .into_iter()
            .flatten()
            .filter(|(_, target)| target.as_str().is_some_and(|t| t == reference || t == name))
            .map(|(tag, _)| tag.as_str())
            .collect();
        if tags.is_empty() {
            tags.push(name);
        }
        tagged.push(tags);
    }
    let known: Vec<&str> = tagged.iter().flatten().copied().collect();
    let branches: Vec<Value> = converted
        .iter()
        .zip(&tagged)
        .map(|(branch, tags)| {
            let rule = json!({
                "if": {"properties": {property: {"enum": known}}, "required": [property]},
                "then": {"properties": {property: {"enum": tags}}}
            });
            json!({"allOf": [branch, rule]})
        })
        .collect();
    out.insert("oneOf".into(), Value::Array(branches));
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// OpenAPI's `int32` and `int64` formats bound a number; JSON Schema validators do not check
/// formats of numbers, so the bounds become `minimum`/`maximum` (the tighter one wins).
fn integer_format_range(schema: &mut Map<String, Value>) {
    let (lo, hi) = match schema.get("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int64") => (i64::MIN, i64::MAX),
        _ => return,
    };
    let tighter =
        |current: Option<&Value>, bound: i64, pick: fn(f64, f64) -> bool| match current.and_then(Value::as_f64) {
            Some(c) if pick(c, bound as f64) => None,
            _ => Some(Value::from(bound)),
        };
    if let Some(v) = tighter(schema.get("minimum"), lo, |c, b| c >= b) {
        schema.insert("minimum".into(), v);
    }
    if let Some(v) = tighter(schema.get("maximum"), hi, |c, b| c <= b) {
        schema.insert("maximum".into(), v);
    }
}
