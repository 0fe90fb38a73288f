//! Stored resources rendered in each operation's own answer shape: the documented example
//! (or a generated answer) is the frame, the resource goes where the item sits in it
//! (`{organization: …}`, `{data: …, meta: …}`, or the whole body), the envelope's request
//! ids and timestamps are fresh, and list totals and page tokens are filled in.
//!
//! Where things go is worked out once per operation (a [`Plan`]); answering only copies.

use std::sync::Arc;

use http::HeaderValue;
use serde_json::{Map, Value};

use crate::generate::{fresh_uuid, generate};
use crate::spec::{Api, MediaType};
use crate::validate::deref;

/// What goes into an answer.
pub enum Body<'a> {
    Item(&'a Value),
    List(Page),
}

/// One page of a list.
#[derive(Default)]
pub struct Page {
    pub items: Vec<Arc<Value>>,
    pub total: usize,
    pub offset: usize,
    pub size: usize,
    pub next_token: Option<String>,
    pub prev_token: Option<String>,
    /// The property sorted by, and whether descending.
    pub sort: Option<(String, bool)>,
}

/// An item cut to what one answer documents.
#[derive(Debug, Clone)]
struct Projection {
    /// Documented properties, in the document's order; `None`: copy the item as it is.
    properties: Option<Vec<String>>,
    /// Required properties and the frame's value for each, for items that lack them.
    required: Map<String, Value>,
    /// Properties the answer does not list are allowed (a map-like schema): keep them.
    open: bool,
}

#[derive(Debug, Clone)]
enum Slot {
    /// The item is the whole answer.
    Root(Projection),
    /// The item sits in this property of an envelope.
    Field(String, Projection),
    /// The answer is the list itself.
    ListRoot(Projection),
    /// The list sits in this property of an envelope.
    ListField(String, Projection),
    /// No place for the item (`{}` after a delete, Zitadel's `{details}`): the frame as is.
    None,
}

/// What the envelope gets fresh on every answer.
#[derive(Debug, Clone, Copy)]
enum Fresh {
    Uuid,
    Now,
    Total,
    Pages,
    PageNumber,
    PageSize,
    Offset,
    /// Page tokens; `true` where the document's token is nullable (`null` at the end).
    NextToken(bool),
    PrevToken(bool),
    HasMore,
    SortBy,
    SortOrder,
}

/// How one operation answers with stored resources.
#[derive(Debug, Clone)]
pub struct Plan {
    pub status: u16,
    pub content_type: HeaderValue,
    frame: Value,
    slot: Slot,
    /// Paths into the envelope, with what goes there.
    fresh: Vec<(Vec<String>, Fresh)>,
}

impl Plan {
    /// `id_field` names the property that marks an item, wherever the answer puts it.
    pub fn new(api: &Api, status: u16, media: &MediaType, id_field: &str) -> Plan {
        let schema = media.schema.map(|id| deref(&api.schemas, api.schemas.get(id))).unwrap_or(&Value::Bool(true));
        let frame = match (media.examples.first(), media.schema) {
            (Some(example), _) => example.value.clone(),
            (None, Some(id)) => generate(&api.schemas, id, 1).unwrap_or(Value::Object(Map::new())),
            (None, None) => Value::Object(Map::new()),
        };
        let slot = slot(api, schema, &frame, id_field);
        let mut fresh = Vec::new();
        if !matches!(slot, Slot::Root(_) | Slot::ListRoot(_))
            && let Value::Object(map) = &frame
        {
            let skip = match &slot {
                Slot::Field(name, _) | Slot::ListField(name, _) => Some(name.as_str()),
                _ => None,
            };
            let list = matches!(slot, Slot::ListField(..));
            collect_fresh(api, schema, map, skip, list, &mut Vec::new(), &mut fresh);
        }
        Plan { status, content_type: media.content_type.clone(), frame, slot, fresh }
    }

