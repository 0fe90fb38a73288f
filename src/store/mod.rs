//! The stateful sandbox (`serve --stateful`, `--state FILE`): resources inferred from the
//! documents, created, read, listed, changed and deleted as the real API would, answered in
//! each operation's own shape, optionally persisted, with idempotent retries.
//!
//! Three layers, as in a small database server: the [`state`] keeps items and knows nothing
//! of HTTP; [`actions`] (one file each) turn a request into state operations; [`answers`]
//! turns what became of them into the documented response.

mod actions;
mod answers;
mod conform;
mod facts;
mod fields;
mod idempotency;
mod ids;
mod infer;
mod journal;
mod listener;
mod paging;
mod render;
mod seed;
mod shape;
mod state;
mod writes;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::route::{Mount, OperationRef};

pub use infer::{Action, HintError};
pub use journal::{Data, StateError};
pub use listener::{Acted, Change, Listener, ResourceOperation};
pub use shape::{ItemOperation, ResourceShape, resources};

use facts::{Facts, OpFacts};
use idempotency::{Begin, Remembered};
use infer::Model;
use journal::Journal;
use state::{Embedded, Shared, State};

pub use state::SharedError;

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `--state FILE`; `None` keeps state in memory.
    pub state_file: Option<PathBuf>,
    /// `--state redis://…`: the sandbox on Redis, shared by every replica using it.
    pub redis: Option<RedisOptions>,
    /// `--state-seed FILE`: resources to start with (and to reset to).
    pub seed_file: Option<PathBuf>,
    /// How long an idempotency key is remembered.
    pub idempotency_ttl: Duration,
}

impl Default for StoreOptions {
    /// A sandbox in memory, idempotency keys kept for a day.
    fn default() -> Self {
        StoreOptions { state_file: None, redis: None, seed_file: None, idempotency_ttl: Duration::from_secs(86_400) }
    }
}

/// Where a shared sandbox lives.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// `redis://[:PASSWORD@]HOST:PORT/DB`, `rediss://…` (TLS) or `redis+unix:///PATH`.
    pub url: String,
    /// `--sandbox NAME`: replicas with the same name share a sandbox; `None`: named after
    /// the documents served.
    pub sandbox: Option<String>,
}

