//! Which operations of a document act on which resource, read off its paths (a collection
//! `/v1/organizations` and its item `/v1/organizations/{organization_id}` form one
//! resource) or stated with `x-specmock-resource`:
//!
//! ```yaml
//! x-specmock-resource:
//!   name: orgs                # operations with the same name share one resource
//!   action: read              # create | read | list | update | replace | delete
//!   id: {in: header, name: x-zitadel-orgid}   # where the item's id comes from
//!   by: external_id           # read by this property rather than the id
//!   identifier: code          # the property that identifies an item (else inferred)
//!   max: 100                  # (create) at most this many; the next gets the `limit` error
//!   unique: [external_id]     # (create, update) values no two resources may share
//! ```

use serde_json::Value;

use crate::spec::{Api, Operation, ParamIn, SchemaId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Read,
    List,
    Update,
    Replace,
    Delete,
}

impl Action {
    fn parse(text: &str) -> Option<Action> {
        Some(match text {
            "create" => Action::Create,
            "read" => Action::Read,
            "list" => Action::List,
            "update" => Action::Update,
            "replace" => Action::Replace,
            "delete" => Action::Delete,
            _ => return None,
        })
    }
}

/// Where an item's id comes from in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSource {
    pub location: ParamIn,
    pub name: String,
}

/// One operation's part in a resource.
#[derive(Debug, Clone)]
pub struct Binding {
    pub resource: usize,
    pub action: Action,
    /// For item actions: where the id (or `by` value) is.
    pub id: Option<IdSource>,
    /// Find the item by this property instead of the id.
    pub by: Option<String>,
}

/// A resource the sandbox keeps.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Stable key: the annotation's name, or the collection path.
    pub key: String,
    /// The schema of an answer carrying one item (as the read operation answers it).
    pub schema: Option<SchemaId>,
    pub max: Option<usize>,
    pub unique: Vec<String>,
    /// The property that identifies an item; `Err` says why none was found (the resource
    /// is then served statelessly).
    pub id_field: Result<String, String>,
}

