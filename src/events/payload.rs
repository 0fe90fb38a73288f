//! A webhook's body with the real values in it: the documented example (else a value
//! generated from the schema) as the envelope, the item that changed in its `data` (or
//! `payload`, `object`, `<noun>`…), the event type, a fresh event id and the time, each value
//! set only where the schema still holds with it. The result is valid by construction and
//! checked once more before it is returned.

use serde_json::{Map, Value};

use crate::generate;
use crate::spec::{Api, MediaType};
use crate::store::Change;

/// What the payload should say.
pub struct Facts<'a> {
    /// The webhook's name, for its `type` field (not for callbacks).
    pub event_type: Option<&'a str>,
    pub change: Option<Change>,
    /// `organization`.
    pub noun: &'a str,
    /// The item that changed.
    pub item: Option<&'a Value>,
    pub id_field: &'a str,
    /// The item's documented properties: those it lacks are not taken from an example.
    pub fields: &'a [String],
    /// When it happened.
    pub at: jiff::Timestamp,
    /// The event's id, a UUID (written in the schema's shape: `evt_…` keeps its prefix).
    pub event_id: &'a str,
}

/// Where in an envelope the item goes, in order of preference.
const CONTAINERS: &[&str] = &["data", "payload", "resource", "object", "item", "record", "entity"];
const TYPE_FIELDS: &[&str] = &["type", "event_type", "eventType", "event", "event_name", "kind"];
const ID_FIELDS: &[&str] = &["id", "event_id", "eventId"];
const TIME_FIELDS: &[&str] =
    &["occurred_at", "occurredAt", "timestamp", "created", "created_at", "createdAt", "time", "event_time"];
const DELETION_FIELDS: &[&str] = &["deleted_at", "deletedAt", "deleted_time", "delete_time", "deleted_on"];

/// A payload, and the item's fields that did not fit the webhook's schema.
pub struct Built {
    pub value: Value,
    /// Each names a field whose real value the schema refused (the example's or a generated one went instead).
    pub misfits: Vec<String>,
}

/// The payload, or why none could be built (naming the schema that could not be satisfied).
pub fn build(api: &Api, media: &MediaType, facts: &Facts<'_>) -> Result<Built, String> {
    let Some(schema) = media.schema else {
        // Nothing to hold it to: the example, else the item itself.
        let value = media.examples.first().map(|e| e.value.clone()).or_else(|| facts.item.cloned()).unwrap_or_default();
        return Ok(Built { value, misfits: Vec::new() });
    };
    let validator = api.schemas.validator(schema).map_err(|e| format!("the schema does not compile: {e}"))?;
    let valid = |v: &Value| validator.is_valid(v);
    let mut value = match media.examples.iter().find(|e| valid(&e.value)) {
        Some(example) => example.value.clone(),
        None => generate::generate(&api.schemas, schema, generate::random_seed()).map_err(|e| e.to_string())?,
    };
    let container = container(&value, facts.noun);
    let mut misfits = Vec::new();
    if let Some(Value::Object(item)) = facts.item {
        misfits = fill_item(&mut value, container.as_deref().unwrap_or(""), item, facts, &valid);
    }
    fill_envelope(&mut value, facts, container.is_some(), &valid);
    if !valid(&value) {
        let errors: Vec<String> = validator.iter_errors(&value).take(3).map(|e| e.to_string()).collect();
        return Err(format!("the payload does not validate: {}", errors.join("; ")));
    }
    Ok(Built { value, misfits })
}

/// The pointer of the object the item goes in; `None` when the body is the item itself.
fn container(value: &Value, noun: &str) -> Option<String> {
    let root = value.as_object()?;
    if root.get("data").and_then(|d| d.get("object")).is_some_and(Value::is_object) {
        return Some("/data/object".into());
    }
    CONTAINERS
        .iter()
        .copied()
        .chain([noun])
        .find(|k| root.get(*k).is_some_and(Value::is_object))
        .map(|k| format!("/{k}"))
}

/// Changes `value` only if the schema still holds.
fn attempt(value: &mut Value, valid: &dyn Fn(&Value) -> bool, change: impl FnOnce(&mut Value)) -> bool {
    let mut tried = value.clone();
    change(&mut tried);
    let ok = valid(&tried);
    if ok {
        *value = tried;
    }
    ok
}

fn object_at<'v>(value: &'v mut Value, pointer: &str) -> Option<&'v mut Map<String, Value>> {
    value.pointer_mut(pointer).and_then(Value::as_object_mut)
}

