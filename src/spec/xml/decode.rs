//! An XML document → the JSON value its schema describes, so one validator judges it:
//! elements and attributes are found by the names the `xml` objects give them, text is
//! typed by the schema (`scalar`), and what the schema does not name is kept under its own
//! name, so `additionalProperties` and `required` still speak.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

use super::schema;
use crate::spec::Schemas;

/// Elements nested deeper than this are refused (the same bound as JSON bodies).
const MAX_DEPTH: usize = 128;

/// Types a text by its schema (query strings and form fields use the same rules).
pub type Scalar<'a> = dyn Fn(Option<&Value>, &str) -> Value + 'a;

/// One element, read whole.
#[derive(Debug, Default)]
struct Element {
    /// Local name (namespace prefix dropped).
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

/// Parses `body` and maps it onto `schema`; `Err` says why it is not well-formed XML.
pub fn document(schemas: &Schemas, schema: Option<&Value>, body: &[u8], scalar: &Scalar<'_>) -> Result<Value, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the XML body is not valid UTF-8 ({e})"))?;
    let root = parse(text)?;
    Ok(Mapper { schemas, scalar }.value(&root, schema, 0))
}

fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let at = |reader: &Reader<&[u8]>| reader.buffer_position();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("the body is not well-formed XML: {e} (at byte {})", at(&reader)))?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(format!(
                    "the body is not well-formed XML: a second root element (at byte {})",
                    at(&reader)
                ));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("the XML body nests deeper than {MAX_DEPTH} elements"));
                }
                stack.push(element(&start)?);
            }
            Event::Empty(start) => {
                let el = element(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(format!(
                        "the body is not well-formed XML: an unmatched end tag (at byte {})",
                        at(&reader)
                    ));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(c) => push_text(&mut stack, &c.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = r.xml10_content();
                        resolve_predefined_entity(&name)
                            .map(str::to_string)
                            .ok_or_else(|| format!("the XML body uses an undefined entity &{name};"))?
                    }
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            // Declarations, comments, processing instructions and doctypes carry no data.
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("the XML body ends before its elements are closed".into());
    }
    root.ok_or_else(|| "the XML body has no root element".into())
}

fn push_text(stack: &mut [Element], text: &str) {
    // Text outside the root is whitespace (or invalid, which the reader reports).
    if let Some(el) = stack.last_mut() {
        el.text.push_str(text);
    }
}

fn element(start: &BytesStart<'_>) -> Result<Element, String> {
    let mut el = Element { name: start.local_name().as_ref().to_string(), ..Element::default() };
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("the body is not well-formed XML: {e}"))?;
        let key = attr.key.as_ref();
        // Namespace declarations and xsi:* say how to read the document, not what it holds.
        if key == "xmlns" || key.starts_with("xmlns:") || key.starts_with("xsi:") {
            continue;
        }
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("the body is not well-formed XML: {e}"))?;
        el.attributes.push((attr.key.local_name().as_ref().to_string(), value.into_owned()));
    }
    Ok(el)
}

struct Mapper<'a> {
    schemas: &'a Schemas,
    scalar: &'a Scalar<'a>,
}

