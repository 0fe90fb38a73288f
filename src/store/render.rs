//! Stored resources rendered in each operation's own answer shape: the documented example
//! (or a generated answer) is the frame, the resource goes where the item sits in it
//! (`{organization: …}`, `{data: …, meta: …}`, or the whole body), the envelope's request
//! ids and timestamps are fresh, and list totals and page tokens are filled in.

use serde_json::{Map, Value};

use crate::generate::generate;
use crate::spec::{Api, MediaType};
use crate::validate::deref;

/// What goes into an answer.
pub enum Body<'a> {
    Item(&'a Value),
    List(Page),
}

/// One page of a list.
pub struct Page {
    pub items: Vec<Value>,
    pub total: usize,
    pub offset: usize,
    pub size: usize,
    pub next_token: Option<String>,
    pub prev_token: Option<String>,
}

/// Renders `body` in the answer shape of `media`.
pub fn render(api: &Api, media: &MediaType, body: Body<'_>, seed: u64) -> Value {
    let schema = media.schema.map(|id| api.schemas.get(id)).unwrap_or(&Value::Bool(true));
    // The frame is borrowed: only the envelope around the slot is copied out of it.
    let generated;
    let frame = match (media.examples.first(), media.schema) {
        (Some(example), _) => &example.value,
        (None, Some(id)) => {
            generated = generate(&api.schemas, id, seed).unwrap_or(Value::Object(Map::new()));
            &generated
        }
        (None, None) => &Value::Null,
    };
    match body {
        Body::Item(item) => {
            let (out, slot) = place_item(api, schema, frame, item);
            refresh(api, schema, out, slot.as_deref(), None)
        }
        Body::List(page) => {
            let (out, slot) = place_list(api, schema, frame, &page.items);
            refresh(api, schema, out, slot.as_deref(), Some(&page))
        }
    }
}

fn has_id(api: &Api, schema: &Value) -> bool {
    deref(&api.schemas, schema).get("properties").and_then(|p| p.get("id")).is_some()
}

/// Puts the item where it belongs; returns the body and the slot's property name (`None`: the root).
fn place_item(api: &Api, schema: &Value, frame: &Value, item: &Value) -> (Value, Option<String>) {
    let s = deref(&api.schemas, schema);
    if has_id(api, s) {
        return (project(api, s, item, Some(frame)), None);
    }
    let Some(Value::Object(props)) = s.get("properties") else { return (frame.clone(), None) };
    let slot = props.iter().find(|(_, p)| has_id(api, p)).map(|(k, p)| (k.clone(), p));
    match (slot, frame) {
        (Some((name, prop)), Value::Object(map)) => {
            let placed = project(api, deref(&api.schemas, prop), item, map.get(&name));
            (replace_slot(map, &name, placed), Some(name))
        }
        // No place for an item (`{}` for a delete, `{details}` for Zitadel's remove): the frame as is.
        (_, frame) => (frame.clone(), Some(String::new())),
    }
}

