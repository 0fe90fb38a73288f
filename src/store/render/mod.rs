//! Stored resources rendered in each operation's own answer shape: the documented example
//! (or a generated answer) is the frame, the resource goes where the item sits in it
//! (`{organization: …}`, `{data: …, meta: …}`, or the whole body), the envelope's request
//! ids and timestamps are fresh, and list totals and page tokens are filled in.
//!
//! Where things go is worked out once per operation (a [`Plan`]); answering only copies.

mod fresh;
mod serialize;

use std::sync::Arc;

use http::HeaderValue;
use serde_json::{Map, Value};

use crate::generate::generate;
use crate::spec::{Api, MediaType, SchemaId};
use fresh::{Fresh, collect_fresh, fresh_value};
use serialize::{Content, List, Overlay, Projected, shaped, to_vec};

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

/// A path into the answer (`["organization"]`, `["response", "data"]`).
type Path = Vec<String>;

#[derive(Debug, Clone)]
enum Slot {
    /// The item is the whole answer.
    Root(Projection),
    /// The item sits at this path in an envelope.
    Field(Path, Projection),
    /// The answer is the list itself.
    ListRoot(Projection),
    /// The list sits at this path in an envelope (`{response: {data: […]}}`).
    ListField(Path, Projection),
    /// No place for the item (`{}` after a delete, Zitadel's `{details}`): the frame as is.
    None,
}

/// How one operation answers with stored resources.
#[derive(Debug, Clone)]
pub struct Plan {
    pub status: http::StatusCode,
    pub content_type: HeaderValue,
    /// The answer's documented schema.
    pub schema: Option<SchemaId>,
    frame: Value,
    slot: Slot,
    /// Paths into the envelope, with what goes there.
    fresh: Vec<(Vec<String>, Fresh)>,
}

impl Plan {
    /// `id_field` names the property that marks an item, wherever the answer puts it; a
    /// `list` answers a page of items.
    pub fn new(api: &Api, status: http::StatusCode, media: &MediaType, id_field: &str, list: bool) -> Plan {
        let schema = media.schema.map(|id| api.schemas.deref(api.schemas.get(id))).unwrap_or(&Value::Bool(true));
        let frame = match (media.examples.first(), media.schema) {
            (Some(example), _) => example.value.clone(),
            (None, Some(id)) => generate(&api.schemas, id, 1).unwrap_or(Value::Object(Map::new())),
            (None, None) => Value::Object(Map::new()),
        };
        let slot = slot(api, schema, &frame, id_field, list);
        let mut fresh = Vec::new();
        if !matches!(slot, Slot::Root(_) | Slot::ListRoot(_))
            && let Value::Object(map) = &frame
        {
            let skip: &[String] = match &slot {
                Slot::Field(path, _) | Slot::ListField(path, _) => path,
                _ => &[],
            };
            let list = matches!(slot, Slot::ListField(..));
            collect_fresh(api, schema, map, skip, list, &mut Vec::new(), &mut fresh);
        }
        Plan { status, content_type: media.content_type.clone(), schema: media.schema, frame, slot, fresh }
    }

    /// Where one item sits in this answer, as a JSON pointer (`""`: it is the answer;
    /// `/organization`: in an envelope); `None` for lists and answers without an item.
    pub fn item_pointer(&self) -> Option<String> {
        match &self.slot {
            Slot::Root(_) => Some(String::new()),
            Slot::Field(path, _) => Some(pointer(path)),
            // The first item of a list.
            Slot::ListRoot(_) => Some("/0".into()),
            Slot::ListField(path, _) => Some(format!("{}/0", pointer(path))),
            Slot::None => None,
        }
    }

    /// Whether this answers a page of items.
    pub fn is_list(&self) -> bool {
        matches!(self.slot, Slot::ListRoot(_) | Slot::ListField(..))
    }

    /// An answer of one item: the item itself, or a page holding only it (for a list).
    pub fn one(&self, item: Arc<Value>) -> Vec<u8> {
        match &self.slot {
            Slot::ListRoot(_) | Slot::ListField(..) => {
                self.to_bytes(Body::List(Page { items: vec![item], total: 1, size: 1, ..Page::default() }))
            }
            _ => self.to_bytes(Body::Item(&item)),
        }
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
            (Slot::Field(path, p), Body::Item(item)) => Some((path, Content::Item(Projected { projection: p, item }))),
            (Slot::ListField(path, p), Body::List(page)) => {
                Some((path, Content::List(List { projection: p, items: &page.items })))
            }
            _ => None,
        };
        let slot = content.as_ref().map(|(path, content)| (path.as_slice(), content));
        to_vec(&Overlay { value: &self.frame, overrides, slot })
    }
}

