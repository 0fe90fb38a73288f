//! The stateful sandbox (`serve --stateful`, `--state FILE`): resources inferred from the
//! documents, created, read, listed, changed and deleted as the real API would, answered in
//! each operation's own shape, optionally persisted, with idempotent retries.

mod fields;
mod idempotency;
mod infer;
mod journal;
mod paging;
mod render;
mod seed;
mod shape;
mod writes;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::route::Mount;
use crate::spec::{Api, MediaType, Operation, ParamIn, StatusKey, is_json_media};
use crate::style::{Voice, render_error, validation_status};
use crate::validate::{Part, Violation};

pub use idempotency::Idempotency;
pub use infer::{Action, HintError};
pub use journal::{Data, StateError};
pub use shape::{ItemOperation, ResourceShape, resources};

use infer::{Binding, Model};
use journal::{Journal, Record, durable};
use paging::Listing;
use render::{Body, Page, Plan};
use writes::{Writable, merge_patch};

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `--state FILE`; `None` keeps state in memory.
    pub state_file: Option<PathBuf>,
    /// `--state-seed FILE`: resources to start with (and to reset to).
    pub seed_file: Option<PathBuf>,
    /// How long an idempotency key is remembered.
    pub idempotency_ttl: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Hint(#[from] HintError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("{file}: {message}")]
    Seed { file: String, message: String },
}

pub struct Store {
    mounts: Vec<Mount>,
    models: Vec<Model>,
    /// Per document and resource: what every request would otherwise work out again.
    prepared: Vec<Vec<Prepared>>,
    /// Per document and operation: how a resource operation answers.
    plans: Vec<Vec<Option<Plan>>>,
    /// Per document and operation: what a client may write with it.
    writable: Vec<Vec<Writable>>,
    data: Mutex<Data>,
    seed: Data,
    journal: Option<Journal>,
    idempotency: Idempotency,
}

/// A resource's facts, worked out once at start-up.
struct Prepared {
    /// The schema of one item (`true` when the document does not say).
    item_schema: Value,
    /// The documented example of an item, to fill required fields the way the docs show them.
    example: Option<Value>,
    /// Properties the server owns (id, times, constants, readOnly).
    owned: Vec<String>,
    has_id: bool,
    /// The item's documented properties (lists filter and sort by these).
    properties: Vec<String>,
    /// Where its items are kept: `clerk:/v1/organizations`.
    key: String,
}

/// What the mock hands the sandbox for one request.
pub struct Call<'a> {
    pub mount: usize,
    pub operation: usize,
    pub request: &'a Request<Bytes>,
    pub params: &'a [(&'a str, std::borrow::Cow<'a, str>)],
    /// The decoded, validated body; the sandbox keeps it (no copy).
    pub body: Option<Value>,
}

impl Store {
    pub fn open(mounts: &[Mount], options: &StoreOptions) -> Result<Store, StoreError> {
        let models: Vec<Model> = mounts.iter().map(|m| infer::infer(&m.api)).collect::<Result<_, _>>()?;
        let mut store = Store {
            mounts: mounts.to_vec(),
            prepared: Vec::new(),
            plans: Vec::new(),
            writable: Vec::new(),
            models,
            data: Mutex::new(Data::new()),
            seed: Data::new(),
            journal: None,
            idempotency: Idempotency::new(options.idempotency_ttl),
        };
        store.prepared = (0..store.mounts.len()).map(|m| store.prepare(m)).collect();
        store.plans = (0..store.mounts.len()).map(|m| store.plan(m)).collect();
        store.writable = (0..store.mounts.len()).map(|m| store.writable(m)).collect();
        if let Some(file) = &options.seed_file {
            store.seed = store.read_seed(file)?;
        }
        let data = match &options.state_file {
            Some(path) => {
                let (journal, state) = Journal::open(path, &store.seed)?;
                store.check_known(path, &state.data)?;
                store.idempotency.restore(&state.keys);
                let data = state.data;
                store.journal = Some(journal);
                data
            }
            None => store.seed.clone(),
        };
        *store.lock() = data;
        Ok(store)
    }

