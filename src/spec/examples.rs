//! Documented values that need more than a copy: a header's value from wherever the
//! document gives it, and XML examples, written once the schemas that name their elements exist.

use serde_json::Value;

use super::load::{Loc, Sources};
use super::model::Operation;
use super::schemas::Schemas;

/// A documented header's value: its `example`, its first `examples` entry, else its
/// schema's example or `default`.
pub fn header_example(sources: &Sources, loc: &Loc, header: &Value) -> Option<Value> {
    if let Some(example) = header.get("example") {
        return Some(example.clone());
    }
    if let Some(Value::Object(named)) = header.get("examples") {
        let first = named.keys().find_map(|key| sources.resolve(loc.child("examples").child(key)).ok());
        if let Some(value) = first.and_then(|(_, ex)| ex.get("value").cloned()) {
            return Some(value);
        }
    }
    let (_, schema) = sources.resolve(loc.child("schema")).ok()?;
    schema
        .get("example")
        .or_else(|| schema.get("examples").and_then(Value::as_array).and_then(|a| a.first()))
        .or_else(|| schema.get("default"))
        .cloned()
}

/// XML examples are serialized once the schemas that name their elements are compiled.
pub fn xml_examples(operations: &mut [Operation], schemas: &Schemas) {
    for op in operations {
        let bodies = op.body.iter_mut().flat_map(|b| b.content.iter_mut());
        let answers = op.responses.iter_mut().flat_map(|r| r.content.iter_mut());
        for media in bodies.chain(answers).filter(|m| crate::spec::is_xml_media(&m.name)) {
            for example in &mut media.examples {
                example.bytes = crate::spec::xml::encode(schemas, media.schema, &example.value);
            }
        }
    }
}
