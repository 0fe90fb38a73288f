//! What the sandbox works out once at start-up, per resource and per operation, so that a
//! request only looks things up.

use serde_json::Value;

use super::conform::Conform;
use super::infer::{self, Action, Binding, Model};
use super::render::Plan;
use super::state::{IdRule, Shape};
use super::writes::{self, Writable};
use super::{fields, ids};
use crate::route::Mount;
use crate::spec::{Api, MediaType, Operation, StatusKey, is_json_media};

/// A resource's facts.
pub(super) struct Facts {
    pub shape: Shape,
    /// The schema of one item (`true` when the document does not say).
    pub item_schema: Value,
    /// The identifying property's schema.
    pub id_schema: Option<Value>,
    /// The documented example of an item, to fill required fields the way the docs show them.
    pub example: Option<Value>,
    /// Properties the server owns (id, times, constants, readOnly).
    pub owned: Vec<String>,
    /// The item's documented properties (lists filter and sort by these).
    pub properties: Vec<String>,
    /// What a create may write: the rest of a new item is the server's.
    pub create: Writable,
    /// `organization`, for messages.
    pub noun: String,
    /// How the resource's reads answer (else its create's): items are kept so that it validates.
    pub read_plan: Option<Plan>,
    /// How its list answers: its items must validate there too.
    pub list_plan: Option<Plan>,
}

/// An operation's facts.
pub(super) struct OpFacts {
    pub binding: Binding,
    /// How it answers with stored items; `None` when it documents no JSON success body.
    pub answer: Option<Plan>,
    /// What a client may write with it.
    pub writable: Writable,
}

impl Facts {
    pub fn of_document(mount: &Mount, model: &Model) -> Vec<Facts> {
        let api = &mount.api;
        (0..model.resources.len()).map(|r| Facts::new(api, &mount.name, model, r)).collect()
    }

    fn new(api: &Api, mount: &str, model: &Model, r: usize) -> Facts {
        let resource = &model.resources[r];
        let id_field = resource.id_field.clone().unwrap_or_else(|_| "id".to_string());
        let item_schema = resource
            .schema
            .map(|id| api.schemas.get(id))
            .and_then(|s| infer::item_schema(api, s, &id_field))
            .cloned()
            .unwrap_or(Value::Bool(true));
        let properties: Vec<String> =
            fields::properties(api, &item_schema).into_iter().map(|(n, _)| n.clone()).collect();
        let id_schema = fields::property(api, &item_schema, &id_field).cloned();
        let create_op = operation_of(api, model, r, Action::Create);
        // What a create lets the client set: the identifier (a `code` it chooses), a time (an
        // imported user's `created_at`) are then the client's, not the server's.
        let settable: Vec<String> = create_op
            .map(|op| writes::requested(api, op, &properties).1.into_iter().map(|(n, _)| n.clone()).collect())
            .unwrap_or_default();
        let id_read_only =
            id_schema.as_ref().is_some_and(|s| api.schemas.deref(s).get("readOnly") == Some(&Value::Bool(true)));
        let id_chosen = !id_read_only && settable.contains(&id_field);
        let owned = fields::owned(api, &item_schema, &id_field, |name| {
            settable.iter().any(|n| n == name) && (name != id_field || id_chosen)
        });
        let create = create_op.map(|op| Writable::new(api, op, &item_schema, &properties, &owned)).unwrap_or_default();
        let ids = ids::rule(api, id_schema.as_ref());
        // A sequence written as text keeps being written as text.
        let ids = match (ids, id_schema.as_ref().map(|s| api.schemas.deref(s))) {
            (IdRule::Sequence { min, max, .. }, Some(s)) if s.get("type") == Some(&Value::from("string")) => {
                IdRule::Sequence { min, max, text: true }
            }
            (ids, _) => ids,
        };
        let plan_of = |action: Action| {
            let (status, media) = operation_of(api, model, r, action).and_then(success)?;
            Some(Plan::new(api, status, media, &id_field, action == Action::List))
        };
        let read_plan = [Action::Read, Action::Create]
            .into_iter()
            .filter_map(plan_of)
            .find(|p| p.item_pointer().is_some() && !p.is_list());
        let list_plan = plan_of(Action::List).filter(|plan| plan.is_list());
        Facts {
            read_plan,
            list_plan,
            shape: Shape {
                key: format!("{mount}:{}", resource.key),
                id_field: id_field.clone(),
                ids,
                unique: resource.unique.clone(),
                max: resource.max,
            },
            example: example_item(api, model, r, &id_field),
            owned,
            properties,
            create,
            id_schema,
            item_schema,
            noun: singular(&resource.key),
        }
    }
}