    /// The answer for an item or a page of items, serialized straight from the stored item
    /// and the frame: nothing is copied into an intermediate value.
    pub fn to_bytes(&self, body: Body<'_>) -> Vec<u8> {
        let page = match &body {
            Body::List(page) => Some(page),
            Body::Item(_) => None,
        };
        let now = std::cell::OnceCell::new();
        let overrides: Vec<(&[String], Value)> = self
            .fresh
            .iter()
            .filter_map(|(path, fresh)| {
                let current = path.iter().try_fold(&self.frame, |v, key| v.get(key))?;
                Some((path.as_slice(), fresh_value(*fresh, current, page, &now)?))
            })
            .collect();
        // No place for the item (Zitadel's `{details}` after an update): what the answer
        // shares with the item comes from the item, cut to the fields the answer shows.
        let shared: Vec<(&[String], Value)> = match (&self.slot, &body, &self.frame) {
            (Slot::None, Body::Item(Value::Object(item)), Value::Object(frame)) => frame
                .iter()
                .filter_map(|(key, example)| Some((std::slice::from_ref(key), shaped(item.get(key)?, example)?)))
                .collect(),
            _ => Vec::new(),
        };
        let mut overrides: Vec<(&[String], &Value)> = overrides
            .iter()
            .filter(|(path, _)| !shared.iter().any(|(key, _)| path.first() == key.first()))
            .map(|(p, v)| (*p, v))
            .collect();
        overrides.extend(shared.iter().map(|(p, v)| (*p, v)));
        let content = match (&self.slot, &body) {
            (Slot::Root(p), Body::Item(item)) => return to_vec(&Projected { projection: p, item }),
            (Slot::ListRoot(p), Body::List(page)) => return to_vec(&List { projection: p, items: &page.items }),
            (Slot::Field(name, p), Body::Item(item)) => {
                Some((name.as_str(), Content::Item(Projected { projection: p, item })))
            }
            (Slot::ListField(name, p), Body::List(page)) => {
                Some((name.as_str(), Content::List(List { projection: p, items: &page.items })))
            }
            _ => None,
        };
        to_vec(&Overlay { value: &self.frame, overrides, slot: content })
    }
}

/// A stored value in the shape of the example it replaces: objects keep the example's keys
/// (taking the stored values where there are some); other values must be of the same kind.
fn shaped(stored: &Value, example: &Value) -> Option<Value> {
    match (stored, example) {
        (Value::Object(s), Value::Object(e)) => Some(Value::Object(
            e.iter().map(|(k, v)| (k.clone(), s.get(k).cloned().unwrap_or_else(|| v.clone()))).collect(),
        )),
        (s, e) if std::mem::discriminant(s) == std::mem::discriminant(e) => Some(s.clone()),
        _ => None,
    }
}

fn to_vec(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// An item as one answer documents it.
struct Projected<'a> {
    projection: &'a Projection,
    item: &'a Value,
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

struct List<'a> {
    projection: &'a Projection,
    items: &'a [Arc<Value>],
}

impl serde::Serialize for List<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.items.iter().map(|item| Projected { projection: self.projection, item }))
    }
}

enum Content<'a> {
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
struct Overlay<'a> {
    value: &'a Value,
    overrides: Vec<(&'a [String], &'a Value)>,
    slot: Option<(&'a str, Content<'a>)>,
}

impl serde::Serialize for Overlay<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(frame) = self.value else { return self.value.serialize(serializer) };
        if self.overrides.is_empty() && self.slot.is_none() {
            return self.value.serialize(serializer);
        }
        let mut map = serializer.serialize_map(None)?;
        let mut slot_written = false;
        for (key, value) in frame {
            if let Some((name, content)) = &self.slot
                && name == key
            {
                map.serialize_entry(key, content)?;
                slot_written = true;
                continue;
            }
            let below: Vec<(&[String], &Value)> = self
                .overrides
                .iter()
                .filter(|(path, _)| path.first() == Some(key))
                .map(|(path, v)| (&path[1..], *v))
                .collect();
            match below.iter().find(|(rest, _)| rest.is_empty()) {
                Some((_, replacement)) => map.serialize_entry(key, replacement)?,
                None if below.is_empty() => map.serialize_entry(key, value)?,
                None => map.serialize_entry(key, &Overlay { value, overrides: below, slot: None })?,
            }
        }
        if let (Some((name, content)), false) = (&self.slot, slot_written) {
            map.serialize_entry(name, content)?;
        }
        map.end()
    }
}

impl Projection {
    fn new(api: &Api, schema: &Value, frame: Option<&Value>) -> Projection {
        let schema = deref(&api.schemas, schema);
        let Some(Value::Object(props)) = schema.get("properties") else {
            return Projection { properties: None, required: Map::new(), open: true };
        };
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|name| Some((name.to_string(), frame?.get(name)?.clone())))
            .collect();
        Projection {
            properties: Some(props.keys().cloned().collect()),
            required,
            open: schema.get("additionalProperties").is_some_and(Value::is_object),
        }
    }
}

fn is_item(api: &Api, schema: &Value, id_field: &str) -> bool {
    crate::store::infer::has_property(api, deref(&api.schemas, schema), id_field)
}

/// The schema of a list's items, when they are items (they have the identifying property).
fn list_items<'s>(api: &'s Api, array: &'s Value, id_field: &str) -> Option<&'s Value> {
    let items = deref(&api.schemas, array).get("items")?;
    is_item(api, items, id_field).then(|| deref(&api.schemas, items))
}

/// Where the item (or the list) goes in this answer.
fn slot(api: &Api, schema: &Value, frame: &Value, id_field: &str) -> Slot {
    if is_item(api, schema, id_field) {
        return Slot::Root(Projection::new(api, schema, Some(frame)));
    }
    if let Some(each) = list_items(api, schema, id_field) {
        return Slot::ListRoot(Projection::new(api, each, frame.get(0)));
    }
    let Some(Value::Object(props)) = schema.get("properties") else { return Slot::None };
    if let Some((name, prop)) = props.iter().find(|(_, p)| is_item(api, p, id_field)) {
        return Slot::Field(name.clone(), Projection::new(api, prop, frame.get(name)));
    }
    if let Some((name, each)) = props.iter().find_map(|(k, p)| list_items(api, p, id_field).map(|each| (k, each))) {
        let example = frame.get(name).and_then(|v| v.get(0));
        return Slot::ListField(name.clone(), Projection::new(api, each, example));
    }
    Slot::None
}

