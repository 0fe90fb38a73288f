//! Items that answer as the document says. A client writes in the request's shape, and a
//! document may answer the same property in another (Scalekit takes a role's `permissions`
//! as names and answers them as objects; Straddle takes a bank account's number and answers
//! its mask): before an item is kept, it is rendered as its read answers it, judged against
//! that answer's schema, and what breaks it is mended — a value of the wrong shape replaced by
//! the documented example's (else a generated one), a property the answer does not allow
//! dropped, a required one made. Done once per write, so every read agrees.

use serde_json::{Map, Value};

use super::fields;
use std::sync::Arc;

use super::render::Plan;
use crate::generate::{generate_part, random_seed};
use crate::spec::pointer::tokens;
use crate::spec::{Api, Side};
use crate::validate::{Part, schema_violations};

/// Rounds of mending: each fixes every violation found, and a mended value can only break
/// what is below it.
const ROUNDS: usize = 3;

/// What conforming needs of a resource: how its reads answer, its item schema and example.
pub struct Conform<'a> {
    pub api: &'a Api,
    /// The identifying property: the state's to set, never mended here.
    pub id_field: &'a str,
    pub plan: &'a Plan,
    pub item_schema: &'a Value,
    pub example: Option<&'a Value>,
}

impl Conform<'_> {
    /// Mends `item` until its read answer validates (or the rounds run out).
    pub fn item(&self, item: &mut Map<String, Value>) {
        let (Some(schema), Some(at)) = (self.plan.schema, self.plan.item_pointer()) else { return };
        for _ in 0..ROUNDS {
            let rendered = self.plan.one(Arc::new(Value::Object(item.clone())));
            let Ok(answer) = serde_json::from_slice::<Value>(&rendered) else { return };
            let violations = schema_violations(&self.api.schemas, schema, &answer, Part::Body, "");
            let mut mended = false;
            for v in &violations {
                let Some(inside) = v.pointer.strip_prefix(at.as_str()) else { continue };
                let path = tokens(inside);
                // The item as a whole is the envelope's business, and the id the state's.
                if path.is_empty() || path[0] == self.id_field {
                    continue;
                }
                mended |= match v.keyword.as_str() {
                    "additionalProperties" | "unevaluatedProperties" => remove(item, &path),
                    _ => self.replace(item, &path),
                };
            }
            if !mended {
                return;
            }
        }
    }

    /// Puts the documented value (the example's, the default, else a generated one) at `path`.
    fn replace(&self, item: &mut Map<String, Value>, path: &[String]) -> bool {
        // The item's schema as this answer documents it (a create may answer more than a read).
        let own = self
            .plan
            .schema
            .zip(self.plan.item_pointer())
            .and_then(|(id, at)| schema_at(self.api, self.api.schemas.get(id), &tokens(&at)));
        // A property required but not described takes anything.
        let anything = Value::Bool(true);
        let schema = own
            .and_then(|s| schema_at(self.api, s, path))
            .or_else(|| schema_at(self.api, self.item_schema, path))
            .unwrap_or(&anything);
        // A time written as text where the answer writes epoch milliseconds (or the other way
        // round) is the same time.
        let sent = value_at_map(item, path);
        if let Some(time) = sent
            .filter(|_| fields::time_like(path.last().map(String::as_str).unwrap_or("")))
            .and_then(|v| fields::Clock::convert(v, self.api.schemas.deref(schema)))
            && Some(&time) != sent
        {
            return set(item, path, time);
        }
        let documented = self.example.and_then(|e| value_at(e, path)).cloned();
        let value = documented.or_else(|| self.api.schemas.deref(schema).get("default").cloned()).or_else(|| {
            let name = path.last().map(String::as_str).unwrap_or("");
            generate_part(&self.api.schemas, schema, Side::Response, random_seed(), name, true).ok()
        });
        let Some(value) = value else { return false };
        set(item, path, value)
    }
}

/// The schema at a path below an item's schema (properties, `allOf` parts, items).
fn schema_at<'a>(api: &'a Api, schema: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut current = schema;
    for token in path {
        let s = api.schemas.deref(current);
        current = match (token.parse::<usize>(), s.get("items")) {
            (Ok(_), Some(items)) => items,
            _ => fields::property(api, s, token).or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))?,
        };
    }
    Some(current)
}

fn value_at_map<'a>(item: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    value_at(item.get(first)?, rest)
}

fn value_at<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, token| match v {
        Value::Object(map) => map.get(token),
        Value::Array(items) => items.get(token.parse::<usize>().ok()?),
        _ => None,
    })
}

/// The container a path's last step is taken in.
fn parent<'a>(item: &'a mut Map<String, Value>, path: &[String]) -> Option<&'a mut Value> {
    let (first, rest) = path.split_first()?;
    let mut current = item.get_mut(first)?;
    for token in rest {
        current = match current {
            Value::Object(map) => map.get_mut(token)?,
            Value::Array(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn set(item: &mut Map<String, Value>, path: &[String], value: Value) -> bool {
    let Some((last, above)) = path.split_last() else { return false };
    if above.is_empty() {
        item.insert(last.clone(), value);
        return true;
    }
    match parent(item, above) {
        Some(Value::Object(map)) => {
            map.insert(last.clone(), value);
            true
        }
        Some(Value::Array(items)) => match last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        },
        _ => false,
    }
}

fn remove(item: &mut Map<String, Value>, path: &[String]) -> bool {
    let Some((last, above)) = path.split_last() else { return false };
    if above.is_empty() {
        return item.shift_remove(last).is_some();
    }
    match parent(item, above) {
        Some(Value::Object(map)) => map.shift_remove(last).is_some(),
        _ => false,
    }
}