/// The frame's envelope, copied, with `placed` in the slot (added if the frame lacks it).
fn replace_slot(frame: &Map<String, Value>, slot: &str, placed: Value) -> Value {
    let mut out = Map::with_capacity(frame.len() + 1);
    let mut placed = Some(placed);
    for (k, v) in frame {
        if k == slot {
            out.insert(k.clone(), placed.take().unwrap_or(Value::Null));
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    if let Some(placed) = placed {
        out.insert(slot.to_string(), placed);
    }
    Value::Object(out)
}

fn place_list(api: &Api, schema: &Value, frame: &Value, items: &[Value]) -> (Value, Option<String>) {
    let s = deref(&api.schemas, schema);
    let item_schema = |array: &Value| -> Option<Value> {
        let array = deref(&api.schemas, array);
        let items = array.get("items")?;
        has_id(api, items).then(|| deref(&api.schemas, items).clone())
    };
    if let Some(each) = item_schema(s) {
        let list = items.iter().map(|i| project(api, &each, i, None)).collect();
        return (Value::Array(list), None);
    }
    let Some(Value::Object(props)) = s.get("properties") else { return (frame.clone(), Some(String::new())) };
    let slot = props.iter().find_map(|(k, p)| item_schema(p).map(|each| (k.clone(), each)));
    match (slot, frame) {
        (Some((name, each)), Value::Object(map)) => {
            let example = map.get(&name).and_then(|v| v.get(0));
            let list = items.iter().map(|i| project(api, &each, i, example)).collect();
            (replace_slot(map, &name, Value::Array(list)), Some(name))
        }
        (_, frame) => (frame.clone(), Some(String::new())),
    }
}

/// The item, cut to the properties this answer documents. A required property the item
/// lacks comes from the frame (the documented example), so the answer stays valid.
fn project(api: &Api, schema: &Value, item: &Value, frame: Option<&Value>) -> Value {
    let schema = deref(&api.schemas, schema);
    let (Some(Value::Object(props)), Value::Object(item)) = (schema.get("properties"), item) else {
        return item.clone();
    };
    let required: Vec<&str> =
        schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let open = schema.get("additionalProperties") != Some(&Value::Bool(false));
    let mut out = Map::new();
    for name in props.keys() {
        if let Some(v) = item.get(name) {
            out.insert(name.clone(), v.clone());
        } else if required.contains(&name.as_str())
            && let Some(v) = frame.and_then(|f| f.get(name))
        {
            out.insert(name.clone(), v.clone());
        }
    }
    if open && schema.get("additionalProperties").is_some_and(Value::is_object) {
        for (k, v) in item {
            out.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Value::Object(out)
}

/// Fresh request ids and timestamps in the envelope; list totals and page facts.
fn refresh(api: &Api, schema: &Value, mut body: Value, slot: Option<&str>, page: Option<&Page>) -> Value {
    let Some(slot) = slot else { return body };
    let schema = deref(&api.schemas, schema);
    if let Value::Object(map) = &mut body {
        walk(api, schema, map, slot, page, 0);
    }
    body
}

fn walk(api: &Api, schema: &Value, map: &mut Map<String, Value>, slot: &str, page: Option<&Page>, depth: usize) {
    if depth > 4 {
        return;
    }
    let props = schema.get("properties").and_then(Value::as_object);
    for (name, value) in map.iter_mut() {
        if depth == 0 && name == slot {
            continue;
        }
        let prop = props.and_then(|p| p.get(name)).map(|p| deref(&api.schemas, p));
        match prop.and_then(|p| p.get("format")).and_then(Value::as_str) {
            Some("uuid") if value.is_string() => *value = Value::String(crate::generate::fresh_uuid()),
            Some("date-time") if value.is_string() => *value = Value::String(crate::style::template::now_rfc3339()),
            _ => {}
        }
        if let Some(page) = page {
            page_fact(name, value, page);
        }
        if let (Value::Object(inner), Some(p)) = (value, prop) {
            walk(api, p, inner, slot, page, depth + 1);
        }
    }
}

/// Totals, page numbers and tokens, by the names vendors give them; the type is kept.
fn page_fact(name: &str, value: &mut Value, page: &Page) {
    let pages = if page.size == 0 { 0 } else { page.total.div_ceil(page.size) };
    let number = |n: usize| -> Value { if value.is_string() { Value::String(n.to_string()) } else { Value::from(n) } };
    let new = match name {
        "total_count" | "total_size" | "total_items" | "totalResult" | "total" | "totalCount" | "total_results" => {
            number(page.total)
        }
        "total_pages" | "totalPages" => number(pages),
        "page_number" | "page" | "pageNumber" => number(page.offset / page.size.max(1) + 1),
        "page_size" | "per_page" | "pageSize" | "limit" => number(page.size),
        "offset" => number(page.offset),
        "next_page_token" | "nextPageToken" => Value::String(page.next_token.clone().unwrap_or_default()),
        "prev_page_token" | "prevPageToken" => Value::String(page.prev_token.clone().unwrap_or_default()),
        _ => return,
    };
    *value = new;
}
