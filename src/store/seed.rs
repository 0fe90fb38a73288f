//! `--state-seed FILE`: the resources a sandbox starts with, and goes back to on reset.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::facts::Facts;
use super::fields::{self, Sent};
use super::infer::Action;
use super::render::Body;
use super::state::{IdRule, Outcome, largest_id};
use super::{Data, Store, StoreError, ids};

/// Most items one seed file may hold.
const MAX_SEEDED: usize = 100_000;

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
        let mut seeded = 0usize;
        for (mount_name, resources) in by_mount {
            let m = self.mounts.iter().position(|mount| mount.name == mount_name).ok_or_else(|| {
                fail(format!("'{mount_name}' is not a served document (served: {})", self.mount_names()))
            })?;
            let Value::Object(resources) = resources else {
                return Err(fail(format!("{mount_name}: expected a map of resource → items")));
            };
            for (name, items) in resources {
                let r = self.models[m]
                    .resources
                    .iter()
                    .position(|r| r.key == name || r.key.rsplit('/').next() == Some(name.as_str()))
                    .ok_or_else(|| {
                        fail(format!("{mount_name}: no resource '{name}' (known: {})", self.resource_names(m)))
                    })?;
                if let Err(why) = &self.models[m].resources[r].id_field {
                    return Err(fail(format!("{mount_name}.{name}: cannot be seeded: {why}")));
                }
                let Value::Array(items) = items else {
                    return Err(fail(format!("{mount_name}.{name}: expected a list of items")));
                };
                seeded += items.len();
                if seeded > MAX_SEEDED {
                    return Err(fail(format!("more than {MAX_SEEDED} items; a sandbox seed should be smaller")));
                }
                let facts = &self.resources[m][r];
                let entry = data.entry(facts.shape.key.clone()).or_default();
                for item in items {
                    let Value::Object(item) = item else {
                        return Err(fail(format!("{mount_name}.{name}: every item must be an object")));
                    };
                    let item = self.seeded(m, facts, entry, item);
                    let id = text(&item[facts.shape.id_field.as_str()]);
                    if let Some(Outcome::Conflict { field, value }) =
                        super::state::duplicate(&facts.shape.unique, entry, &item, None)
                    {
                        return Err(fail(format!(
                            "{mount_name}.{name} '{id}': {field} '{value}' is taken by another item, and must be unique"
                        )));
                    }
                    let item = Value::Object(item);
                    self.check_seeded(m, r, &item).map_err(|e| fail(format!("{mount_name}.{name} '{id}': {e}")))?;
                    if entry.insert(id.clone(), Arc::new(item)).is_some() {
                        return Err(fail(format!("{mount_name}.{name}: two items have the id '{id}'")));
                    }
                }
                if let Some(max) = facts.shape.max
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

    /// A seeded item with the server's fields stamped, as a create would make it — the
    /// seed's own values winning, field by field.
    fn seeded(
        &self,
        m: usize,
        facts: &Facts,
        taken: &indexmap::IndexMap<String, Arc<Value>>,
        seed: Map<String, Value>,
    ) -> Map<String, Value> {
        let api = &self.mounts[m].api;
        let id_field = facts.shape.id_field.as_str();
        let mut item = seed.clone();
        if !item.contains_key(id_field) {
            let id = match facts.shape.ids {
                IdRule::Sequence { min, text, .. } => {
                    let next = largest_id(taken.keys().cloned()).map_or(min, |n| n.saturating_add(1));
                    if text { Value::String(next.to_string()) } else { Value::from(next) }
                }
                IdRule::Drawn => ids::candidates(api, facts.id_schema.as_ref(), ids::DRAWS)
                    .into_iter()
                    .find(|c| !taken.contains_key(&text(c)))
                    .unwrap_or(Value::Null),
            };
            // The id first, as a create makes it.
            item = std::iter::once((id_field.to_string(), id)).chain(item).collect();
        }
        let sent = Sent::By(&facts.create);
        fields::stamp_new(
            api,
            &facts.item_schema,
            &mut item,
            facts.example.as_ref(),
            &fields::Clock::now(),
            id_field,
            sent,
        );
        // Seeded values win over stamped ones (a seed may give its own timestamps), field by
        // field, so a partial nested object keeps the stamped rest.
        super::writes::merge_patch(&mut item, seed);
        item
    }

    /// A seeded item must answer reads the way the document says: it is rendered as the read
    /// operation would answer it and validated against that answer's schema.
    fn check_seeded(&self, mount: usize, resource: usize, item: &Value) -> Result<(), String> {
        let api = &self.mounts[mount].api;
        let Some(schema) = self.models[mount].resources[resource].schema else { return Ok(()) };
        let read = self.operations[mount]
            .iter()
            .flatten()
            .find(|op| op.binding.resource == resource && op.binding.action == Action::Read && op.binding.by.is_none());
        let Some(plan) = read.and_then(|op| op.answer.as_ref()) else { return Ok(()) };
        let answer: Value =
            serde_json::from_slice(&plan.to_bytes(Body::Item(item))).map_err(|e| format!("cannot be rendered: {e}"))?;
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

fn text(value: &Value) -> String {
    super::state::text(value)
}
