//! Swagger 2.0 parameters and headers: their type fields become a schema, and
//! `collectionFormat` becomes a style.

use serde_json::{Map, Value};

use super::super::error::SpecError;
use super::super::load::Loc;
use super::Converter;

/// Fields of a 2.0 parameter, header or items object that are schema keywords.
const SCHEMA_FIELDS: &[&str] = &[
    "type",
    "format",
    "default",
    "enum",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "x-nullable",
];

const MULTI_OUTSIDE_QUERY: &str =
    "`collectionFormat: multi` is only for query and formData parameters; read as csv (comma-separated)";

impl Converter<'_> {
    /// A query, header or path parameter in the 3.0 shape.
    pub(super) fn parameter(&mut self, ptr: &str, at: &Loc, param: &Value) -> Result<Value, SpecError> {
        self.map(ptr, at);
        self.map(&format!("{ptr}/schema"), at);
        let mut out = Map::new();
        for key in ["name", "in", "description", "required", "deprecated", "allowEmptyValue"] {
            if let Some(value) = param.get(key) {
                out.insert(key.into(), value.clone());
            }
        }
        if let Some(example) = param.get("x-example") {
            out.insert("example".into(), example.clone());
        }
        out.insert("schema".into(), self.param_schema(param, at));
        if param.get("type").and_then(Value::as_str) == Some("array") {
            let location = param.get("in").and_then(Value::as_str).unwrap_or("query");
            let (style, explode) = self.collection_style(param, at, location)?;
            out.insert("style".into(), Value::from(style));
            out.insert("explode".into(), Value::from(explode));
        }
        Ok(Value::Object(out))
    }

    /// The schema a 2.0 parameter or header describes with its own fields.
    pub(super) fn param_schema(&self, param: &Value, at: &Loc) -> Value {
        // Not 2.0, but written by documents half-way to 3.0: a schema of its own.
        if param.get("schema").is_some() {
            return Self::refer(&at.child("schema"));
        }
        let mut schema = Map::new();
        for key in SCHEMA_FIELDS {
            if let Some(value) = param.get(*key) {
                schema.insert((*key).to_string(), value.clone());
            }
        }
        if let Some(items) = param.get("items") {
            schema.insert("items".into(), self.items_schema(items, &at.child("items")));
        }
        Value::Object(schema)
    }

    /// An items object; a `$ref` in it (not 2.0, but seen) is made to work from the
    /// converted document.
    fn items_schema(&self, items: &Value, at: &Loc) -> Value {
        match items.get("$ref").and_then(Value::as_str) {
            Some(reference) => match self.sources.target(at.src, reference) {
                Ok(target) => Self::refer(&target),
                Err(_) => items.clone(), // the compiler reports it, at this place
            },
            None => self.param_schema(items, at),
        }
    }

    /// `collectionFormat` → OpenAPI 3's style and explode.
    fn collection_style(&self, param: &Value, at: &Loc, location: &str) -> Result<(&'static str, bool), SpecError> {
        let format = param.get("collectionFormat").and_then(Value::as_str).unwrap_or("csv");
        let query = location == "query";
        Ok(match format {
            "csv" if query => ("form", false),
            "csv" => ("simple", false),
            "multi" if query => ("form", true),
            "multi" => {
                self.sources.warn(&at.child("collectionFormat"), MULTI_OUTSIDE_QUERY);
                ("simple", false)
            }
            "ssv" => ("spaceDelimited", false),
            "tsv" => ("tabDelimited", false),
            "pipes" => ("pipeDelimited", false),
            other => {
                return Err(self.sources.error(
                    &at.child("collectionFormat"),
                    format!("collectionFormat must be csv, ssv, tsv, pipes or multi, not '{other}'"),
                ));
            }
        })
    }
}
