//! `--state-seed FILE`: the resources a sandbox starts with, and goes back to on reset.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::{Data, Store, StoreError, fields, infer, text};

impl Store {
    /// `--state-seed FILE`: `{mount: {resource: [items]}}`, the resource by key or last path segment.
    pub(super) fn read_seed(&self, path: &Path) -> Result<Data, StoreError> {
        let file = path.display().to_string();
        let fail = |message: String| StoreError::Seed { file: file.clone(), message };
        let source = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read the seed file: {e}")))?;
        let value: Value = if source.trim_start().starts_with('{') {
            serde_json::from_str(&source).map_err(|e| fail(format!("invalid JSON: {e}")))?
        } else {
            crate::yaml::from_str(&source).map_err(|e| fail(format!("invalid YAML: {e}")))?
        };
        let Value::Object(by_mount) = value else {
            return Err(fail("expected a map of document name → resources".into()));
        };
        let mut data = Data::new();
        for (mount_name, resources) in by_mount {
            let m = self.mounts.iter().position(|mount| mount.name == mount_name).ok_or_else(|| {
                fail(format!("'{mount_name}' is not a served document (served: {})", self.mount_names()))
            })?;
            let Value::Object(resources) = resources else {
                return Err(fail(format!("{mount_name}: expected a map of resource → items")));
            };
            let api = &self.mounts[m].api;
            for (name, items) in resources {
                let r = self.models[m]
                    .resources
                    .iter()
                    .position(|r| r.key == name || r.key.rsplit('/').next() == Some(name.as_str()))
                    .ok_or_else(|| {
                        fail(format!("{mount_name}: no resource '{name}' (known: {})", self.resource_names(m)))
                    })?;
                let schema = self.models[m].resources[r]
                    .schema
                    .map(|id| api.schemas.get(id))
                    .and_then(|s| infer::item_schema(api, s))
                    .cloned()
                    .unwrap_or(Value::Bool(true));
                let Value::Array(items) = items else {
                    return Err(fail(format!("{mount_name}.{name}: expected a list of items")));
                };
                let entry = data.entry(self.key(m, r)).or_default();
                for item in items {
                    let Value::Object(mut item) = item else {
                        return Err(fail(format!("{mount_name}.{name}: every item must be an object")));
                    };
                    if !item.contains_key("id") {
                        item.insert("id".into(), fields::new_id(api, &schema));
                    }
                    let example = self.example_item(m, r);
                    let created: Vec<(String, Value)> = item.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                    fields::stamp_new(api, &schema, &mut item, example.as_ref(), &fields::Clock::now());
                    // Seeded values win over stamped ones (a seed may give its own timestamps).
                    for (k, v) in created {
                        item.insert(k, v);
                    }
                    entry.insert(text(&item["id"]), Arc::new(Value::Object(item)));
                }
            }
        }
        Ok(data)
    }

    fn mount_names(&self) -> String {
        self.mounts.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    fn resource_names(&self, mount: usize) -> String {
        self.models[mount].resources.iter().map(|r| r.key.as_str()).collect::<Vec<_>>().join(", ")
    }
}