    fn prepare(&self, mount: usize) -> Vec<Prepared> {
        let api = &self.mounts[mount].api;
        (0..self.models[mount].resources.len())
            .map(|r| {
                let resource = &self.models[mount].resources[r];
                let item_schema = resource
                    .schema
                    .map(|id| api.schemas.get(id))
                    .and_then(|s| infer::item_schema(api, s))
                    .cloned()
                    .unwrap_or(Value::Bool(true));
                Prepared {
                    key: self.key(mount, r),
                    example: self.example_item(mount, r),
                    owned: fields::owned(api, &item_schema),
                    has_id: item_schema.get("properties").and_then(|p| p.get("id")).is_some(),
                    properties: fields::properties(api, &item_schema).into_iter().map(|(n, _)| n.clone()).collect(),
                    item_schema,
                }
            })
            .collect()
    }

    fn plan(&self, mount: usize) -> Vec<Option<Plan>> {
        let api = &self.mounts[mount].api;
        let model = &self.models[mount];
        api.operations
            .iter()
            .zip(&model.bindings)
            .map(|(op, binding)| {
                binding.as_ref()?;
                let (status, media) = success(op)?;
                Some(Plan::new(api, status, media))
            })
            .collect()
    }

    fn writable(&self, mount: usize) -> Vec<Writable> {
        let api = &self.mounts[mount].api;
        api.operations
            .iter()
            .zip(&self.models[mount].bindings)
            .map(|(op, binding)| match binding {
                Some(b) => {
                    let prepared = &self.prepared[mount][b.resource];
                    Writable::new(api, op, &prepared.item_schema, &prepared.properties, &prepared.owned)
                }
                None => Writable::default(),
            })
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        // A panic elsewhere must not take the sandbox down with it.
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Resources per document, for start-up messages: (mount name, resource key, operations).
    pub fn describe(&self) -> Vec<(String, String, usize)> {
        let mut out = Vec::new();
        for (m, model) in self.models.iter().enumerate() {
            for (r, resource) in model.resources.iter().enumerate() {
                let ops = model.bindings.iter().filter(|b| b.as_ref().is_some_and(|b| b.resource == r)).count();
                out.push((self.mounts[m].name.clone(), resource.key.clone(), ops));
            }
        }
        out
    }

    fn key(&self, mount: usize, resource: usize) -> String {
        format!("{}:{}", self.mounts[mount].name, self.models[mount].resources[resource].key)
    }

    /// Whether the sandbox answers this operation.
    pub fn handles(&self, mount: usize, operation: usize) -> bool {
        self.models[mount].bindings.get(operation).is_some_and(Option::is_some)
    }

    /// Answers a call to a resource operation; `None` when the operation is not one.
    pub async fn answer(&self, mut call: Call<'_>) -> Option<Response<Bytes>> {
        let body = call.body.take();
        let binding = self.models[call.mount].bindings.get(call.operation)?.as_ref()?.clone();
        let api = &self.mounts[call.mount].api;
        let op = &api.operations[call.operation];
        let writes = binding.action != Action::Read && binding.action != Action::List;
        let idempotency_key = if writes {
            call.request.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).filter(|k| !k.is_empty())
        } else {
            None
        };
        let Some(key) = idempotency_key else {
            return Some(self.act(&call, body, &binding, api, op).await);
        };
        let scope = format!("{}:{key}", self.mounts[call.mount].name);
        let fingerprint = idempotency::fingerprint(call.request);
        match self.idempotency.begin(&scope, fingerprint) {
            idempotency::Begin::Replay(mut response) => {
                response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
                Some(response)
            }
            idempotency::Begin::Conflict(why) => {
                let violation = Violation::new(Part::Header, "idempotency-key", "idempotency", why);
                let status = if documents(op, 409) { 409 } else { validation_status(op) };
                Some(render_error(api, op, status, &[violation], Voice::Template, call.request.uri().path()))
            }
            idempotency::Begin::Fresh => {
                let response = self.act(&call, body, &binding, api, op).await;
                let kept = self.idempotency.finish(&scope, fingerprint, &response);
                // Kept on disk too, so a retry after a restart replays instead of creating twice.
                if let (true, Some(journal)) = (kept, &self.journal)
                    && let Some(answer) = self.idempotency.to_disk(fingerprint, &response)
                    && let Some(failure) = persist(Some(journal.submit(&Record::Key { scope, answer }))).await
                {
                    return Some(failure);
                }
                Some(response)
            }
        }
    }

