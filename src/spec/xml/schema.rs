//! What a converted schema says about XML: the `xml` object (name, attribute, wrapped,
//! namespace, prefix, and 3.2's nodeType), and where its properties and items are, looking
//! through `$ref` and composition.

use serde_json::Value;

use crate::spec::Schemas;
use crate::spec::pointer::unescape;

/// `$ref` chains and composition are followed this deep, then we stop looking.
const MAX_DEPTH: usize = 16;

/// The `xml` object of a schema; the referring schema's own keys win over its target's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlInfo {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub prefix: Option<String>,
    pub attribute: bool,
    pub wrapped: bool,
    /// OpenAPI 3.2 `nodeType`: `element`, `attribute`, `text`, `cdata` or `none`.
    pub node_type: Option<String>,
}

impl XmlInfo {
    pub fn is_attribute(&self) -> bool {
        self.node_type.as_deref().map_or(self.attribute, |t| t == "attribute")
    }

    pub fn is_text(&self) -> bool {
        matches!(self.node_type.as_deref(), Some("text" | "cdata"))
    }

    /// `prefix:name`, or `name` alone.
    pub fn qualified(&self, name: &str) -> String {
        match &self.prefix {
            Some(prefix) if !prefix.is_empty() => format!("{prefix}:{name}"),
            _ => name.to_string(),
        }
    }
}

/// The schemas that apply together: the schema, its `$ref` targets and its `allOf`
/// branches (recursively); with `branches`, `anyOf`/`oneOf` branches too.
pub fn applied<'s>(schemas: &'s Schemas, schema: &'s Value, branches: bool) -> Vec<&'s Value> {
    fn walk<'s>(schemas: &'s Schemas, schema: &'s Value, branches: bool, depth: usize, out: &mut Vec<&'s Value>) {
        if depth > MAX_DEPTH || out.len() > 64 {
            return;
        }
        out.push(schema);
        if let Some(target) = schemas.follow(schema) {
            walk(schemas, target, branches, depth + 1, out);
        }
        let keys: &[&str] = if branches { &["allOf", "anyOf", "oneOf"] } else { &["allOf"] };
        for key in keys {
            for branch in schema.get(*key).and_then(Value::as_array).into_iter().flatten() {
                walk(schemas, branch, branches, depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(schemas, schema, branches, 0, &mut out);
    out
}

pub fn info(schemas: &Schemas, schema: &Value) -> XmlInfo {
    let mut out = XmlInfo::default();
    let (mut attribute, mut wrapped) = (None, None);
    for s in applied(schemas, schema, false) {
        let Some(xml) = s.get("xml").and_then(Value::as_object) else { continue };
        let text = |k: &str| xml.get(k).and_then(Value::as_str).map(str::to_string);
        out.name = out.name.or_else(|| text("name"));
        out.namespace = out.namespace.or_else(|| text("namespace"));
        out.prefix = out.prefix.or_else(|| text("prefix"));
        out.node_type = out.node_type.or_else(|| text("nodeType"));
        attribute = attribute.or_else(|| xml.get("attribute").and_then(Value::as_bool));
        wrapped = wrapped.or_else(|| xml.get("wrapped").and_then(Value::as_bool));
    }
    out.attribute = attribute.unwrap_or(false);
    out.wrapped = wrapped.unwrap_or(false);
    out
}

/// The component name a schema refers to (`Pet` for `#/components/schemas/Pet`), which
/// names its element when the `xml` object does not.
pub fn ref_name(schemas: &Schemas, schema: &Value) -> Option<String> {
    let reference = schema.get("$ref").and_then(Value::as_str)?;
    let origin = schemas.origin_of(reference)?;
    let pointer = origin.rsplit_once(": #").map(|(_, p)| p)?;
    let (parent, last) = pointer.rsplit_once('/')?;
    matches!(parent, "/components/schemas" | "/definitions").then(|| unescape(last))
}

/// The element name of a schema standing on its own (a body's root, an array's items).
pub fn own_name(schemas: &Schemas, schema: &Value) -> Option<String> {
    info(schemas, schema)
        .name
        .or_else(|| applied(schemas, schema, false).into_iter().find_map(|s| ref_name(schemas, s)))
}

/// The declared properties, in document order, looking through composition.
pub fn properties<'s>(schemas: &'s Schemas, schema: &'s Value) -> Vec<(&'s str, &'s Value)> {
    let mut out: Vec<(&str, &Value)> = Vec::new();
    for s in applied(schemas, schema, true) {
        for (name, prop) in s.get("properties").and_then(Value::as_object).into_iter().flatten() {
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name.as_str(), prop));
            }
        }
    }
    out
}

/// The schema of a property not declared by name (`additionalProperties`), if any.
pub fn additional<'s>(schemas: &'s Schemas, schema: &'s Value) -> Option<&'s Value> {
    applied(schemas, schema, true).into_iter().find_map(|s| s.get("additionalProperties").filter(|v| v.is_object()))
}

/// The schema of array items, looking through composition (a nullable array is `anyOf`).
pub fn items<'s>(schemas: &'s Schemas, schema: &'s Value) -> Option<&'s Value> {
    applied(schemas, schema, true).into_iter().find_map(|s| s.get("items").filter(|v| v.is_object()))
}

/// Whether the schema describes an array (by `type` or `items`).
pub fn is_array(schemas: &Schemas, schema: &Value) -> bool {
    applied(schemas, schema, true).into_iter().any(|s| {
        s.get("items").is_some()
            || match s.get("type") {
                Some(Value::String(t)) => t == "array",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "array"),
                _ => false,
            }
    })
}

/// A name XML accepts: characters it does not are replaced with `_`.
pub fn element_name(name: &str) -> String {
    let mut out: String =
        name.chars().map(|c| if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':') { c } else { '_' }).collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}