/// Whether `--state` names a Redis server (a URL) rather than a file.
pub fn is_redis_url(state: &str) -> bool {
    state::redis_url(state)
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Hint(#[from] HintError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("{file}: {message}")]
    Seed { file: String, message: String },
    /// The shared sandbox cannot be used (Redis unreachable, a bad URL or sandbox name).
    #[error(transparent)]
    Shared(#[from] SharedError),
}

pub struct Store {
    mounts: Vec<Mount>,
    models: Vec<Model>,
    /// Per document and resource: what every request would otherwise work out again.
    resources: Vec<Vec<Facts>>,
    /// Per document and operation: how a resource operation acts and answers.
    operations: Vec<Vec<Option<OpFacts>>>,
    state: Arc<dyn State>,
    /// The same state when it is on Redis: it connects at start-up.
    shared: Option<Arc<Shared>>,
    /// Where the state is kept, for the start-up banner.
    kept: String,
    seed: Data,
    ttl: Duration,
    /// Told of every answered request (webhooks, callbacks).
    listener: Option<Arc<dyn Listener>>,
}

/// What the mock hands the sandbox for one request.
pub struct Call<'a> {
    pub at: OperationRef,
    pub request: &'a Request<Bytes>,
    pub params: &'a [(&'a str, std::borrow::Cow<'a, str>)],
    /// The decoded, validated body; the sandbox keeps it (no copy).
    pub body: Option<Value>,
    /// Time the work takes (`Prefer: delay`): spent while an idempotency key is claimed,
    /// as a slow server would.
    pub delay: Option<Duration>,
}

/// One resource as the start-up banner shows it.
pub struct Described {
    pub mount: String,
    pub resource: String,
    /// Why the resource is served from the document instead (no identifier, no body).
    pub stateless: Option<String>,
}

impl Store {
    pub fn open(mounts: &[Mount], options: &StoreOptions) -> Result<Store, StoreError> {
        let mut store = Store::shaped(mounts, options)?;
        if let Some(file) = &options.seed_file {
            store.seed = store.read_seed(file)?;
        }
        if let Some(redis) = &options.redis {
            let shared = Arc::new(store.shared(redis, options)?);
            store.kept = shared.location();
            store.state = Arc::clone(&shared) as Arc<dyn State>;
            store.shared = Some(shared);
            return Ok(store);
        }
        if let Some(path) = &options.state_file {
            store.kept = format!("in {}", path.display());
        }
        let state = match &options.state_file {
            Some(path) => {
                let (journal, loaded) = Journal::open(path, &store.seed)?;
                store.check_known(path, &loaded.data)?;
                let embedded = Embedded::new(loaded.data, Some(journal), options.idempotency_ttl);
                embedded.keys().restore(loaded.keys);
                embedded
            }
            None => Embedded::new(store.seed.clone(), None, options.idempotency_ttl),
        };
        store.state = Arc::new(state);
        Ok(store)
    }

    /// The sandbox of documents reloaded while serving: `previous`'s state is kept (shared),
    /// so resources the documents still have keep their items; the seed is read again.
    pub fn reopen(mounts: &[Mount], options: &StoreOptions, previous: &Store) -> Result<Store, StoreError> {
        let mut store = Store::shaped(mounts, options)?;
        store.seed = match &options.seed_file {
            Some(file) => store.read_seed(file)?,
            None => previous.seed.clone(),
        };
        store.state = Arc::clone(&previous.state);
        store.shared = previous.shared.clone();
        store.kept = previous.kept.clone();
        store.listener = previous.listener.clone();
        Ok(store)
    }

    /// What the documents' resources are, with an empty state in memory.
    fn shaped(mounts: &[Mount], options: &StoreOptions) -> Result<Store, StoreError> {
        let models: Vec<Model> = mounts.iter().map(|m| infer::infer(&m.api)).collect::<Result<_, _>>()?;
        let resources: Vec<Vec<Facts>> =
            mounts.iter().zip(&models).map(|(mount, model)| Facts::of_document(mount, model)).collect();
        let operations = mounts
            .iter()
            .zip(&models)
            .zip(&resources)
            .map(|((mount, model), facts)| OpFacts::of_document(&mount.api, model, facts))
            .collect();
        Ok(Store {
            mounts: mounts.to_vec(),
            models,
            resources,
            operations,
            state: Arc::new(Embedded::new(Data::new(), None, options.idempotency_ttl)),
            shared: None,
            kept: "in memory".into(),
            seed: Data::new(),
            ttl: options.idempotency_ttl,
            listener: None,
        })
    }

    /// The sandbox on Redis, not connected yet.
    fn shared(&self, redis: &RedisOptions, options: &StoreOptions) -> Result<Shared, StoreError> {
        let fail = |message| StoreError::Shared(SharedError { message });
        if options.state_file.is_some() {
            return Err(fail("a sandbox is kept either in a state file or on Redis, not both".into()));
        }
        let sandbox = match &redis.sandbox {
            Some(name) => state::check_name(name).map_err(fail)?,
            None => state::default_name(&self.mounts.iter().map(|m| m.name.as_str()).collect::<Vec<_>>()),
        };
        let shapes = self.resources.iter().flatten().map(|f| f.shape.clone()).collect();
        Ok(Shared::new(&redis.url, sandbox, shapes, options.idempotency_ttl)?)
    }

    /// Connects a shared sandbox (and seeds it, if no replica has yet); nothing to do for
    /// the embedded one. Call once before serving.
    pub async fn start(&self) -> Result<(), StoreError> {
        if let Some(shared) = &self.shared {
            shared.connect(&self.seed).await?;
        }
        Ok(())
    }

    /// Where the sandbox is kept: `in memory`, `in FILE`, `on redis://…, sandbox 'NAME'`.
    pub fn kept(&self) -> &str {
        &self.kept
    }

    /// Resources per document, for start-up messages.
    pub fn describe(&self) -> Vec<Described> {
        let mut out = Vec::new();
        for (m, model) in self.models.iter().enumerate() {
            for resource in &model.resources {
                out.push(Described {
                    mount: self.mounts[m].name.clone(),
                    resource: resource.key.clone(),
                    stateless: resource.id_field.as_ref().err().cloned(),
                });
            }
        }
        out
    }

    /// Every resource operation, for a listener to plan what each will fire.
    pub fn resource_operations(&self) -> Vec<ResourceOperation> {
        let mut out = Vec::new();
        for (m, ops) in self.operations.iter().enumerate() {
            for (o, op) in ops.iter().enumerate() {
                let Some(op) = op else { continue };
                let facts = &self.resources[m][op.binding.resource];
                let change = match op.binding.action {
                    Action::Create => Some(Change::Created),
                    Action::Update | Action::Replace => Some(Change::Updated),
                    Action::Delete => Some(Change::Deleted),
                    Action::Read | Action::List => None,
                };
                out.push(ResourceOperation {
                    at: OperationRef { mount: m, index: o },
                    change,
                    noun: facts.noun.clone(),
                    key: facts.shape.key.clone(),
                    id_field: facts.shape.id_field.clone(),
                    fields: facts.properties.clone(),
                });
            }
        }
        out
    }

    /// Tells `listener` of every request the sandbox answers from now on.
    pub fn listen(&mut self, listener: Arc<dyn Listener>) {
        self.listener = Some(listener);
    }

    /// Whether the sandbox answers this operation.
    pub fn handles(&self, at: OperationRef) -> bool {
        self.operations.get(at.mount).and_then(|ops| ops.get(at.index)).is_some_and(Option::is_some)
    }

    /// Answers a call to a resource operation; `None` when the operation is not one.
    pub async fn answer(&self, call: Call<'_>) -> Option<Response<Bytes>> {
        let op = self.operations.get(call.at.mount)?.get(call.at.index)?.as_ref()?;
        let writes = !matches!(op.binding.action, Action::Read | Action::List);
        let key = call.request.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).filter(|k| !k.is_empty());
        let (Some(key), true) = (key, writes) else {
            if let Some(delay) = call.delay {
                tokio::time::sleep(delay).await;
            }
            return Some(self.act(call, op).await);
        };
        let scope = format!("{}:{key}", self.mounts[call.at.mount].name);
        let fingerprint = idempotency::fingerprint(call.request);
        match self.state.begin(&scope, fingerprint).await {
            Begin::Replay(answer) => Some(answer.replay()),
            Begin::Conflict(why) => Some(answers::idempotency_conflict(self, &call, why)),
            Begin::Unavailable(why) => Some(answers::unavailable(self, &call, why)),
            Begin::Fresh => {
                // Gives the key up if this future is dropped (the client went away) before
                // the answer is kept, so a retry runs instead of waiting out the TTL.
                let claim = Claim { state: &*self.state, scope: &scope, kept: false };
                if let Some(delay) = call.delay {
                    tokio::time::sleep(delay).await;
                }
                let response = self.act(call, op).await;
                match Remembered::of(fingerprint, self.ttl, &response) {
                    Some(answer) => {
                        let kept = self.state.finish(&scope, answer).await;
                        claim.keep();
                        if let Err(e) = kept {
                            return Some(crate::style::problem(StatusCode::INTERNAL_SERVER_ERROR, e, &[]));
                        }
                    }
                    // Not kept (a server error): dropping the claim releases the key.
                    None => drop(claim),
                }
                Some(response)
            }
        }
    }

    async fn act(&self, call: Call<'_>, op: &OpFacts) -> Response<Bytes> {
        let target =
            actions::Target { store: self, facts: &self.resources[call.at.mount][op.binding.resource], op, call };
        let reply = actions::run(&target).await;
        let Some(listener) = &self.listener else { return answers::render(&target, reply) };
        let (change, item) = listener::change_of(&reply);
        let response = answers::render(&target, reply);
        let call = &target.call;
        listener.acted(Acted {
            at: call.at,
            change,
            item: item.as_ref(),
            request: call.request,
            params: call.params,
            response: &response,
        });
        response
    }

    /// `POST /__specmock/reset`: back to the seed (or empty with `?to=empty`).
    pub async fn reset(&self, empty: bool) -> Result<usize, String> {
        let target = if empty { Data::new() } else { self.seed.clone() };
        self.state.reset(&target).await
    }

    /// `GET /__specmock/state`.
    pub async fn dump(&self) -> Result<Value, String> {
        let data = self.state.dump().await?;
        let mut resources = Map::new();
        let items =
            |key: &String| data.get(key).map(|i| i.values().map(|v| (**v).clone()).collect()).unwrap_or_default();
        for facts in self.resources.iter().flatten() {
            let key = &facts.shape.key;
            resources.insert(key.clone(), Value::Array(items(key)));
            // Items nested in others (`…/members@org_1`), one entry per parent.
            for scoped in data.keys().filter(|k| base_key(k) == key && *k != key) {
                resources.insert(scoped.clone(), Value::Array(items(scoped)));
            }
        }
        Ok(json!({ "resources": resources }))
    }

    fn check_known(&self, path: &std::path::Path, data: &Data) -> Result<(), StateError> {
        let known = |k: &String| self.resources.iter().flatten().any(|f| f.shape.key == base_key(k));
        if let Some(unknown) = data.keys().find(|k| !known(k)) {
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

/// A resource's key without the parents its items are nested in.
fn base_key(key: &str) -> &str {
    key.split_once(actions::SCOPE).map_or(key, |(base, _)| base)
}

/// An idempotency key this request has claimed; released unless kept.
struct Claim<'a> {
    state: &'a dyn State,
    scope: &'a str,
    kept: bool,
}

impl Claim<'_> {
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.state.release(self.scope);
        }
    }
}
