//! Lists as the document pages them: its own parameters (limit/offset, page_size/page_token,
//! page_number/page_size) in the query or in a search body, and filters by the query
//! parameters it documents.

use serde_json::{Map, Value};

use super::text;
use crate::spec::{Operation, ParamIn};

/// Where a list starts, how long a page is, and which properties it is filtered by —
/// read from the document's own parameters (limit/offset, page_size/page_token,
/// page_number/page_size) in the query, or in a search body (`{query: {offset, limit}}`).
pub fn paging(
    op: &Operation,
    query: &[(String, String)],
    body: Option<&Value>,
) -> (usize, usize, Vec<(String, String)>) {
    let mut known: Vec<(String, String)> = query.to_vec();
    if let Some(Value::Object(map)) = body {
        collect_scalars(map, &mut known, 0);
    }
    let get = |names: &[&str]| -> Option<usize> {
        known.iter().find(|(k, _)| names.contains(&k.as_str())).and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let default_size = op
        .params
        .iter()
        .find(|p| ["limit", "page_size", "per_page", "pageSize"].contains(&p.name.as_str()))
        .and_then(|p| p.example.as_ref().and_then(Value::as_u64))
        .map(|n| n as usize)
        .unwrap_or(20);
    let size = get(&["limit", "page_size", "per_page", "pageSize"]).unwrap_or(default_size).clamp(1, 10_000);
    let offset = get(&["offset"])
        .or_else(|| get(&["page_token", "pageToken", "cursor"]))
        .or_else(|| get(&["page_number", "page", "pageNumber"]).map(|p| p.saturating_sub(1) * size))
        .unwrap_or(0);
    let paging_names = [
        "limit",
        "offset",
        "page_size",
        "page_token",
        "page_number",
        "page",
        "per_page",
        "pageSize",
        "pageToken",
        "cursor",
        "pageNumber",
        "sort_by",
        "sort_order",
        "order_by",
        "asc",
    ];
    let filters: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !paging_names.contains(&k.as_str()) && !k.starts_with("__"))
        .filter(|(k, _)| op.params.iter().any(|p| p.location == ParamIn::Query && &p.name == k))
        .cloned()
        .collect();
    (offset, size, filters)
}

fn collect_scalars(map: &Map<String, Value>, out: &mut Vec<(String, String)>, depth: usize) {
    for (k, v) in map {
        match v {
            Value::Object(inner) if depth < 2 => collect_scalars(inner, out, depth + 1),
            Value::Number(_) | Value::String(_) | Value::Bool(_) => out.push((k.clone(), text(v))),
            _ => {}
        }
    }
}
