//! What a client may write into a stored resource: the properties the operation's request
//! body documents (and the item has), never the ones the server owns. Everything else a
//! client sends is dropped, so a stored item always answers in the documented shape — a
//! `region_code` the create body does not take, or a `details` object the server keeps,
//! cannot be slipped in.

use serde_json::{Map, Value};

use super::fields;
use crate::spec::{Api, Operation};

/// The properties one operation lets a client set.
#[derive(Debug, Clone, Default)]
pub struct Writable {
    /// Documented by the request body; `None`: the body documents none (a free-form object).
    requested: Option<Vec<String>>,
    /// Documented by the item; `None`: the item takes any property.
    stored: Option<Vec<String>>,
    owned: Vec<String>,
    /// The body wraps the item in this one property (`{"addon": {…}}`).
    wrap: Option<String>,
}

/// The properties a request body documents, and the envelope property it wraps them in, if
/// it is an envelope: one property, an object, that the item itself does not have.
pub fn requested<'a>(
    api: &'a Api,
    op: &'a Operation,
    item_properties: &[String],
) -> (Option<String>, Vec<(&'a String, &'a Value)>) {
    let mut wrap = None;
    let mut out = Vec::new();
    for media in op.body.iter().flat_map(|b| b.content.iter()) {
        let Some(id) = media.schema else { continue };
        let names = fields::properties(api, api.schemas.get(id));
        if let [(name, inner)] = names.as_slice()
            && !item_properties.contains(name)
            && let inner_names = fields::properties(api, inner)
            && !inner_names.is_empty()
        {
            wrap = Some((*name).clone());
            out.extend(inner_names);
            continue;
        }
        out.extend(names);
    }
    (wrap, out)
}

impl Writable {
    /// `properties` and `owned` are the item's, as the store prepared them.
    pub fn new(api: &Api, op: &Operation, item_schema: &Value, properties: &[String], owned: &[String]) -> Writable {
        let (wrap, names) = requested(api, op, properties);
        let documented = !names.is_empty();
        let requested: Vec<String> = names.into_iter().map(|(n, _)| n.clone()).collect();
        let item = api.schemas.deref(item_schema);
        let item_open = item.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false));
        Writable {
            requested: documented.then_some(requested),
            stored: (!properties.is_empty() && !item_open).then(|| properties.to_vec()),
            owned: owned.to_vec(),
            wrap,
        }
    }

    pub fn allows(&self, name: &str) -> bool {
        let listed = |names: &Option<Vec<String>>| names.as_ref().is_none_or(|n| n.iter().any(|k| k == name));
        !self.owned.iter().any(|k| k == name) && listed(&self.requested) && listed(&self.stored)
    }

    /// The body's writable properties (out of its envelope, if it has one).
    pub fn filter(&self, mut body: Map<String, Value>) -> Map<String, Value> {
        if let Some(wrap) = &self.wrap {
            body = match body.shift_remove(wrap) {
                Some(Value::Object(inner)) => inner,
                _ => Map::new(),
            };
        }
        body.into_iter().filter(|(k, _)| self.allows(k)).collect()
    }
}

/// JSON merge patch (RFC 7396): objects merge key by key, `null` removes, anything else
/// replaces.
pub fn merge_patch(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.shift_remove(&key);
            }
            Value::Object(inner) => match target.get_mut(&key) {
                Some(Value::Object(existing)) => merge_patch(existing, inner),
                _ => {
                    let mut fresh = Map::new();
                    merge_patch(&mut fresh, inner);
                    target.insert(key, Value::Object(fresh));
                }
            },
            other => {
                target.insert(key, other);
            }
        }
    }
}
