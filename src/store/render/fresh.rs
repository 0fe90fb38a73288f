//! Envelope fields that change per answer: request ids, timestamps, and for lists, totals
//! and page facts by the names vendors give them.

use serde_json::{Map, Value};

use super::Page;
use crate::generate::fresh_uuid;
use crate::spec::Api;

/// What the envelope gets fresh on every answer.
#[derive(Debug, Clone, Copy)]
pub(super) enum Fresh {
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

/// The fresh fields of a frame, skipping the slot (`skip`: its path below this level).
pub(super) fn collect_fresh(
    api: &Api,
    schema: &Value,
    map: &Map<String, Value>,
    skip: &[String],
    list: bool,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Fresh)>,
) {
    if path.len() > 4 {
        return;
    }
    let props = schema.get("properties").and_then(Value::as_object);
    for (name, value) in map {
        if let [only] = skip
            && only == name
        {
            continue;
        }
        let prop = props.and_then(|p| p.get(name)).map(|p| api.schemas.deref(p));
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
            let below = match skip.split_first() {
                Some((first, rest)) if first == name => rest,
                _ => &[],
            };
            collect_fresh(api, p, inner, below, list, path, out);
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
pub(super) fn fresh_value(
    fresh: Fresh,
    current: &Value,
    page: Option<&Page>,
    now: &std::cell::OnceCell<String>,
) -> Option<Value> {
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