/// Resources of one document, and which operation does what to which.
#[derive(Debug, Default)]
pub struct Model {
    pub resources: Vec<Resource>,
    /// Indexed like `Api::operations`.
    pub bindings: Vec<Option<Binding>>,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: #{pointer}/x-specmock-resource: {message}")]
pub struct HintError {
    pub file: String,
    pub pointer: String,
    pub message: String,
}

struct Hint {
    name: Option<String>,
    action: Option<Action>,
    id: Option<IdSource>,
    by: Option<String>,
    max: Option<usize>,
    unique: Vec<String>,
    identifier: Option<String>,
}

const HINT_KEYS: &[&str] = &["name", "action", "id", "by", "max", "unique", "identifier"];

fn hint(api: &Api, op: &Operation) -> Result<Option<Hint>, HintError> {
    let Some(value) = &op.resource_hint else { return Ok(None) };
    let fail = |message: String| HintError { file: api.source.clone(), pointer: op.pointer.clone(), message };
    let Value::Object(map) = value else { return Err(fail("must be a map".into())) };
    for key in map.keys() {
        if !HINT_KEYS.contains(&key.as_str()) {
            return Err(fail(format!("unknown key '{key}' (known: {})", HINT_KEYS.join(", "))));
        }
    }
    let action = match map.get("action").and_then(Value::as_str) {
        Some(a) => Some(
            Action::parse(a)
                .ok_or_else(|| fail(format!("action '{a}' is not create, read, list, update, replace or delete")))?,
        ),
        None => None,
    };
    let id = match map.get("id") {
        Some(v) => {
            let location = match v.get("in").and_then(Value::as_str) {
                Some("path") => ParamIn::Path,
                Some("query") => ParamIn::Query,
                Some("header") => ParamIn::Header,
                Some("cookie") => ParamIn::Cookie,
                other => return Err(fail(format!("id.in must be path, query, header or cookie, not {other:?}"))),
            };
            let name = v.get("name").and_then(Value::as_str).ok_or_else(|| fail("id needs a name".into()))?;
            Some(IdSource { location, name: name.to_string() })
        }
        None => None,
    };
    Ok(Some(Hint {
        name: map.get("name").and_then(Value::as_str).map(str::to_string),
        action,
        id,
        by: map.get("by").and_then(Value::as_str).map(str::to_string),
        max: map.get("max").and_then(Value::as_u64).map(|m| m as usize),
        unique: map
            .get("unique")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        identifier: map.get("identifier").and_then(Value::as_str).map(str::to_string),
    }))
}

/// `/v1/organizations/{organization_id}` → (`/v1/organizations`, Some("organization_id")).
fn split_item(path: &str) -> (&str, Option<&str>) {
    match path.rsplit_once('/') {
        Some((collection, last)) if last.starts_with('{') && last.ends_with('}') && !collection.is_empty() => {
            (collection, Some(&last[1..last.len() - 1]))
        }
        _ => (path, None),
    }
}

fn inferred_action(op: &Operation, is_item: bool) -> Option<Action> {
    use http::Method;
    Some(match (op.method.clone(), is_item) {
        (Method::POST, false) => Action::Create,
        (Method::GET, false) => Action::List,
        (Method::GET, true) => Action::Read,
        (Method::PATCH, true) => Action::Update,
        (Method::PUT, true) => Action::Replace,
        (Method::DELETE, true) => Action::Delete,
        _ => return None,
    })
}

/// The schema of a successful JSON answer.
fn success_schema(op: &Operation) -> Option<SchemaId> {
    op.responses
        .iter()
        .filter(|r| r.status.is_success())
        .flat_map(|r| r.content.iter())
        .find(|m| m.is_json())
        .and_then(|m| m.schema)
}

/// Whether a schema (or one of its `allOf` parts) has the property.
pub fn has_property(api: &Api, schema: &Value, name: &str) -> bool {
    super::fields::properties(api, schema).iter().any(|(n, _)| n.as_str() == name)
}

/// The item's schema inside an answer: the answer itself if it has the identifying
/// property, else the property that does (`{organization: …}`, `{data: …}`).
pub fn item_schema<'s>(api: &'s Api, schema: &'s Value, id_field: &str) -> Option<&'s Value> {
    let schema = api.schemas.deref(schema);
    if has_property(api, schema, id_field) {
        return Some(schema);
    }
    envelope(super::fields::properties(api, schema))
        .into_iter()
        .map(|(_, p)| api.schemas.deref(p))
        .find(|p| has_property(api, p, id_field))
}

/// The properties of an envelope that may carry an item: the one named for it where there is
/// one (Clerk's Frontend API answers `{response: <the item>, client: <the session's
/// client>}`, both with an `id`, and `{response: {}, client}` where there is no item at all),
/// else all of them.
pub fn envelope<'a>(properties: Vec<(&'a String, &'a Value)>) -> Vec<(&'a String, &'a Value)> {
    const CARRIERS: &[&str] = &["data", "response", "result", "item"];
    let carriers: Vec<_> = properties.iter().filter(|(name, _)| CARRIERS.contains(&name.as_str())).cloned().collect();
    if carriers.is_empty() { properties } else { carriers }
}

/// Names a document may give the property that a path variable names: `{thing_id}` is
/// `thing_id`, `thingId`, `ThingId`, `thing-id`, or plainly `id` on a thing.
pub fn id_names(variable: &str) -> Vec<String> {
    let words = crate::generate::words_of(variable);
    let mut out = vec![variable.to_string()];
    let mut push = |name: String| {
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    };
    let capital = |w: &str| w.get(..1).map(|f| f.to_ascii_uppercase() + &w[1..]).unwrap_or_default();
    if let Some((first, rest)) = words.split_first() {
        push(words.join("_"));
        push(format!("{first}{}", rest.iter().map(|w| capital(w)).collect::<String>()));
        push(words.iter().map(|w| capital(w)).collect());
        push(words.join("-"));
    }
    if words.len() > 1
        && let Some(last) = words.last()
        && ["id", "uuid", "key", "code", "name", "slug"].contains(&last.as_str())
    {
        push(last.clone());
    }
    out
}

/// Read-only properties that identify an item when nothing else says which does.
const READ_ONLY_IDS: &[&str] = &["id", "uuid", "key", "code"];

