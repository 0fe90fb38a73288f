//! Lists as the document pages them: its own parameters (limit/offset, page_size/page_token,
//! page_number/page_size, cursor) in the query or in a search body, its sort parameters, a
//! free-text `query`, and filters by the query parameters that name a property.

use std::cmp::Ordering;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::state::text;
use crate::spec::{Api, Operation, ParamIn};

const SIZE: &[&str] = &["limit", "page_size", "per_page", "pageSize"];
const OFFSET: &[&str] = &["offset"];
const TOKEN: &[&str] = &["page_token", "pageToken", "cursor", "starting_after", "after"];
const PAGE: &[&str] = &["page_number", "page", "pageNumber"];
const SORT_KEY: &[&str] = &["order_by", "sort_by", "sort", "orderBy", "sortBy"];
const SORT_ORDER: &[&str] = &["sort_order", "order", "sortOrder"];
const SEARCH: &[&str] = &["query", "q", "search"];
/// Parameters that shape the list rather than filter it.
const PAGING: &[&[&str]] = &[SIZE, OFFSET, TOKEN, PAGE, SORT_KEY, SORT_ORDER, SEARCH];

/// One list request, read off the document's own parameters.
#[derive(Debug, Default)]
pub struct Listing {
    pub offset: usize,
    pub size: usize,
    /// Exact matches on properties (`?external_id=…`).
    pub filters: Vec<(String, String)>,
    /// Case-insensitive text anywhere in the item (Clerk's `?query=`).
    pub search: Option<String>,
    /// The property to sort by, and whether descending.
    pub sort: Option<(String, bool)>,
}

impl Listing {
    /// Reads a list request; an unusable page token is the client's error (its parameter name).
    pub fn read(
        api: &Api,
        op: &Operation,
        item_properties: &[String],
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Listing, (String, String)> {
        let mut given: Vec<(String, String)> = query.to_vec();
        if let Some(Value::Object(map)) = body {
            collect_scalars(map, &mut given, 0);
        }
        let find = |names: &[&str]| given.iter().find(|(k, _)| names.contains(&k.as_str()));
        let default_of = |names: &[&str]| -> Option<Value> {
            let p = op.params.iter().find(|p| names.contains(&p.name.as_str()))?;
            let schema = p.schema.map(|id| api.schemas.deref(api.schemas.get(id)));
            schema.and_then(|s| s.get("default")).cloned().or_else(|| p.example.clone())
        };
        let number = |v: &Value| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()));
        // A size of 0 asks for the default (Zitadel's `limit: 0`); documents that forbid it
        // say so with `minimum`, which validation enforces before this.
        let size = find(SIZE)
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .or_else(|| default_of(SIZE).as_ref().and_then(number).map(|n| n as usize))
            .unwrap_or(20)
            .clamp(1, 10_000);
        let offset = match (find(OFFSET), find(TOKEN), find(PAGE)) {
            (Some((_, v)), _, _) => v.parse::<usize>().unwrap_or(0),
            (None, Some((name, token)), _) if !token.is_empty() => token
                .parse::<usize>()
                .map_err(|_| (name.clone(), format!("{name} '{token}' is not a token this list handed out")))?,
            (None, _, Some((_, page))) => page.parse::<usize>().unwrap_or(1).saturating_sub(1).saturating_mul(size),
            _ => 0,
        };
        let known = |name: &str| item_properties.iter().any(|p| p == name);
        let documented = |k: &str| op.params.iter().any(|p| p.location == ParamIn::Query && p.name == k);
        let filters = query
            .iter()
            .filter(|(k, _)| documented(k) && known(k) && !k.starts_with("__"))
            .filter(|(k, _)| !PAGING.iter().any(|names| names.contains(&k.as_str())))
            .cloned()
            .collect();
        let search = query
            .iter()
            .find(|(k, v)| SEARCH.contains(&k.as_str()) && documented(k) && !v.is_empty())
            .map(|(_, v)| v.to_lowercase());
        let sort_key = find(SORT_KEY)
            .map(|(_, v)| v.clone())
            .or_else(|| default_of(SORT_KEY).and_then(|v| v.as_str().map(str::to_string)));
        let sort = sort_key.and_then(|key| {
            let (desc, name) = match key.strip_prefix('-') {
                Some(rest) => (true, rest.to_string()),
                None => (false, key.trim_start_matches('+').to_string()),
            };
            let order = find(SORT_ORDER)
                .map(|(_, v)| v.clone())
                .or_else(|| default_of(SORT_ORDER).and_then(|v| v.as_str().map(str::to_string)));
            let desc = match order.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("desc" | "descending") => true,
                Some("asc" | "ascending") => false,
                _ => desc,
            };
            known(&name).then_some((name, desc))
        });
        Ok(Listing { offset, size, filters, search, sort })
    }

    /// The items this request selects, in order, before paging. A search matches the id
    /// exactly (as Clerk's does) and any other text in part.
    pub fn select(&self, items: Vec<Arc<Value>>, id_field: &str) -> Vec<Arc<Value>> {
        let mut selected: Vec<Arc<Value>> = items
            .into_iter()
            .filter(|item| self.filters.iter().all(|(k, v)| item.get(k).map(text).as_deref() == Some(v.as_str())))
            .filter(|item| self.search.as_ref().is_none_or(|needle| searched(item, id_field, needle)))
            .collect();
        // Stable sorts: equal keys keep creation order, newest first when descending (so
        // "newest first" holds even for items created in the same millisecond).
        match &self.sort {
            Some((key, false)) => selected.sort_by(|a, b| compare(a.get(key), b.get(key))),
            Some((key, true)) => {
                selected.reverse();
                selected.sort_by(|a, b| compare(b.get(key), a.get(key)));
            }
            None => {}
        }
        selected
    }
}

fn searched(item: &Value, id_field: &str, needle: &str) -> bool {
    match item {
        Value::Object(map) => map.iter().any(|(k, v)| match k == id_field {
            true => text(v).to_lowercase() == needle,
            false => mentions(v, needle),
        }),
        other => mentions(other, needle),
    }
}

fn mentions(item: &Value, needle: &str) -> bool {
    match item {
        Value::String(s) => s.to_lowercase().contains(needle),
        Value::Object(map) => map.values().any(|v| mentions(v, needle)),
        _ => false,
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(Ordering::Equal)
        }
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        _ => Ordering::Equal,
    }
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