impl Mapper<'_> {
    fn value(&self, el: &Element, schema: Option<&Value>, depth: usize) -> Value {
        let Some(schema) = schema else { return self.untyped(el, depth) };
        if schema::is_array(self.schemas, schema) {
            // An array standing alone (a root, or an array in an array) is its element's children.
            let items = schema::items(self.schemas, schema);
            return Value::Array(el.children.iter().map(|c| self.value(c, items, depth + 1)).collect());
        }
        let declared = schema::properties(self.schemas, schema);
        let objectish = !declared.is_empty() || schema::additional(self.schemas, schema).is_some();
        let bare = el.children.is_empty() && el.attributes.is_empty();
        if !objectish && bare {
            return (self.scalar)(Some(schema), &el.text);
        }
        // `<order>true</order>` for an object: text no property holds is not an object, and
        // is judged as the text it is (dropping it would accept it as `{}`).
        let text_held = declared.iter().any(|(_, prop)| schema::info(self.schemas, prop).is_text());
        if bare && !text_held && !el.text.trim().is_empty() {
            return (self.scalar)(Some(schema), el.text.trim());
        }
        let mut out = Map::new();
        let mut used_attributes = vec![false; el.attributes.len()];
        let mut used_children = vec![false; el.children.len()];
        for (key, prop) in &declared {
            let info = schema::info(self.schemas, prop);
            let name = info.name.clone().unwrap_or_else(|| key.to_string());
            if info.is_attribute() {
                if let Some(i) = el.attributes.iter().position(|(n, _)| *n == name) {
                    used_attributes[i] = true;
                    out.insert(key.to_string(), (self.scalar)(Some(prop), &el.attributes[i].1));
                }
                continue;
            }
            if info.is_text() {
                out.insert(key.to_string(), (self.scalar)(Some(prop), el.text.trim()));
                continue;
            }
            if schema::is_array(self.schemas, prop) {
                let items = schema::items(self.schemas, prop);
                if info.wrapped {
                    if let Some(i) = find(el, &used_children, &name) {
                        used_children[i] = true;
                        let wrapper = &el.children[i];
                        let values = wrapper.children.iter().map(|c| self.value(c, items, depth + 1)).collect();
                        out.insert(key.to_string(), Value::Array(values));
                    }
                    continue;
                }
                let item_name =
                    items.and_then(|s| schema::info(self.schemas, s).name).unwrap_or_else(|| key.to_string());
                let mut values = Vec::new();
                for (i, child) in el.children.iter().enumerate() {
                    if !used_children[i] && child.name == item_name {
                        used_children[i] = true;
                        values.push(self.value(child, items, depth + 1));
                    }
                }
                if !values.is_empty() {
                    out.insert(key.to_string(), Value::Array(values));
                }
                continue;
            }
            let matches: Vec<usize> =
                (0..el.children.len()).filter(|&i| !used_children[i] && el.children[i].name == name).collect();
            let mut values: Vec<Value> = matches
                .iter()
                .map(|&i| {
                    used_children[i] = true;
                    self.value(&el.children[i], Some(prop), depth + 1)
                })
                .collect();
            match values.len() {
                0 => {}
                // Repeated where one value belongs: the validator says it is not that type.
                1 => {
                    out.insert(key.to_string(), values.remove(0));
                }
                _ => {
                    out.insert(key.to_string(), Value::Array(values));
                }
            }
        }
        // What the schema does not name is kept by its own name, unless that hides a property.
        let extra = schema::additional(self.schemas, schema);
        for (i, (name, text)) in el.attributes.iter().enumerate() {
            if !used_attributes[i] && !out.contains_key(name) && !declared.iter().any(|(k, _)| k == name) {
                out.insert(name.clone(), (self.scalar)(extra, text));
            }
        }
        for (i, child) in el.children.iter().enumerate() {
            if !used_children[i] && !out.contains_key(&child.name) && !declared.iter().any(|(k, _)| *k == child.name) {
                out.insert(child.name.clone(), self.value(child, extra, depth + 1));
            }
        }
        Value::Object(out)
    }

    /// No schema: leaves are text, elements with children or attributes are objects.
    fn untyped(&self, el: &Element, depth: usize) -> Value {
        if el.children.is_empty() && el.attributes.is_empty() || depth > MAX_DEPTH {
            return Value::String(el.text.clone());
        }
        let mut out = Map::new();
        for (name, text) in &el.attributes {
            out.insert(name.clone(), Value::String(text.clone()));
        }
        for child in &el.children {
            let value = self.untyped(child, depth + 1);
            match out.get_mut(&child.name) {
                Some(Value::Array(list)) => list.push(value),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, value]);
                }
                None => {
                    out.insert(child.name.clone(), value);
                }
            }
        }
        Value::Object(out)
    }
}

fn find(el: &Element, used: &[bool], name: &str) -> Option<usize> {
    (0..el.children.len()).find(|&i| !used[i] && el.children[i].name == name)
}