impl Facts {
    /// What mends an item so its read answer validates; `None` when no answer shows one item.
    pub fn conform<'a>(&'a self, api: &'a Api) -> Option<Conform<'a>> {
        Some(Conform {
            api,
            id_field: &self.shape.id_field,
            plan: self.read_plan.as_ref()?,
            item_schema: &self.item_schema,
            example: self.example.as_ref(),
        })
    }
}

impl OpFacts {
    pub fn of_document(api: &Api, model: &Model, facts: &[Facts]) -> Vec<Option<OpFacts>> {
        api.operations
            .iter()
            .zip(&model.bindings)
            .map(|(op, binding)| {
                let binding = binding.clone()?;
                // An operation that documents no success (a DELETE with only 400 and 404) has
                // nothing to answer a done change with: it answers from the document.
                let succeeds = op.responses.iter().any(|r| r.status.is_success() || r.status == StatusKey::Default);
                if !succeeds {
                    return None;
                }
                let f = &facts[binding.resource];
                Some(OpFacts {
                    answer: success(op).map(|(status, media)| {
                        Plan::new(api, status, media, &f.shape.id_field, binding.action == Action::List)
                    }),
                    writable: Writable::new(api, op, &f.item_schema, &f.properties, &f.owned),
                    binding,
                })
            })
            .collect()
    }
}

/// The operation that does `action` to resource `r` (by its id, not another property).
pub(super) fn operation_of<'a>(api: &'a Api, model: &Model, r: usize, action: Action) -> Option<&'a Operation> {
    let index = model
        .bindings
        .iter()
        .position(|b| b.as_ref().is_some_and(|b| b.resource == r && b.action == action && b.by.is_none()))?;
    api.operations.get(index)
}

/// The documented example of an item (from the read answer), to fill required fields the
/// client did not send the way the documentation shows them.
fn example_item(api: &Api, model: &Model, r: usize, id_field: &str) -> Option<Value> {
    let media = success(operation_of(api, model, r, Action::Read)?)?.1;
    let example = media.examples.first()?.value.clone();
    let schema = api.schemas.deref(api.schemas.get(media.schema?));
    if infer::has_property(api, schema, id_field) {
        return Some(example);
    }
    let (slot, _) = fields::properties(api, schema)
        .into_iter()
        .find(|(_, p)| infer::has_property(api, api.schemas.deref(p), id_field))?;
    example.get(slot.as_str()).cloned()
}

/// The operation's lowest documented 2xx and its JSON media type.
pub(super) fn success(op: &Operation) -> Option<(http::StatusCode, &MediaType)> {
    op.responses
        .iter()
        .filter(|r| r.status.is_success())
        .find_map(|r| r.content.iter().find(|m| is_json_media(&m.name)).map(|m| (r.status.code(), m)))
}

/// `/v1/organizations` → `organization`; `orgs` → `org`.
pub(super) fn singular(key: &str) -> String {
    let last = key.rsplit('/').next().unwrap_or(key);
    let last = last.split(':').next().unwrap_or(last);
    last.strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| last.strip_suffix('s').map(str::to_string))
        .unwrap_or_else(|| last.to_string())
}