fn fill_item(
    value: &mut Value,
    at: &str,
    item: &Map<String, Value>,
    facts: &Facts<'_>,
    valid: &dyn Fn(&Value) -> bool,
) -> Vec<String> {
    let mut misfits = Vec::new();
    let set_all = |v: &mut Value| {
        if let Some(target) = object_at(v, at) {
            for (k, field) in item {
                target.insert(k.clone(), field.clone());
            }
        }
    };
    if !attempt(value, valid, set_all) {
        for (k, field) in item {
            let fits = attempt(value, valid, |v| {
                if let Some(target) = object_at(v, at) {
                    target.insert(k.clone(), field.clone());
                }
            });
            if !fits {
                misfits.push(format!("{k} ({field})"));
            }
        }
    }
    // An example's value for a field this item does not have would be a false statement.
    for field in facts.fields.iter().filter(|f| !item.contains_key(*f)) {
        attempt(value, valid, |v| {
            if let Some(target) = object_at(v, at) {
                target.shift_remove(field);
            }
        });
    }
    if facts.change == Some(Change::Deleted) {
        for field in DELETION_FIELDS {
            if object_at(value, at).is_some_and(|t| t.contains_key(*field)) {
                set_time(value, &format!("{at}/{field}"), facts.at, valid);
            }
        }
        attempt(value, valid, |v| {
            if let Some(target) = object_at(v, at).filter(|t| t.contains_key("deleted")) {
                target.insert("deleted".into(), Value::Bool(true));
            }
        });
    }
    misfits
}

/// The event's own fields; when the body is the item itself (`enveloped` false), its id and
/// times are the item's and stay.
fn fill_envelope(value: &mut Value, facts: &Facts<'_>, enveloped: bool, valid: &dyn Fn(&Value) -> bool) {
    let present = |v: &Value, k: &str| v.get(k).is_some();
    if let Some(event_type) = facts.event_type
        && let Some(field) = TYPE_FIELDS.iter().find(|k| value.get(**k).is_some_and(Value::is_string))
    {
        attempt(value, valid, |v| v[*field] = Value::from(event_type));
    }
    if let Some(field) = ID_FIELDS.iter().find(|k| enveloped && value.get(**k).is_some_and(Value::is_string)) {
        let old = value[*field].as_str().unwrap_or_default().to_string();
        for fresh in fresh_ids(&old, facts.event_id) {
            if attempt(value, valid, |v| v[*field] = Value::from(fresh)) {
                break;
            }
        }
    }
    let times: Vec<&str> = TIME_FIELDS.iter().copied().filter(|k| enveloped && present(value, k)).collect();
    for field in times {
        set_time(value, &format!("/{field}"), facts.at, valid);
    }
    let item_id = facts.item.and_then(|i| i.get(facts.id_field)).cloned();
    if let Some(id) = item_id {
        let camel = format!("{}Id", facts.noun);
        for field in [format!("{}_id", facts.noun), camel] {
            if present(value, &field) {
                attempt(value, valid, |v| v[field.as_str()] = id.clone());
            }
        }
    }
}

/// Sets the time at `pointer` to `now`, written as the value there is (text or epoch).
fn set_time(value: &mut Value, pointer: &str, now: jiff::Timestamp, valid: &dyn Fn(&Value) -> bool) {
    let Some(old) = value.pointer(pointer) else { return };
    let candidates: Vec<Value> = match old {
        Value::Number(n) if n.as_i64().is_some_and(|n| n > 100_000_000_000) => vec![Value::from(now.as_millisecond())],
        Value::Number(_) => vec![Value::from(now.as_second()), Value::from(now.as_millisecond())],
        _ => vec![Value::from(format!("{now:.3}")), Value::from(format!("{now:.0}")), Value::from(now.to_string())],
    };
    for candidate in candidates {
        if attempt(value, valid, |v| {
            if let Some(slot) = v.pointer_mut(pointer) {
                *slot = candidate;
            }
        }) {
            return;
        }
    }
}

/// `uuid` in the shape of `old`: as it is, else after `old`'s prefix (`evt_`) as hex or digits.
fn fresh_ids(old: &str, uuid: &str) -> Vec<String> {
    let uuid = uuid.to_string();
    let simple: String = uuid.chars().filter(|c| *c != '-').collect();
    let prefix: String = match old.rfind(['_', '-']) {
        Some(i) if old[..i].chars().all(|c| c.is_ascii_alphabetic()) => old[..=i].to_string(),
        _ => String::new(),
    };
    let digits: String = simple.bytes().map(|b| char::from(b'0' + b % 10)).collect();
    vec![uuid, format!("{prefix}{simple}"), format!("{prefix}{}", &digits[..18])]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_keep_the_prefix() {
        let uuid = generate::fresh_uuid();
        let ids = fresh_ids("evt_1234567890", &uuid);
        assert_eq!(ids[0], uuid);
        assert!(ids[1].starts_with("evt_") && ids[1].len() == 36);
        assert!(ids[2].starts_with("evt_") && ids[2][4..].chars().all(|c| c.is_ascii_digit()));
        assert_eq!(fresh_ids("550e8400-e29b-41d4-a716-446655440000", &uuid)[1], ids[1][4..]);
    }

    #[test]
    fn the_container_is_data_or_its_object_or_the_noun() {
        let v = serde_json::json!({"type": "x", "data": {"object": {"id": 1}}});
        assert_eq!(container(&v, "org").as_deref(), Some("/data/object"));
        let v = serde_json::json!({"organization": {"id": 1}});
        assert_eq!(container(&v, "organization").as_deref(), Some("/organization"));
        assert_eq!(container(&serde_json::json!({"id": 1}), "organization"), None);
    }
}
