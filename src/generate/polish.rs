//! Agreements between the fields of one generated object, where the schema leaves room: an
//! update time no earlier than the creation time, a total count that matches the items
//! listed. Each change is undone if the whole value then fails validation.

use std::fmt::Write;

use serde_json::{Map, Value};

use super::values::{word_slices, words_of};
use crate::spec::pointer::{escape, push};

/// A change made, to undo: (JSON pointer, value before).
pub type Undo = Vec<(String, Value)>;

/// Brings agreeing fields into agreement throughout `value`.
pub fn agree(value: &mut Value) -> Undo {
    let mut undo = Vec::new();
    walk(value, &mut String::new(), &mut undo);
    undo
}

pub fn undo(value: &mut Value, changes: Undo) {
    for (pointer, before) in changes.into_iter().rev() {
        if let Some(slot) = value.pointer_mut(&pointer) {
            *slot = before;
        }
    }
}

fn walk(value: &mut Value, pointer: &mut String, undo: &mut Undo) {
    let len = pointer.len();
    match value {
        Value::Object(map) => {
            times(map, pointer, undo);
            count(map, pointer, undo);
            for (key, child) in map.iter_mut() {
                pointer.push('/');
                push_key(pointer, key);
                walk(child, pointer, undo);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let _ = write!(pointer, "/{i}");
                walk(child, pointer, undo);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// A key appended to a JSON pointer: escaped only when it holds `~` or `/` (walking a body
/// appends every key, and few need it).
fn push_key(pointer: &mut String, key: &str) {
    match key.contains(['~', '/']) {
        true => pointer.push_str(&escape(key)),
        false => pointer.push_str(key),
    }
}

/// `created_at`/`updated_at`, `create_time`/`update_time`, `creationDate`/`changeDate`: the
/// later one swapped in if it came out earlier.
fn times(map: &mut Map<String, Value>, pointer: &str, undo: &mut Undo) {
    // Words compared in place, without splitting each key into new strings: this runs for
    // every key of every generated object.
    let (mut created, mut updated) = (None, None);
    for key in map.keys().filter(|k| timeish(k)) {
        let Some(first) = word_slices(key).next() else { continue };
        if created.is_none() && is_one_of(first, &["created", "create", "creation"]) {
            created = Some(key);
        } else if updated.is_none()
            && is_one_of(first, &["updated", "update", "modified", "changed", "change", "edited"])
        {
            updated = Some(key);
        }
    }
    let (Some(created), Some(updated)) = (created.cloned(), updated.cloned()) else { return };
    let (Some(c), Some(u)) = (map.get(&created), map.get(&updated)) else { return };
    if earlier(u, c) == Some(true) {
        let (c, u) = (c.clone(), u.clone());
        undo.push((push(pointer, &created), c.clone()));
        undo.push((push(pointer, &updated), u.clone()));
        map.insert(created, u);
        map.insert(updated, c);
    }
}

fn timeish(key: &str) -> bool {
    // The last word ends the key: most keys are ruled out by their ending alone.
    let end = key.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).as_bytes();
    let ends_with = |w: &str| end.len() >= w.len() && end[end.len() - w.len()..].eq_ignore_ascii_case(w.as_bytes());
    TIME_WORDS.iter().any(|w| ends_with(w)) && word_slices(key).last().is_some_and(|w| is_one_of(w, TIME_WORDS))
}

/// `word` (in any case) is one of `words` (in small letters).
fn is_one_of(word: &str, words: &[&str]) -> bool {
    words.iter().any(|w| word.eq_ignore_ascii_case(w))
}

const TIME_WORDS: &[&str] = &["at", "time", "date", "timestamp", "on"];

/// Both times of the same kind, `a` before `b`; `None` when they cannot be compared.
fn earlier(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => Some(a.as_f64()? < b.as_f64()?),
        (Value::String(a), Value::String(b)) => match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
            (Ok(a), Ok(b)) => Some(a < b),
            _ => match (a.parse::<jiff::civil::Date>(), b.parse::<jiff::civil::Date>()) {
                (Ok(a), Ok(b)) => Some(a < b),
                _ => None,
            },
        },
        _ => None,
    }
}

/// A list and the facts about its page — in the same object (`{items, total_count}`) or in
/// an object beside it (Straddle's `{data, meta: {total_items, page_number, …}}`): the total
/// covers the pages before this one and the items listed, the page is no later than the
/// last, the page size holds the items and stays within the maximum.
fn count(map: &mut Map<String, Value>, pointer: &str, undo: &mut Undo) {
    let mut lists = map.values().filter_map(Value::as_array);
    let (Some(list), None) = (lists.next(), lists.next()) else { return };
    let listed = list.len() as u64;
    if has_facts(map) {
        return page(map, listed, pointer, undo);
    }
    let beside = map.iter().filter(|(_, v)| v.as_object().is_some_and(has_facts)).map(|(k, _)| k.clone());
    let beside: Vec<String> = beside.collect();
    if let [key] = beside.as_slice()
        && let Some(Value::Object(facts)) = map.get_mut(key)
    {
        page(facts, listed, &push(pointer, key), undo);
    }
}

const TOTAL: &[&str] = &["total", "count", "total_count", "total_size", "total_results", "total_result", "total_items"];
const PAGES: &[&str] = &["total_pages"];
const NUMBER: &[&str] = &["page_number", "page"];
const SIZE: &[&str] = &["page_size", "per_page", "limit"];
const MAX_SIZE: &[&str] = &["max_page_size", "max_limit"];

/// The key whose words (`totalItems` is `total_items`) are one of `names`.
fn key_of(map: &Map<String, Value>, names: &[&str]) -> Option<String> {
    map.keys().find(|k| names.contains(&words_of(k).join("_").as_str())).cloned()
}

fn has_facts(map: &Map<String, Value>) -> bool {
    key_of(map, TOTAL).is_some()
}

/// A number as the object writes it (Zitadel writes 64-bit counts as strings).
fn number(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn set(map: &mut Map<String, Value>, key: Option<String>, n: u64, pointer: &str, undo: &mut Undo) {
    let Some(key) = key else { return };
    let replacement = match map.get(&key) {
        Some(Value::Number(_)) => Value::from(n),
        Some(Value::String(s)) if s.parse::<u64>().is_ok() => Value::String(n.to_string()),
        _ => return,
    };
    if map.get(&key) != Some(&replacement)
        && let Some(before) = map.insert(key.clone(), replacement)
    {
        undo.push((push(pointer, &key), before));
    }
}

fn page(facts: &mut Map<String, Value>, listed: u64, pointer: &str, undo: &mut Undo) {
    let (total_key, pages_key) = (key_of(facts, TOTAL), key_of(facts, PAGES));
    let (number_key, size_key, max_key) = (key_of(facts, NUMBER), key_of(facts, SIZE), key_of(facts, MAX_SIZE));
    let size = number(size_key.as_ref().and_then(|k| facts.get(k))).unwrap_or(listed).max(listed).max(1);
    let page = match listed {
        // An empty page is the first and only one.
        0 => 1,
        _ => number(number_key.as_ref().and_then(|k| facts.get(k))).unwrap_or(1).clamp(1, 1_000_000),
    };
    let total = (page - 1).saturating_mul(size).saturating_add(listed);
    let pages = total.div_ceil(size).max(1);
    let max = number(max_key.as_ref().and_then(|k| facts.get(k))).map(|m| m.max(size));
    set(facts, total_key, total, pointer, undo);
    set(facts, pages_key, pages, pointer, undo);
    set(facts, number_key, page, pointer, undo);
    set(facts, size_key, size, pointer, undo);
    if let Some(max) = max {
        set(facts, max_key, max, pointer, undo);
    }
}

/// Fields that name an HTTP status (`status`, `code`, `status_code`, `statusCode`), set
/// to `status` where they hold a number or a numeric string, near the top of an error body.
/// Each change is returned on its own, so the caller can keep those the schema allows.
pub fn status_fields(value: &mut Value, status: u16) -> Undo {
    let mut changes = Vec::new();
    status_walk(value, &mut String::new(), status, 0, &mut changes);
    changes
}

fn status_walk(value: &mut Value, pointer: &mut String, status: u16, depth: usize, changes: &mut Undo) {
    const NAMES: &[&str] = &["status", "code", "status_code", "statuscode", "http_status", "httpstatus"];
    if depth > 3 {
        return;
    }
    let len = pointer.len();
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                pointer.push('/');
                pointer.push_str(&escape(key));
                let named = NAMES.contains(&key.to_ascii_lowercase().as_str());
                let numeric = match field {
                    Value::Number(_) => true,
                    Value::String(s) => s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()),
                    _ => false,
                };
                let replacement = (named && numeric).then(|| status_value(field, status)).filter(|new| new != field);
                match replacement {
                    Some(new) => changes.push((pointer.clone(), std::mem::replace(field, new))),
                    None => status_walk(field, pointer, status, depth + 1, changes),
                }
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let _ = write!(pointer, "/{i}");
                status_walk(item, pointer, status, depth + 1, changes);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// `status` in the shape of the field it replaces: a number, or a numeric string.
pub fn status_value(before: &Value, status: u16) -> Value {
    match before {
        Value::String(_) => Value::String(status.to_string()),
        _ => Value::from(status),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn page_facts_agree_with_the_items_listed() {
        let table = [
            // (generated, agreeing)
            (
                json!({"data": [1, 2], "meta": {"total_items": 4, "page_number": 5, "page_size": 7, "max_page_size": 6, "total_pages": 3}}),
                json!({"data": [1, 2], "meta": {"total_items": 30, "page_number": 5, "page_size": 7, "max_page_size": 7, "total_pages": 5}}),
            ),
            (
                json!({"data": [], "meta": {"total_items": 9, "page_number": 3, "page_size": 2, "total_pages": 41}}),
                json!({"data": [], "meta": {"total_items": 0, "page_number": 1, "page_size": 2, "total_pages": 1}}),
            ),
            (json!({"items": [1, 2, 3], "total_count": 17}), json!({"items": [1, 2, 3], "total_count": 3})),
            (json!({"result": ["a"], "totalResult": "8"}), json!({"result": ["a"], "totalResult": "1"})),
        ];
        for (mut generated, agreeing) in table {
            let before = generated.clone();
            let changes = agree(&mut generated);
            assert_eq!(generated, agreeing);
            undo(&mut generated, changes);
            assert_eq!(generated, before, "undone");
        }
    }
}
