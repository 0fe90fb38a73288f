//! Every example against its schema: parameters', request and response bodies', headers',
//! and schemas' own (`example`, `examples: [...]`), wherever they are written — under
//! `paths`, `webhooks` or `components`.

use std::collections::HashSet;

use serde_json::Value;

use super::{Issue, LintRule};
use crate::spec::{Loc, SchemaBuilder, SchemaId, Side, Sources, Version, is_json_media};
use crate::validate::{Part, schema_violations};

/// Schemas nest this deep at most before the walk stops.
const MAX_DEPTH: usize = 64;
/// Violations named per broken example.
const SHOWN: usize = 3;
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];
/// Keywords whose value is one subschema, and those whose value is a list or map of them.
const ONE: &[&str] =
    &["items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedItems"];
const MANY: &[&str] =
    &["allOf", "anyOf", "oneOf", "prefixItems", "properties", "patternProperties", "$defs", "definitions"];

/// An example and the schema it must conform to.
struct Candidate {
    /// Where the example's value is written.
    example: Loc,
    value: Value,
    schema: Loc,
    side: Side,
    /// A schema's own example may show either side (ids and passwords both).
    either_side: bool,
}

pub fn broken(sources: &Sources, version: Version) -> Vec<Issue> {
    let mut walker = Walker { sources, found: Vec::new(), seen: HashSet::new() };
    walker.document();
    let mut builder = SchemaBuilder::new(sources, version);
    // A schema that does not convert (a broken $ref) leaves its examples unjudged: the
    // $ref is reported on its own.
    let ids: Vec<(Option<SchemaId>, Option<SchemaId>)> = walker
        .found
        .iter()
        .map(|c| {
            let main = builder.add(c.schema.clone(), c.side).ok();
            let other = if c.either_side { builder.add(c.schema.clone(), Side::Request).ok() } else { None };
            (main, other)
        })
        .collect();
    let Ok(schemas) = builder.finish() else { return Vec::new() };
    let mut out = Vec::new();
    for (candidate, (main, other)) in walker.found.iter().zip(ids) {
        let Some(main) = main else { continue };
        let violations = schema_violations(&schemas, main, &candidate.value, Part::Body, "");
        if violations.is_empty() {
            continue;
        }
        if let Some(other) = other
            && schema_violations(&schemas, other, &candidate.value, Part::Body, "").is_empty()
        {
            continue;
        }
        let shown: Vec<String> = violations
            .iter()
            .take(SHOWN)
            .map(|v| match v.pointer.is_empty() {
                // The value as a whole: the validator calls it "the body".
                true => v.message.replacen("the body", "the example", 1),
                false => format!("{}: {}", v.pointer, v.message),
            })
            .collect();
        let more = violations.len().saturating_sub(SHOWN);
        let schema_at = format!("{}#{}", sources.name(candidate.schema.src), candidate.schema.ptr);
        let message = format!(
            "the example does not conform to its schema ({schema_at}): {}{}",
            shown.join("; "),
            if more > 0 { format!(" (and {more} more)") } else { String::new() }
        );
        out.push(Issue::at(sources, LintRule::ExampleValid, &candidate.example, message));
    }
    out
}

struct Walker<'s> {
    sources: &'s Sources,
    found: Vec<Candidate>,
    /// Objects already walked (components are reached directly and through `$ref`s).
    seen: HashSet<Loc>,
}

