//! A JSON value → an XML document, named and shaped by the schema's `xml` objects.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};
use serde_json::Value;

use super::schema::{self, XmlInfo};
use crate::spec::Schemas;

/// Deeper values are cut off: generated and documented values never nest this deep.
const MAX_DEPTH: usize = 128;
/// The root's name when neither its `xml.name` nor a component name gives one.
const ROOT: &str = "root";
/// An array item's name when nothing else gives one.
const ITEM: &str = "item";

/// The XML document for `value`; `schema` (converted) names its elements.
pub fn document(schemas: &Schemas, schema: Option<&Value>, value: &Value) -> Vec<u8> {
    let mut out = Encoder { schemas, writer: Writer::new(Vec::new()) };
    let _ = out.writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let empty = Value::Bool(true);
    let schema = schema.unwrap_or(&empty);
    let name = schema::own_name(schemas, schema).unwrap_or_else(|| ROOT.to_string());
    let info = schema::info(schemas, schema);
    match value {
        // An array has one root element around its items (a document has one root).
        Value::Array(items) => out.array(&info, &name, schema, items, true, 0),
        _ => out.element(&info, &name, schema, value, 0),
    }
    out.writer.into_inner()
}

struct Encoder<'s> {
    schemas: &'s Schemas,
    writer: Writer<Vec<u8>>,
}

impl Encoder<'_> {
    fn start(&mut self, info: &XmlInfo, name: &str) -> BytesStart<'static> {
        let mut start = BytesStart::new(info.qualified(&schema::element_name(name)));
        if let Some(namespace) = &info.namespace {
            let key = match &info.prefix {
                Some(prefix) if !prefix.is_empty() => format!("xmlns:{prefix}"),
                _ => "xmlns".to_string(),
            };
            start.push_attribute((key.as_str(), namespace.as_str()));
        }
        start
    }

    /// One element named `name` holding `value`.
    fn element(&mut self, info: &XmlInfo, name: &str, schema: &Value, value: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut start = self.start(info, name);
        match value {
            Value::Object(map) => {
                let declared = schema::properties(self.schemas, schema);
                let prop_schema = |key: &str| {
                    declared
                        .iter()
                        .find(|(n, _)| *n == key)
                        .map(|(_, s)| *s)
                        .or_else(|| schema::additional(self.schemas, schema))
                };
                let mut children = Vec::new();
                let mut text = None;
                for (key, child) in map {
                    let child_schema = prop_schema(key).unwrap_or(&Value::Bool(true));
                    let child_info = schema::info(self.schemas, child_schema);
                    match scalar_text(child) {
                        Some(t) if child_info.is_attribute() => {
                            let attr =
                                child_info.qualified(&schema::element_name(child_info.name.as_deref().unwrap_or(key)));
                            start.push_attribute((attr.as_str(), t.as_str()));
                        }
                        Some(t) if child_info.is_text() => text = Some(t),
                        _ => children.push((key, child, child_schema, child_info)),
                    }
                }
                if children.is_empty() && text.is_none() {
                    let _ = self.writer.write_event(Event::Empty(start));
                    return;
                }
                let end = start.to_end().into_owned();
                let _ = self.writer.write_event(Event::Start(start));
                if let Some(text) = text {
                    let _ = self.writer.write_event(Event::Text(BytesText::new(&text)));
                }
                for (key, child, child_schema, child_info) in children {
                    self.property(key, child, child_schema, &child_info, depth + 1);
                }
                let _ = self.writer.write_event(Event::End(end));
            }
            Value::Array(items) => {
                // An array inside an array: wrapped in this element.
                let end = start.to_end().into_owned();
                let _ = self.writer.write_event(Event::Start(start));
                self.items(name, schema, items, depth + 1);
                let _ = self.writer.write_event(Event::End(end));
            }
            Value::Null => {
                let _ = self.writer.write_event(Event::Empty(start));
            }
            scalar => {
                let text = scalar_text(scalar).unwrap_or_default();
                let end = start.to_end().into_owned();
                let _ = self.writer.write_event(Event::Start(start));
                let _ = self.writer.write_event(Event::Text(BytesText::new(&text)));
                let _ = self.writer.write_event(Event::End(end));
            }
        }
    }

    /// A property of an object: an element, or — for arrays — its items, wrapped or not.
    fn property(&mut self, key: &str, value: &Value, schema: &Value, info: &XmlInfo, depth: usize) {
        let name = info.name.as_deref().unwrap_or(key);
        match value {
            Value::Array(items) if info.wrapped => self.array(info, name, schema, items, true, depth),
            // Unwrapped, the items are named by their own `xml.name`, else by the property.
            Value::Array(items) => self.array(info, key, schema, items, false, depth),
            _ => self.element(info, name, schema, value, depth),
        }
    }

    /// Items of an array, each an element; `wrapped` puts them in one element named `name`.
    fn array(&mut self, info: &XmlInfo, name: &str, schema: &Value, items: &[Value], wrapped: bool, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        if !wrapped {
            self.items(name, schema, items, depth);
            return;
        }
        let start = self.start(info, name);
        if items.is_empty() {
            let _ = self.writer.write_event(Event::Empty(start));
            return;
        }
        let end = start.to_end().into_owned();
        let _ = self.writer.write_event(Event::Start(start));
        // A root array's items go by their component's name; a property's, by the wrapper's.
        let fallback = match depth {
            0 => schema::items(self.schemas, schema)
                .and_then(|s| schema::own_name(self.schemas, s))
                .unwrap_or_else(|| ITEM.to_string()),
            _ => name.to_string(),
        };
        self.items(&fallback, schema, items, depth + 1);
        let _ = self.writer.write_event(Event::End(end));
    }

    fn items(&mut self, fallback: &str, schema: &Value, items: &[Value], depth: usize) {
        let item_schema = schema::items(self.schemas, schema).unwrap_or(&Value::Bool(true));
        let info = schema::info(self.schemas, item_schema);
        let name = info.name.clone().unwrap_or_else(|| fallback.to_string());
        for item in items {
            self.element(&info, &name, item_schema, item, depth);
        }
    }
}

/// The text of a scalar; `None` for objects and arrays.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}