    async fn act(
        &self,
        call: &Call<'_>,
        body: Option<Value>,
        binding: &Binding,
        api: &Api,
        op: &Operation,
    ) -> Response<Bytes> {
        let resource = &self.models[call.mount].resources[binding.resource];
        let key = self.prepared[call.mount][binding.resource].key.as_str();
        let prepared = &self.prepared[call.mount][binding.resource];
        let item_schema = &prepared.item_schema;
        let writable = &self.writable[call.mount][call.operation];
        // Writes keep only what the client may write; a list's body is its search, kept whole.
        let (body, search) = match (binding.action, body) {
            (Action::List, body) => (None, body),
            (_, Some(Value::Object(map))) => (Some(writable.filter(map)), None),
            _ => (None, None),
        };
        let noun = singular(&resource.key);
        let path = call.request.uri().path();
        let error = |status: u16, keyword: &str, field: &str, message: String| {
            let mut v = Violation::new(Part::Message, field, keyword, message);
            if !field.is_empty() {
                v.location = field.to_string();
            }
            render_error(api, op, status, &[v], Voice::Template, path)
        };

        // Boxed: the error is a whole response, and the happy path should not carry its size.
        let lookup = |data: &Data| -> Result<String, Box<Response<Bytes>>> {
            let Some(source) = &binding.id else {
                return Err(Box::new(error(400, "required", "id", format!("the {noun} to act on is not named"))));
            };
            let Some(wanted) = id_value(call, source) else {
                return Err(Box::new(error(
                    404,
                    "not_found",
                    &source.name,
                    format!("no {noun} is named by {}", source.name),
                )));
            };
            let items = data.get(key);
            let found = match &binding.by {
                None => items.and_then(|i| i.get_key_value(&wanted)).map(|(k, _)| k.clone()),
                Some(by) => items
                    .and_then(|i| i.iter().find(|(_, v)| v.get(by).map(text).as_deref() == Some(wanted.as_str())))
                    .map(|(k, _)| k.clone()),
            };
            let field = binding.by.clone().unwrap_or_else(|| "id".to_string());
            found.ok_or_else(|| {
                Box::new(error(404, "not_found", &source.name, format!("no {noun} with {field} '{wanted}'")))
            })
        };

        match binding.action {
            Action::Create => {
                let mut item = Map::new();
                merge_patch(&mut item, body.unwrap_or_default());
                let (record, value) = {
                    let mut data = self.lock();
                    let items = data.entry(key.to_string()).or_default();
                    if let Some(max) = resource.max
                        && items.len() >= max
                    {
                        let status =
                            [403, 429].into_iter().find(|s| documents(op, *s)).unwrap_or_else(|| validation_status(op));
                        return error(
                            status,
                            "limit",
                            "",
                            format!("you cannot create more than {max} {}", plural(&noun)),
                        );
                    }
                    if let Some(conflict) = duplicate(&resource.unique, items, &item, None) {
                        return self.conflict(api, op, path, &noun, conflict);
                    }
                    let mut id = fields::new_id(api, item_schema);
                    while items.contains_key(&text(&id)) {
                        id = fields::new_id(api, item_schema);
                    }
                    if prepared.has_id {
                        item.insert("id".into(), id.clone());
                    }
                    fields::stamp_new(api, item_schema, &mut item, prepared.example.as_ref(), &fields::Clock::now());
                    let value = Arc::new(Value::Object(item));
                    items.insert(text(&id), Arc::clone(&value));
                    let record = Record::Put { resource: key.to_string(), id: text(&id), value: Arc::clone(&value) };
                    (self.journal.as_ref().map(|j| j.submit(&record)), value)
                };
                if let Some(failure) = persist(record).await {
                    return failure;
                }
                self.item_answer(call, op, &value)
            }
            Action::Read => {
                let data = self.lock();
                match lookup(&data) {
                    Ok(id) => {
                        let value = Arc::clone(&data[key][&id]);
                        drop(data);
                        self.item_answer(call, op, &value)
                    }
                    Err(response) => *response,
                }
            }
            Action::Update | Action::Replace => {
                let (record, value) = {
                    let mut data = self.lock();
                    let id = match lookup(&data) {
                        Ok(id) => id,
                        Err(response) => return *response,
                    };
                    let items = data.get_mut(key).expect("looked up");
                    let owned = &prepared.owned;
                    let old = items[&id].clone();
                    let mut new = match binding.action {
                        Action::Replace => old.as_object().map(|o| keep(o, owned)).unwrap_or_default(),
                        _ => old.as_object().cloned().unwrap_or_default(),
                    };
                    merge_patch(&mut new, body.unwrap_or_default());
                    if let Some(conflict) = duplicate(&resource.unique, items, &new, Some(&id)) {
                        return self.conflict(api, op, path, &noun, conflict);
                    }
                    fields::stamp_update(api, item_schema, &mut new, &fields::Clock::now());
                    let value = Arc::new(Value::Object(new));
                    items.insert(id.clone(), Arc::clone(&value));
                    let record = Record::Put { resource: key.to_string(), id, value: Arc::clone(&value) };
                    (self.journal.as_ref().map(|j| j.submit(&record)), value)
                };
                if let Some(failure) = persist(record).await {
                    return failure;
                }
                self.item_answer(call, op, &value)
            }
            Action::Delete => {
                let (record, value) = {
                    let mut data = self.lock();
                    let id = match lookup(&data) {
                        Ok(id) => id,
                        Err(response) => return *response,
                    };
                    let mut value = data.get_mut(key).and_then(|items| items.shift_remove(&id)).unwrap_or_default();
                    // The removal is a change too: its answer carries the removal's time and sequence.
                    if let Some(item) = Arc::make_mut(&mut value).as_object_mut() {
                        fields::stamp_update(api, item_schema, item, &fields::Clock::now());
                    }
                    let record = Record::Delete { resource: key.to_string(), id };
                    (self.journal.as_ref().map(|j| j.submit(&record)), value)
                };
                if let Some(failure) = persist(record).await {
                    return failure;
                }
                self.item_answer(call, op, &value)
            }
            Action::List => {
                let items: Vec<Arc<Value>> = {
                    let data = self.lock();
                    data.get(key).map(|i| i.values().cloned().collect()).unwrap_or_default()
                };
                self.list_answer(op, call, &prepared.properties, search.as_ref(), items)
            }
        }
    }

