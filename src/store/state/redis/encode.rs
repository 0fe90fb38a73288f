//! Items as Redis keeps them: JSON text per item, unique values as `field\nvalue` entries,
//! and a whole sandbox (a seed, a reset) as the writes that make it.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::keys::Space;
use crate::store::journal::Data;
use crate::store::state::{IdRule, Shape, largest_id, text};

/// Commands in one call are kept below Lua's limit on spreading a list into arguments.
const PAIRS_PER_COMMAND: usize = 1000;

/// One unique value of an item: the entry that marks it taken, and how to name it.
pub(super) struct UniqueValue {
    pub field: String,
    pub shown: String,
    pub entry: String,
}

/// The values of `item` no other item may have (nulls do not count).
pub(super) fn unique_values(unique: &[String], item: &Map<String, Value>) -> Vec<UniqueValue> {
    unique
        .iter()
        .filter_map(|field| {
            let value = item.get(field).filter(|v| !v.is_null())?;
            Some(UniqueValue { field: field.clone(), shown: text(value), entry: entry(field, value) })
        })
        .collect()
}

fn entry(field: &str, value: &Value) -> String {
    format!("{field}\n{value}")
}

/// The writes that make `data` a sandbox, each as its words (the `load` script runs them).
pub(super) fn writes(space: &Space, shapes: &[Shape], data: &Data) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    for (resource, items) in data {
        if items.is_empty() {
            continue;
        }
        let keys = space.resource(resource);
        let shape = shapes.iter().find(|s| &s.key == resource);
        let ids: Vec<&String> = items.keys().collect();
        for chunk in items.iter().collect::<Vec<_>>().chunks(PAIRS_PER_COMMAND) {
            let mut hset = vec!["HSET".to_string(), keys.items.clone()];
            for (id, value) in chunk {
                hset.push((*id).clone());
                hset.push(value.to_string());
            }
            commands.push(hset);
        }
        for (n, chunk) in ids.chunks(PAIRS_PER_COMMAND).enumerate() {
            let mut zadd = vec!["ZADD".to_string(), keys.order.clone()];
            for (i, id) in chunk.iter().enumerate() {
                zadd.push((n * PAIRS_PER_COMMAND + i + 1).to_string());
                zadd.push((*id).clone());
            }
            commands.push(zadd);
        }
        commands.push(vec!["SET".into(), keys.clock.clone(), items.len().to_string()]);
        if let Some(shape) = shape {
            let entries: Vec<(String, String)> = items
                .iter()
                .flat_map(|(id, value)| {
                    let object = value.as_object().cloned().unwrap_or_default();
                    unique_values(&shape.unique, &object).into_iter().map(move |u| (u.entry, id.clone()))
                })
                .collect();
            for chunk in entries.chunks(PAIRS_PER_COMMAND) {
                let mut hset = vec!["HSET".to_string(), keys.unique.clone()];
                for (entry, id) in chunk {
                    hset.push(entry.clone());
                    hset.push(id.clone());
                }
                commands.push(hset);
            }
            if matches!(shape.ids, IdRule::Sequence { .. })
                && let Some(high) = largest_id(items.keys().cloned())
            {
                commands.push(vec!["SET".into(), keys.high.clone(), high.to_string()]);
            }
        }
        commands.push(vec!["SADD".into(), space.resources(), resource.clone()]);
    }
    commands
}

/// The `load` script's arguments after its first three: each command as its length and words.
pub(super) fn flatten(commands: Vec<Vec<String>>) -> Vec<String> {
    let mut out = Vec::with_capacity(commands.iter().map(|c| c.len() + 1).sum());
    for command in commands {
        out.push(command.len().to_string());
        out.extend(command);
    }
    out
}

/// Items as `list` and `dump` return them: id, JSON, id, JSON…
pub(super) fn items(pairs: Vec<String>) -> Result<Vec<(String, Arc<Value>)>, String> {
    let mut out = Vec::with_capacity(pairs.len() / 2);
    let mut words = pairs.into_iter();
    while let (Some(id), Some(json)) = (words.next(), words.next()) {
        let value: Value = serde_json::from_str(&json)
            .map_err(|e| format!("the shared sandbox holds an item that is not JSON (id '{id}'): {e}"))?;
        out.push((id, Arc::new(value)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unique_values_skip_nulls_and_keep_their_json_type() {
        let item = json!({"external_id": "a/1", "code": 7, "name": null}).as_object().cloned().unwrap();
        let fields = ["external_id".to_string(), "code".to_string(), "name".to_string()];
        let values = unique_values(&fields, &item);
        let entries: Vec<&str> = values.iter().map(|u| u.entry.as_str()).collect();
        assert_eq!(entries, ["external_id\n\"a/1\"", "code\n7"]);
        assert_eq!(values[0].shown, "a/1");
    }

    #[test]
    fn a_sandbox_becomes_writes_in_its_order() {
        let space = Space::new("t");
        let shape = Shape {
            key: "api:/things".into(),
            id_field: "id".into(),
            ids: IdRule::Sequence { min: 1, max: 100, text: false },
            unique: vec!["code".into()],
            max: None,
        };
        let mut data = Data::new();
        let things = data.entry("api:/things".into()).or_default();
        things.insert("9".into(), Arc::new(json!({"id": 9, "code": "x"})));
        things.insert("4".into(), Arc::new(json!({"id": 4, "code": "y"})));
        let commands = writes(&space, &[shape], &data);
        let words: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
        assert_eq!(
            words,
            [
                r#"HSET specmock:t:r:api:/things:items 9 {"id":9,"code":"x"} 4 {"id":4,"code":"y"}"#,
                "ZADD specmock:t:r:api:/things:order 1 9 2 4",
                "SET specmock:t:r:api:/things:clock 2",
                "HSET specmock:t:r:api:/things:unique code\n\"x\" 9 code\n\"y\" 4",
                "SET specmock:t:r:api:/things:high 9",
                "SADD specmock:t:resources api:/things",
            ]
        );
        assert_eq!(flatten(vec![vec!["SET".into(), "k".into(), "v".into()]]), ["3", "SET", "k", "v"]);
    }
}
