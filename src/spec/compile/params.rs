//! Parameters: where they come from, how they are serialized, and their schemas.

use serde_json::{Value, json};

use super::super::dialect::Side;
use super::super::error::SpecError;
use super::super::load::Loc;
use super::super::model::{Param, ParamIn, Style, Version};
use super::Compiler;

impl Compiler<'_> {
    pub(super) fn param_list(&mut self, list: Option<&Value>, loc: &Loc) -> Result<Vec<Param>, SpecError> {
        let Some(list) = list else { return Ok(Vec::new()) };
        let Value::Array(items) = list else {
            return Err(self.sources.error(loc, "parameters must be an array"));
        };
        (0..items.len()).map(|i| self.param(&loc.child(&i.to_string()))).collect()
    }

    fn param(&mut self, loc: &Loc) -> Result<Param, SpecError> {
        let (loc, p) = self.sources.resolve(loc.clone())?;
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| self.sources.error(&loc, "a parameter needs a `name`"))?
            .to_string();
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => ParamIn::Path,
            Some("query") => ParamIn::Query,
            Some("header") => ParamIn::Header,
            Some("cookie") => ParamIn::Cookie,
            other => {
                return Err(self.sources.error(
                    &loc,
                    format!("parameter '{name}': `in` must be path, query, header or cookie, not {other:?}"),
                ));
            }
        };
        let style = match p.get("style").and_then(Value::as_str) {
            Some("simple") => Style::Simple,
            Some("form") => Style::Form,
            Some("label") => Style::Label,
            Some("matrix") => Style::Matrix,
            Some("spaceDelimited") => Style::SpaceDelimited,
            Some("pipeDelimited") => Style::PipeDelimited,
            // Only a converted Swagger 2.0 document (collectionFormat: tsv) says this.
            Some("tabDelimited") if self.version == Version::V20 => Style::TabDelimited,
            Some("deepObject") => Style::DeepObject,
            Some(other) => return Err(self.sources.error(&loc.child("style"), format!("unknown style '{other}'"))),
            None if matches!(location, ParamIn::Query | ParamIn::Cookie) => Style::Form,
            None => Style::Simple,
        };
        let explode = p.get("explode").and_then(Value::as_bool).unwrap_or(style == Style::Form);
        let (mut schema, content_type) = if p.get("schema").is_some() {
            (Some(self.schemas.add(loc.child("schema"), Side::Request)?), None)
        } else if let Some(Value::Object(content)) = p.get("content") {
            match content.iter().next() {
                Some((media, m)) if m.get("schema").is_some() => {
                    let at = loc.child("content").child(media).child("schema");
                    (Some(self.schemas.add(at, Side::Request)?), Some(media.to_ascii_lowercase()))
                }
                Some((media, _)) => (None, Some(media.to_ascii_lowercase())),
                None => (None, None),
            }
        } else {
            (None, None)
        };
        // `allowEmptyValue`: `?name=` is valid whatever the schema says about values.
        if location == ParamIn::Query && p.get("allowEmptyValue").and_then(Value::as_bool) == Some(true) {
            schema = schema.map(|id| self.schemas.widen(id, json!({"const": ""})));
        }
        let mut named_examples = Vec::new();
        if let Some(Value::Object(examples)) = p.get("examples") {
            for key in examples.keys() {
                // An example that cannot be resolved only goes unused, as before.
                if let Ok((_, ex)) = self.sources.resolve(loc.child("examples").child(key))
                    && let Some(value) = ex.get("value")
                {
                    named_examples.push((key.clone(), value.clone()));
                }
            }
        }
        let (example, example_origin) = match p.get("example") {
            Some(value) => (Some(value.clone()), Some(self.origin(&loc.child("example")))),
            None => match self.first_example(p.get("examples"), &loc.child("examples"))? {
                Some((value, at)) => (Some(value), Some(self.origin(&at))),
                None => (None, None),
            },
        };
        Ok(Param {
            required: location == ParamIn::Path || p.get("required").and_then(Value::as_bool).unwrap_or(false),
            name,
            location,
            style,
            explode,
            schema,
            content_type,
            example,
            example_origin,
            named_examples,
        })
    }

    /// The value of the first entry of an `examples` map (following `$ref`s), if any.
    pub(super) fn first_example_value(&self, examples: Option<&Value>, loc: &Loc) -> Result<Option<Value>, SpecError> {
        Ok(self.first_example(examples, loc)?.map(|(value, _)| value))
    }

    /// The first entry's value of an `examples` map, and where that value is written.
    fn first_example(&self, examples: Option<&Value>, loc: &Loc) -> Result<Option<(Value, Loc)>, SpecError> {
        let Some(Value::Object(examples)) = examples else { return Ok(None) };
        for key in examples.keys() {
            let (at, ex) = self.sources.resolve(loc.child(key))?;
            if let Some(value) = ex.get("value") {
                return Ok(Some((value.clone(), at.child("value"))));
            }
        }
        Ok(None)
    }

    /// `file: #/pointer` of a place, as the user wrote it (a Swagger 2.0 file's own pointer).
    pub(super) fn origin(&self, at: &Loc) -> String {
        let original = self.sources.original(at);
        format!("{}: #{}", self.sources.name(original.src), original.ptr)
    }
}