    fn conflict(
        &self,
        api: &Api,
        op: &Operation,
        path: &str,
        noun: &str,
        (field, value): (String, String),
    ) -> Response<Bytes> {
        let status = if documents(op, 409) { 409 } else { validation_status(op) };
        let mut v = Violation::new(
            Part::Body,
            &field,
            "conflict",
            format!("{} {noun} with {field} '{value}' already exists", article(noun)),
        );
        v.pointer = format!("/{field}");
        render_error(api, op, status, &[v], Voice::Template, path)
    }

    /// The documented example of an item (from the read answer), to fill required fields the
    /// client did not send the way the documentation shows them.
    fn example_item(&self, mount: usize, resource: usize) -> Option<Value> {
        let api = &self.mounts[mount].api;
        let model = &self.models[mount];
        let read = model.bindings.iter().position(|b| {
            b.as_ref().is_some_and(|b| b.resource == resource && b.action == Action::Read && b.by.is_none())
        })?;
        let media = success(&api.operations[read])?.1;
        let example = media.examples.first()?.value.clone();
        let schema = api.schemas.get(media.schema?);
        let s = crate::validate::deref(&api.schemas, schema);
        if s.get("properties").and_then(|p| p.get("id")).is_some() {
            return Some(example);
        }
        let props = s.get("properties")?.as_object()?;
        let slot = props
            .iter()
            .find(|(_, p)| {
                crate::validate::deref(&api.schemas, p).get("properties").and_then(|q| q.get("id")).is_some()
            })?
            .0;
        example.get(slot).cloned()
    }

