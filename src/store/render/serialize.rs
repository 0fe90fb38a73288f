//! Writing an answer straight from the frame and the stored items: the item cut to what
//! the answer documents, the list of them, and the frame with the slot and fresh values in
//! their places — no intermediate copy.

use std::sync::Arc;

use serde_json::Value;

use super::Projection;

/// A stored value in the shape of the example it replaces: objects keep the example's keys
/// (taking the stored values where there are some); other values must be of the same kind.
pub(super) fn shaped(stored: &Value, example: &Value) -> Option<Value> {
    match (stored, example) {
        (Value::Object(s), Value::Object(e)) => Some(Value::Object(
            e.iter().map(|(k, v)| (k.clone(), s.get(k).cloned().unwrap_or_else(|| v.clone()))).collect(),
        )),
        (s, e) if std::mem::discriminant(s) == std::mem::discriminant(e) => Some(s.clone()),
        _ => None,
    }
}

pub(super) fn to_vec(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// An item as one answer documents it.
pub(super) struct Projected<'a> {
    pub projection: &'a Projection,
    pub item: &'a Value,
}

impl serde::Serialize for Projected<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (Some(properties), Value::Object(item)) = (&self.projection.properties, self.item) else {
            return self.item.serialize(serializer);
        };
        let mut map = serializer.serialize_map(None)?;
        for name in properties {
            if let Some(v) = item.get(name).or_else(|| self.projection.required.get(name)) {
                map.serialize_entry(name, v)?;
            }
        }
        if self.projection.open {
            for (k, v) in item.iter().filter(|(k, _)| !properties.contains(k)) {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

pub(super) struct List<'a> {
    pub projection: &'a Projection,
    pub items: &'a [Arc<Value>],
}

impl serde::Serialize for List<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.items.iter().map(|item| Projected { projection: self.projection, item }))
    }
}

pub(super) enum Content<'a> {
    Item(Projected<'a>),
    List(List<'a>),
}

impl serde::Serialize for Content<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Content::Item(item) => item.serialize(serializer),
            Content::List(list) => list.serialize(serializer),
        }
    }
}

/// The frame as it is, except the slot and the fresh values, written in their places.
pub(super) struct Overlay<'a> {
    pub value: &'a Value,
    pub overrides: Vec<(&'a [String], &'a Value)>,
    /// Where the item or list goes: a path into the frame (`["response", "data"]`).
    pub slot: Option<(&'a [String], &'a Content<'a>)>,
}

impl serde::Serialize for Overlay<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(frame) = self.value else {
            // No object to put the slot in (a frame that is not an envelope).
            if let Some((_, content)) = self.slot {
                return content.serialize(serializer);
            }
            return self.value.serialize(serializer);
        };
        if self.overrides.is_empty() && self.slot.is_none() {
            return self.value.serialize(serializer);
        }
        let mut map = serializer.serialize_map(None)?;
        let mut slot_written = false;
        for (key, value) in frame {
            // The slot's place, or the way to it.
            let slot = self.slot.filter(|(path, _)| path.first() == Some(key));
            if let Some(([_], content)) = slot {
                map.serialize_entry(key, content)?;
                slot_written = true;
                continue;
            }
            let inner_slot = slot.map(|(path, content)| (&path[1..], content));
            slot_written |= inner_slot.is_some();
            let below: Vec<(&[String], &Value)> = self
                .overrides
                .iter()
                .filter(|(path, _)| path.first() == Some(key))
                .map(|(path, v)| (&path[1..], *v))
                .collect();
            match below.iter().find(|(rest, _)| rest.is_empty()) {
                Some((_, replacement)) => map.serialize_entry(key, replacement)?,
                None if below.is_empty() && inner_slot.is_none() => map.serialize_entry(key, value)?,
                None => map.serialize_entry(key, &Overlay { value, overrides: below, slot: inner_slot })?,
            }
        }
        // The frame has no place for it: added where it belongs (one level).
        if let (Some(([name], content)), false) = (self.slot, slot_written) {
            map.serialize_entry(name, content)?;
        }
        map.end()
    }
}