/// Envelope fields that change per answer: request ids, timestamps, and for lists, totals
/// and page facts by the names vendors give them.
fn collect_fresh(
    api: &Api,
    schema: &Value,
    map: &Map<String, Value>,
    skip: Option<&str>,
    list: bool,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Fresh)>,
) {
    if path.len() > 4 {
        return;
    }
    let props = schema.get("properties").and_then(Value::as_object);
    for (name, value) in map {
        if path.is_empty() && Some(name.as_str()) == skip {
            continue;
        }
        let prop = props.and_then(|p| p.get(name)).map(|p| deref(&api.schemas, p));
        path.push(name.clone());
        let by_format = match (prop.and_then(|p| p.get("format")).and_then(Value::as_str), value.is_string()) {
            (Some("uuid"), true) => Some(Fresh::Uuid),
            (Some("date-time"), true) => Some(Fresh::Now),
            _ => None,
        };
        let nullable = prop.is_some_and(|p| {
            p.get("nullable") == Some(&Value::Bool(true))
                || p.get("type").and_then(Value::as_array).is_some_and(|ts| ts.iter().any(|t| t == "null"))
        });
        let by_name = if list { page_fact(name, nullable) } else { None };
        if let Some(fresh) = by_name.or(by_format) {
            out.push((path.clone(), fresh));
        }
        if let (Value::Object(inner), Some(p)) = (value, prop) {
            collect_fresh(api, p, inner, skip, list, path, out);
        }
        path.pop();
    }
}

fn page_fact(name: &str, nullable: bool) -> Option<Fresh> {
    Some(match name {
        "total_count" | "total_size" | "total_items" | "totalResult" | "total" | "totalCount" | "total_results" => {
            Fresh::Total
        }
        "total_pages" | "totalPages" => Fresh::Pages,
        "page_number" | "page" | "pageNumber" => Fresh::PageNumber,
        "page_size" | "per_page" | "pageSize" | "limit" => Fresh::PageSize,
        "offset" => Fresh::Offset,
        "next_page_token" | "nextPageToken" | "next_cursor" | "nextCursor" => Fresh::NextToken(nullable),
        "prev_page_token" | "prevPageToken" | "prev_cursor" | "prevCursor" | "previous_cursor" => {
            Fresh::PrevToken(nullable)
        }
        "has_more" | "hasMore" | "has_next" | "hasNext" => Fresh::HasMore,
        "sort_by" | "sortBy" | "order_by" => Fresh::SortBy,
        "sort_order" | "sortOrder" => Fresh::SortOrder,
        _ => return None,
    })
}

/// A page token; at either end, `null` where the document allows it, else "".
fn token(value: Option<&String>, nullable: bool) -> Value {
    match value {
        Some(t) => Value::String(t.clone()),
        None if nullable => Value::Null,
        None => Value::String(String::new()),
    }
}

/// The new value for a fresh field; numbers keep the type the frame gives them.
fn fresh_value(fresh: Fresh, current: &Value, page: Option<&Page>, now: &std::cell::OnceCell<String>) -> Option<Value> {
    let number = |n: usize| if current.is_string() { Value::String(n.to_string()) } else { Value::from(n) };
    Some(match (fresh, page) {
        (Fresh::Uuid, _) => Value::String(fresh_uuid()),
        (Fresh::Now, _) => Value::String(now.get_or_init(crate::style::template::now_rfc3339).clone()),
        (Fresh::Total, Some(p)) => number(p.total),
        (Fresh::Pages, Some(p)) => number(if p.size == 0 { 0 } else { p.total.div_ceil(p.size) }),
        (Fresh::PageNumber, Some(p)) => number(p.offset / p.size.max(1) + 1),
        (Fresh::PageSize, Some(p)) => number(p.size),
        (Fresh::Offset, Some(p)) => number(p.offset),
        (Fresh::NextToken(nullable), Some(p)) => token(p.next_token.as_ref(), nullable || current.is_null()),
        (Fresh::PrevToken(nullable), Some(p)) => token(p.prev_token.as_ref(), nullable || current.is_null()),
        (Fresh::HasMore, Some(p)) => Value::Bool(p.next_token.is_some()),
        (Fresh::SortBy, Some(p)) => Value::String(p.sort.as_ref()?.0.clone()),
        (Fresh::SortOrder, Some(p)) => Value::String(if p.sort.as_ref()?.1 { "desc" } else { "asc" }.into()),
        (_, None) => return None,
    })
}