/// A path as a JSON pointer.
fn pointer(path: &[String]) -> String {
    path.iter().fold(String::new(), |p, key| crate::spec::pointer::push(&p, key))
}

impl Projection {
    fn new(api: &Api, schema: &Value, frame: Option<&Value>) -> Projection {
        let schema = api.schemas.deref(schema);
        let described = crate::store::fields::properties(api, schema);
        if described.is_empty() {
            return Projection { properties: None, required: Map::new(), open: true };
        }
        let names = crate::store::fields::required(api, schema);
        let required = names.iter().filter_map(|name| Some((name.clone(), frame?.get(name)?.clone()))).collect();
        // A required property the schema does not describe is documented all the same.
        let mut properties: Vec<String> = described.iter().map(|(n, _)| (*n).clone()).collect();
        for name in names {
            if !properties.contains(&name) {
                properties.push(name);
            }
        }
        Projection {
            properties: Some(properties),
            required,
            open: schema.get("additionalProperties").is_some_and(Value::is_object),
        }
    }
}

fn is_item(api: &Api, schema: &Value, id_field: &str) -> bool {
    crate::store::infer::has_property(api, api.schemas.deref(schema), id_field)
}

/// The schema of a list's items, when they are items (they have the identifying property).
fn list_items<'s>(api: &'s Api, array: &'s Value, id_field: &str) -> Option<&'s Value> {
    let items = api.schemas.deref(array).get("items")?;
    is_item(api, items, id_field).then(|| api.schemas.deref(items))
}

/// Where the item (or, for a list, the list) goes in this answer: the answer itself, or a
/// property of its envelope — for a list, one or two levels down (Clerk's Frontend API
/// answers `{response: {data: […]}, client}`).
fn slot(api: &Api, schema: &Value, frame: &Value, id_field: &str, list: bool) -> Slot {
    if list {
        if let Some(each) = list_items(api, schema, id_field) {
            return Slot::ListRoot(Projection::new(api, each, frame.get(0)));
        }
        if let Some((path, each)) = list_in(api, schema, id_field, 2) {
            let example = path.iter().try_fold(frame, |v, key| v.get(key)).and_then(|v| v.get(0));
            return Slot::ListField(path, Projection::new(api, each, example));
        }
    }
    if is_item(api, schema, id_field) {
        return Slot::Root(Projection::new(api, schema, Some(frame)));
    }
    let props = crate::store::infer::envelope(crate::store::fields::properties(api, schema));
    if let Some((name, prop)) = props.iter().find(|(_, p)| is_item(api, p, id_field)) {
        return Slot::Field(vec![(*name).clone()], Projection::new(api, prop, frame.get(name.as_str())));
    }
    // An answer without a list where one was expected (a singleton read through a list).
    if !list && let Some((path, each)) = list_in(api, schema, id_field, 1) {
        let example = path.iter().try_fold(frame, |v, key| v.get(key)).and_then(|v| v.get(0));
        return Slot::ListField(path, Projection::new(api, each, example));
    }
    Slot::None
}

/// The path to a list of items among an envelope's properties, `depth` levels down at most.
fn list_in<'s>(api: &'s Api, schema: &'s Value, id_field: &str, depth: usize) -> Option<(Path, &'s Value)> {
    let props = crate::store::fields::properties(api, schema);
    if let Some((name, each)) = props.iter().find_map(|(k, p)| list_items(api, p, id_field).map(|each| (*k, each))) {
        return Some((vec![name.clone()], each));
    }
    if depth <= 1 {
        return None;
    }
    // One level down only the usual names of a page's items count (`{response: {data: […]}}`):
    // a client's `sessions` inside an answer are not the list it answers.
    props.iter().find_map(|(name, prop)| {
        let inner = crate::store::fields::properties(api, api.schemas.deref(prop));
        let (key, each) = inner
            .iter()
            .filter(|(k, _)| PAGE_ITEMS.contains(&k.as_str()))
            .find_map(|(k, p)| list_items(api, p, id_field).map(|each| (*k, each)))?;
        Some((vec![(*name).clone(), key.clone()], each))
    })
}

/// What envelopes call the items of a page, one level down.
const PAGE_ITEMS: &[&str] = &["data", "items", "results", "records", "list", "entries"];