impl Walker<'_> {
    fn document(&mut self) {
        let root = Loc::new(0, "");
        for section in ["paths", "webhooks"] {
            for key in self.keys(&root.child(section)) {
                let Ok((item, _)) = self.sources.resolve(root.child(section).child(&key)) else { continue };
                self.path_item(&item);
            }
        }
        let components = root.child("components");
        for name in self.keys(&components.child("parameters")) {
            self.parameter(&components.child("parameters").child(&name), Side::Request);
        }
        for name in self.keys(&components.child("requestBodies")) {
            self.body(&components.child("requestBodies").child(&name));
        }
        for name in self.keys(&components.child("responses")) {
            self.response(&components.child("responses").child(&name));
        }
        for name in self.keys(&components.child("headers")) {
            self.parameter(&components.child("headers").child(&name), Side::Response);
        }
        for name in self.keys(&components.child("schemas")) {
            self.schema(&components.child("schemas").child(&name), 0);
        }
    }

    fn keys(&self, at: &Loc) -> Vec<String> {
        match self.sources.get(at) {
            Some(Value::Object(map)) => map.keys().filter(|k| !k.starts_with("x-")).cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// Follows `$ref`s; `None` for what was walked already (or cannot be reached).
    fn enter(&mut self, at: &Loc) -> Option<Loc> {
        let (loc, _) = self.sources.resolve(at.clone()).ok()?;
        self.seen.insert(loc.clone()).then_some(loc)
    }

    fn path_item(&mut self, item: &Loc) {
        self.parameters(&item.child("parameters"));
        for method in METHODS {
            let op = item.child(method);
            if self.sources.get(&op).is_none() {
                continue;
            }
            self.parameters(&op.child("parameters"));
            if self.sources.get(&op.child("requestBody")).is_some() {
                self.body(&op.child("requestBody"));
            }
            for status in self.keys(&op.child("responses")) {
                self.response(&op.child("responses").child(&status));
            }
        }
    }

    fn parameters(&mut self, list: &Loc) {
        let count = self.sources.get(list).and_then(Value::as_array).map_or(0, Vec::len);
        for i in 0..count {
            self.parameter(&list.child(&i.to_string()), Side::Request);
        }
    }

    /// A parameter or a header: a schema with examples, or content.
    fn parameter(&mut self, at: &Loc, side: Side) {
        let Some(at) = self.enter(at) else { return };
        if self.sources.get(&at.child("schema")).is_some() {
            self.examples_of(&at, &at.child("schema"), side);
            self.schema(&at.child("schema"), 0);
        }
        self.content(&at.child("content"), side);
    }

    fn body(&mut self, at: &Loc) {
        if let Some(at) = self.enter(at) {
            self.content(&at.child("content"), Side::Request);
        }
    }

    fn response(&mut self, at: &Loc) {
        let Some(at) = self.enter(at) else { return };
        self.content(&at.child("content"), Side::Response);
        for name in self.keys(&at.child("headers")) {
            self.parameter(&at.child("headers").child(&name), Side::Response);
        }
    }

    fn content(&mut self, at: &Loc, side: Side) {
        for media in self.keys(at) {
            let at = at.child(&media);
            if self.sources.get(&at.child("schema")).is_none() {
                continue;
            }
            if judged(&media) {
                self.examples_of(&at, &at.child("schema"), side);
            }
            self.schema(&at.child("schema"), 0);
        }
    }

    /// `example` and `examples: {name: {value}}` of a parameter, header or media type.
    fn examples_of(&mut self, at: &Loc, schema: &Loc, side: Side) {
        if let Some(value) = self.sources.get(&at.child("example")) {
            self.add(at.child("example"), value.clone(), schema, side, false);
        }
        for name in self.keys(&at.child("examples")) {
            let Ok((example, body)) = self.sources.resolve(at.child("examples").child(&name)) else { continue };
            // externalValue points outside the document: nothing to judge.
            if let Some(value) = body.get("value") {
                self.add(example.child("value"), value.clone(), schema, side, false);
            }
        }
    }

    fn add(&mut self, example: Loc, value: Value, schema: &Loc, side: Side, either_side: bool) {
        let schema = self.sources.resolve(schema.clone()).map(|(loc, _)| loc).unwrap_or_else(|_| schema.clone());
        let repeated = self.found.iter().any(|c| c.example == example && c.schema == schema);
        if !repeated {
            self.found.push(Candidate { example, value, schema, side, either_side });
        }
    }

    /// A schema's own examples, then its subschemas'.
    fn schema(&mut self, at: &Loc, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(at) = self.enter(at) else { return };
        let Some(Value::Object(map)) = self.sources.get(&at).cloned() else { return };
        if let Some(value) = map.get("example") {
            self.add(at.child("example"), value.clone(), &at, Side::Response, true);
        }
        if let Some(Value::Array(values)) = map.get("examples") {
            for (i, value) in values.iter().enumerate() {
                self.add(at.child("examples").child(&i.to_string()), value.clone(), &at, Side::Response, true);
            }
        }
        for key in ONE {
            if map.get(*key).is_some_and(Value::is_object) {
                self.schema(&at.child(key), depth + 1);
            }
        }
        for key in MANY {
            match map.get(*key) {
                Some(Value::Array(items)) => {
                    for i in 0..items.len() {
                        self.schema(&at.child(key).child(&i.to_string()), depth + 1);
                    }
                }
                Some(Value::Object(named)) => {
                    for name in named.keys() {
                        self.schema(&at.child(key).child(name), depth + 1);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Media types whose examples are the value the schema describes (an XML example is a
/// string of XML; a binary one is not JSON at all).
fn judged(media: &str) -> bool {
    let essence = crate::spec::media::essence(media);
    if essence.ends_with("xml") {
        return false;
    }
    is_json_media(&essence)
        || essence.starts_with("text/")
        || essence == "application/x-www-form-urlencoded"
        || essence == "multipart/form-data"
}