    fn item_answer(&self, call: &Call<'_>, op: &Operation, item: &Value) -> Response<Bytes> {
        match &self.plans[call.mount][call.operation] {
            Some(plan) => json_response(plan, plan.to_bytes(Body::Item(item))),
            None => empty(success_status(op)),
        }
    }

    fn list_answer(
        &self,
        op: &Operation,
        call: &Call<'_>,
        properties: &[String],
        body: Option<&Value>,
        items: Vec<Arc<Value>>,
    ) -> Response<Bytes> {
        let api = &self.mounts[call.mount].api;
        let query: Vec<(String, String)> = call
            .request
            .uri()
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
            .unwrap_or_default();
        let listing = match Listing::read(api, op, properties, &query, body) {
            Ok(listing) => listing,
            Err((name, message)) => {
                let v = Violation::new(Part::Query, &name, "format", message);
                return render_error(api, op, validation_status(op), &[v], Voice::Template, call.request.uri().path());
            }
        };
        let (offset, size) = (listing.offset, listing.size);
        let selected = listing.select(items);
        let total = selected.len();
        let page_items: Vec<Arc<Value>> = selected.into_iter().skip(offset).take(size).collect();
        let next = (offset + size < total).then(|| (offset + size).to_string());
        let prev = (offset > 0).then(|| offset.saturating_sub(size).to_string());
        let sort = listing.sort.clone();
        let page = Page { items: page_items, total, offset, size, next_token: next, prev_token: prev, sort };
        match &self.plans[call.mount][call.operation] {
            Some(plan) => json_response(plan, plan.to_bytes(Body::List(page))),
            None => empty(success_status(op)),
        }
    }

    /// `POST /__specmock/reset`: back to the seed (or empty with `?to=empty`).
    pub async fn reset(&self, empty: bool) -> Result<usize, String> {
        let target = if empty { Data::new() } else { self.seed.clone() };
        let count = target.values().map(|i| i.len()).sum();
        let acks = {
            let mut data = self.lock();
            *data = target.clone();
            self.idempotency.clear();
            self.journal.as_ref().map(|j| {
                let mut acks = vec![j.submit(&Record::Clear)];
                for (resource, items) in &target {
                    for (id, value) in items {
                        acks.push(j.submit(&Record::Put {
                            resource: resource.clone(),
                            id: id.clone(),
                            value: value.clone(),
                        }));
                    }
                }
                acks
            })
        };
        for ack in acks.into_iter().flatten() {
            durable(ack).await.map_err(|e| format!("cannot write the state file: {e}"))?;
        }
        Ok(count)
    }

    /// `GET /__specmock/state`.
    pub fn dump(&self) -> Value {
        let data = self.lock();
        let mut resources = Map::new();
        for (m, model) in self.models.iter().enumerate() {
            for r in 0..model.resources.len() {
                let key = self.key(m, r);
                let items: Vec<Value> =
                    data.get(&key).map(|i| i.values().map(|v| (**v).clone()).collect()).unwrap_or_default();
                resources.insert(key, Value::Array(items));
            }
        }
        json!({ "resources": resources })
    }

