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
        let value: Value = crate::yaml::from_json_or_yaml(&source).map_err(fail)?;
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
                // What the store worked out for the resource at start-up.
                let prepared = &self.prepared[m][r];
                let schema = &prepared.item_schema;
                let Value::Array(items) = items else {
                    return Err(fail(format!("{mount_name}.{name}: expected a list of items")));
                };
                let entry = data.entry(self.key(m, r)).or_default();
                for item in items {
                    let Value::Object(mut item) = item else {
                        return Err(fail(format!("{mount_name}.{name}: every item must be an object")));
                    };
                    if !item.contains_key("id") {
                        item.insert("id".into(), fields::new_id(api, schema));
                    }
                    let seeded = item.clone();
                    fields::stamp_new(api, schema, &mut item, prepared.example.as_ref(), &fields::Clock::now());
                    // Seeded values win over stamped ones (a seed may give its own timestamps),
                    // field by field, so a partial nested object keeps the stamped rest.
                    super::writes::merge_patch(&mut item, seeded);
                    let id = text(&item["id"]);
                    if let Some(conflict) = super::duplicate(&self.models[m].resources[r].unique, entry, &item, None) {
                        return Err(fail(format!(
                            "{mount_name}.{name} '{id}': {} '{}' is taken by another item, and must be unique",
                            conflict.0, conflict.1
                        )));
                    }
                    let item = Value::Object(item);
                    self.check_seeded(m, r, &item).map_err(|e| fail(format!("{mount_name}.{name} '{id}': {e}")))?;
                    if entry.insert(id.clone(), Arc::new(item)).is_some() {
                        return Err(fail(format!("{mount_name}.{name}: two items have the id '{id}'")));
                    }
                }
                if let Some(max) = self.models[m].resources[r].max
                    && entry.len() > max
                {
                    return Err(fail(format!(
                        "{mount_name}.{name}: {} items, but the document allows at most {max}",
                        entry.len()
                    )));
                }
            }
        }
        Ok(data)
    }

    /// A seeded item must answer reads the way the document says: it is rendered as the read
    /// operation would answer it and validated against that answer's schema.
    fn check_seeded(&self, mount: usize, resource: usize, item: &Value) -> Result<(), String> {
        let api = &self.mounts[mount].api;
        let Some(schema) = self.models[mount].resources[resource].schema else { return Ok(()) };
        let read = self.models[mount].bindings.iter().position(|b| {
            b.as_ref().is_some_and(|b| b.resource == resource && b.action == infer::Action::Read && b.by.is_none())
        });
        let Some(plan) = read.and_then(|op| self.plans[mount][op].as_ref()) else { return Ok(()) };
        let answer: Value = serde_json::from_slice(&plan.to_bytes(super::render::Body::Item(item)))
            .map_err(|e| format!("cannot be rendered: {e}"))?;
        let violations =
            crate::validate::schema_violations(&api.schemas, schema, &answer, crate::validate::Part::Body, "");
        match violations.first() {
            None => Ok(()),
            Some(v) => Err(format!(
                "does not match the document: {}{}",
                v.message,
                if violations.len() > 1 { format!(" (and {} more)", violations.len() - 1) } else { String::new() }
            )),
        }
    }

    fn mount_names(&self) -> String {
        self.mounts.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    fn resource_names(&self, mount: usize) -> String {
        self.models[mount].resources.iter().map(|r| r.key.as_str()).collect::<Vec<_>>().join(", ")
    }
}