/// The identifying property of a resource's items, or why there is none.
fn identify(api: &Api, answer: Option<&Value>, stated: Option<&str>, variable: Option<&str>) -> Result<String, String> {
    let Some(answer) = answer else {
        return Err("neither its read nor its create documents a JSON success body".into());
    };
    if let Some(name) = stated {
        return match item_schema(api, answer, name) {
            Some(_) => Ok(name.to_string()),
            None => Err(format!("x-specmock-resource names identifier '{name}', which its items do not have")),
        };
    }
    let mut names: Vec<String> = variable.map(id_names).unwrap_or_default();
    if !names.iter().any(|n| n == "id") {
        names.push("id".into());
    }
    if let Some(found) = names.iter().find(|n| item_schema(api, answer, n).is_some()) {
        return Ok(found.clone());
    }
    let read_only = |name: &'static str| {
        item_schema(api, answer, name).is_some_and(|item| {
            super::fields::properties(api, item)
                .iter()
                .any(|(n, p)| n.as_str() == name && api.schemas.deref(p).get("readOnly") == Some(&Value::Bool(true)))
        })
    };
    if let Some(found) = READ_ONLY_IDS.iter().copied().find(|n| read_only(n)) {
        return Ok(found.to_string());
    }
    Err(format!(
        "its items have no identifying property (looked for {}, then a read-only {}; name one with x-specmock-resource: {{identifier: NAME}})",
        names.join(", "),
        READ_ONLY_IDS.join("/")
    ))
}

/// Whether the document lists `path` (GET) or has items under it (`path/{id}`).
fn is_collection(api: &Api, path: &str) -> bool {
    api.operations
        .iter()
        .any(|op| (op.path == path && op.method == http::Method::GET) || is_collection_item(&op.path, path))
}

/// A POST and a GET on a path without items under it that answer the same schema: one thing
/// made and read in place (Clerk's `/v1/client`), not a collection and its list — the list
/// would take an array inside the thing (its `sessions`) for the items.
fn is_singleton(api: &Api, post: &Operation, path: &str) -> bool {
    let items_under = api.operations.iter().any(|op| op.path != path && is_collection_item(&op.path, path));
    let get = api.operations.iter().find(|op| op.path == path && op.method == http::Method::GET);
    match (get.and_then(success_schema), success_schema(post)) {
        (Some(read), Some(made)) if !items_under => api.schemas.get(read) == api.schemas.get(made),
        _ => false,
    }
}

/// `path/{id}` under `collection`.
fn is_collection_item(path: &str, collection: &str) -> bool {
    path.strip_prefix(collection)
        .and_then(|rest| rest.strip_prefix("/{"))
        .is_some_and(|rest| rest.find('}').is_some_and(|end| rest[end + 1..].is_empty()))
}