    fn check_known(&self, path: &Path, data: &Data) -> Result<(), StateError> {
        let known: Vec<String> = self
            .models
            .iter()
            .enumerate()
            .flat_map(|(m, model)| (0..model.resources.len()).map(move |r| (m, r)))
            .map(|(m, r)| self.key(m, r))
            .collect();
        if let Some(unknown) = data.keys().find(|k| !known.contains(k)) {
            return Err(StateError {
                file: path.display().to_string(),
                message: format!(
                    "it holds '{unknown}', which none of the served documents has (it was written for other documents); serve those, or use another --state file"
                ),
            });
        }
        Ok(())
    }
}

async fn persist(ack: Option<tokio::sync::oneshot::Receiver<std::io::Result<()>>>) -> Option<Response<Bytes>> {
    let ack = ack?;
    match durable(ack).await {
        Ok(()) => None,
        Err(e) => {
            Some(crate::style::problem(500, format!("the change could not be saved to the state file: {e}"), &[]))
        }
    }
}

fn documents(op: &Operation, status: u16) -> bool {
    op.responses.iter().any(|r| r.status == StatusKey::Exact(status))
}

/// The operation's lowest documented 2xx and its JSON media type.
fn success(op: &Operation) -> Option<(u16, &MediaType)> {
    op.responses
        .iter()
        .filter(|r| matches!(r.status, StatusKey::Exact(200..=299) | StatusKey::Range(2)))
        .find_map(|r| r.content.iter().find(|m| is_json_media(&m.name)).map(|m| (r.status.code(), m)))
}

fn success_status(op: &Operation) -> u16 {
    op.responses
        .iter()
        .map(|r| r.status)
        .find(|s| matches!(s, StatusKey::Exact(200..=299)))
        .map(StatusKey::code)
        .unwrap_or(204)
}

fn empty(status: u16) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
    response
}

fn json_response(plan: &Plan, body: Vec<u8>) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = StatusCode::from_u16(plan.status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(header::CONTENT_TYPE, plan.content_type.clone());
    response
}

/// A value as the text a path or header would carry.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn id_value(call: &Call<'_>, source: &infer::IdSource) -> Option<String> {
    match source.location {
        ParamIn::Path => call.params.iter().find(|(k, _)| *k == source.name).map(|(_, v)| v.to_string()),
        ParamIn::Header => {
            call.request.headers().get(source.name.as_str()).and_then(|v| v.to_str().ok()).map(str::to_string)
        }
        ParamIn::Query => call.request.uri().query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes()).find(|(k, _)| *k == source.name).map(|(_, v)| v.into_owned())
        }),
        ParamIn::Cookie => None,
    }
    .filter(|v| !v.is_empty())
}

fn keep(item: &Map<String, Value>, owned: &[String]) -> Map<String, Value> {
    item.iter().filter(|(k, _)| owned.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The first `unique` property whose value another item already has.
fn duplicate(
    unique: &[String],
    items: &indexmap::IndexMap<String, Arc<Value>>,
    item: &Map<String, Value>,
    except: Option<&str>,
) -> Option<(String, String)> {
    for field in unique {
        let Some(value) = item.get(field).filter(|v| !v.is_null()) else { continue };
        let taken = items.iter().any(|(id, other)| Some(id.as_str()) != except && other.get(field) == Some(value));
        if taken {
            return Some((field.clone(), text(value)));
        }
    }
    None
}

/// `/v1/organizations` → `organization`; `orgs` → `org`.
fn singular(key: &str) -> String {
    let last = key.rsplit('/').next().unwrap_or(key);
    let last = last.split(':').next().unwrap_or(last);
    last.strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| last.strip_suffix('s').map(str::to_string))
        .unwrap_or_else(|| last.to_string())
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

fn plural(noun: &str) -> String {
    format!("{noun}s")
}

/// The shared state behind an `Arc`, for the server.
pub type SharedStore = Arc<Store>;
