//! Agreements between the fields of one generated object, where the schema leaves room: an
//! update time no earlier than the creation time, a total count that matches the items
//! listed. Each change is undone if the whole value then fails validation.

use serde_json::{Map, Value};

use super::values::words_of;
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
                pointer.push_str(&escape(key));
                walk(child, pointer, undo);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                pointer.push_str(&format!("/{i}"));
                walk(child, pointer, undo);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// `created_at`/`updated_at`, `create_time`/`update_time`, `creationDate`/`changeDate`: the
/// later one swapped in if it came out earlier.
fn times(map: &mut Map<String, Value>, pointer: &str, undo: &mut Undo) {
    let key_where = |test: fn(&str) -> bool| {
        map.keys().find(|k| words_of(k).first().is_some_and(|w| test(w)) && timeish(k)).cloned()
    };
    let Some(created) = key_where(|w| matches!(w, "created" | "create" | "creation")) else { return };
    let Some(updated) = key_where(|w| matches!(w, "updated" | "update" | "modified" | "changed" | "change" | "edited"))
    else {
        return;
    };
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
    matches!(words_of(key).last().map(String::as_str), Some("at" | "time" | "date" | "timestamp" | "on"))
}

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

/// `total_count`, `total`, `count`, `total_size`, `totalResult`: the number of items in the
/// object's one list.
fn count(map: &mut Map<String, Value>, pointer: &str, undo: &mut Undo) {
    let Some(key) = map.keys().find(|k| counts(k)).cloned() else { return };
    let mut lists = map.values().filter_map(Value::as_array);
    let (Some(list), None) = (lists.next(), lists.next()) else { return };
    let len = list.len();
    let replacement = match map.get(&key) {
        Some(Value::Number(n)) if n.as_u64() != Some(len as u64) => Value::from(len),
        // Zitadel writes 64-bit counts as strings.
        Some(Value::String(s)) if s.parse::<u64>().is_ok_and(|n| n != len as u64) => Value::String(len.to_string()),
        _ => return,
    };
    if let Some(before) = map.insert(key.clone(), replacement) {
        undo.push((push(pointer, &key), before));
    }
}

fn counts(key: &str) -> bool {
    let words = words_of(key);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        words.as_slice(),
        ["total"] | ["count"] | ["total", "count"] | ["total", "size"] | ["total", "results" | "result"]
    )
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
                pointer.push_str(&format!("/{i}"));
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