pub fn infer(api: &Api) -> Result<Model, HintError> {
    let mut model = Model { resources: Vec::new(), bindings: vec![None; api.operations.len()] };
    let mut keys: Vec<String> = Vec::new();
    // First: creates define resources.
    struct Planned {
        index: usize,
        key: String,
        binding: (Action, Option<IdSource>, Option<String>),
    }
    let mut plans: Vec<Planned> = Vec::new();
    let mut stated: Vec<(String, String)> = Vec::new();
    for (index, op) in api.operations.iter().enumerate() {
        let hint = hint(api, op)?;
        let (collection, item_param) = split_item(&op.path);
        let action = match hint.as_ref().and_then(|h| h.action) {
            Some(a) => Some(a),
            None => inferred_action(op, item_param.is_some()),
        };
        let Some(action) = action else { continue };
        // A POST to `/users/{user_id}/ban` is an action, not a collection: a collection is
        // something the document also lists or reads items of.
        if action == Action::Create
            && hint.as_ref().and_then(|h| h.action).is_none()
            && (!is_collection(api, collection) || is_singleton(api, op, collection))
        {
            continue;
        }
        let key = hint.as_ref().and_then(|h| h.name.clone()).unwrap_or_else(|| collection.to_string());
        let id = hint
            .as_ref()
            .and_then(|h| h.id.clone())
            .or_else(|| item_param.map(|name| IdSource { location: ParamIn::Path, name: name.to_string() }));
        let by = hint.as_ref().and_then(|h| h.by.clone());
        if let Some(identifier) = hint.as_ref().and_then(|h| h.identifier.clone()) {
            stated.push((key.clone(), identifier));
        }
        if action == Action::Create && !keys.contains(&key) {
            keys.push(key.clone());
            model.resources.push(Resource {
                key: key.clone(),
                schema: None,
                max: None,
                unique: Vec::new(),
                id_field: Err(String::new()),
            });
        }
        if let (Some(h), Some(r)) = (&hint, keys.iter().position(|k| *k == key)) {
            let resource = &mut model.resources[r];
            if h.max.is_some() {
                resource.max = h.max;
            }
            for u in &h.unique {
                if !resource.unique.contains(u) {
                    resource.unique.push(u.clone());
                }
            }
        }
        plans.push(Planned { index, key, binding: (action, id, by) });
    }
    for Planned { index, key, binding: (action, id, by) } in plans {
        if let Some(resource) = keys.iter().position(|k| *k == key) {
            model.bindings[index] = Some(Binding { resource, action, id, by });
        }
    }
    // Reads by another property: `GET /api/v1/organizations:external/{external_id}`.
    for (index, op) in api.operations.iter().enumerate() {
        if model.bindings[index].is_some() || op.method != http::Method::GET {
            continue;
        }
        let (prefix, Some(param)) = split_item(&op.path) else { continue };
        let found = model.resources.iter().position(|r| prefix.starts_with(r.key.as_str()) && r.key.starts_with('/'));
        if let Some(resource) = found {
            model.bindings[index] = Some(Binding {
                resource,
                action: Action::Read,
                id: Some(IdSource { location: ParamIn::Path, name: param.to_string() }),
                by: Some(param.to_string()),
            });
        }
    }
    // The item schema: what a read answers, else what a create answers.
    for (r, resource) in model.resources.iter_mut().enumerate() {
        let of = |action: Action| {
            model
                .bindings
                .iter()
                .enumerate()
                .filter_map(|(i, b)| {
                    b.as_ref().filter(|b| b.resource == r && b.action == action && b.by.is_none()).map(|_| i)
                })
                .find_map(|i| success_schema(&api.operations[i]))
        };
        resource.schema = of(Action::Read).or_else(|| of(Action::Create));
        // The variable an item path names items by (`{thing_id}`), if any item path does.
        let variable = model.bindings.iter().flatten().find_map(|b| {
            let source = b.id.as_ref().filter(|s| s.location == ParamIn::Path)?;
            (b.resource == r && b.by.is_none() && b.action != Action::Create).then_some(source.name.as_str())
        });
        let named = stated.iter().find(|(k, _)| *k == resource.key).map(|(_, n)| n.as_str());
        resource.id_field = identify(api, resource.schema.map(|id| api.schemas.get(id)), named, variable);
    }
    // A `by` read whose property the item does not have is not a lookup after all — unless
    // the document said so, which is then a mistake worth naming.
    for (index, binding) in model.bindings.iter_mut().enumerate() {
        let Some(b) = binding else { continue };
        if let Some(by) = &b.by {
            let resource = &model.resources[b.resource];
            let schema = resource.schema.map(|id| api.schemas.get(id));
            let has = match (schema, &resource.id_field) {
                (Some(s), Ok(id_field)) => {
                    item_schema(api, s, id_field).is_some_and(|item| has_property(api, item, by))
                }
                _ => false,
            };
            let op = &api.operations[index];
            let stated = op.resource_hint.as_ref().and_then(|h| h.get("by")).is_some();
            if !has && stated {
                return Err(HintError {
                    file: api.source.clone(),
                    pointer: op.pointer.clone(),
                    message: format!("by: '{by}' is not a property of the resource's items"),
                });
            }
            if !has {
                *binding = None;
            }
        }
    }
    // A resource without an identifying property cannot be kept: its operations answer
    // from the document, and the start-up banner says why.
    for binding in model.bindings.iter_mut() {
        if binding.as_ref().is_some_and(|b| model.resources[b.resource].id_field.is_err()) {
            *binding = None;
        }
    }
    Ok(model)
}
