//! Webhooks and callbacks fired from sandbox outcomes: which of the document's webhooks a
//! write fires ([`matching`]), where it goes (`--webhook-url`, or a callback's runtime
//! [`expression`]), its body with the real values in it ([`payload`]), signed as the vendor
//! signs ([`sign`]), delivered in the background with retries ([`queue`], [`deliver`]) and
//! journalled for `GET /__specmock/webhooks` ([`journal`]).

mod deliver;
mod expression;
mod journal;
mod matching;
mod payload;
mod queue;
mod sign;
mod trigger;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::route::{Mount, OperationRef};
use crate::spec::SignatureScheme;
use crate::store::{Acted, Listener, ResourceOperation};
use deliver::{Event, Hook, Job, Recorded};
use queue::{Hub, Policy};
use sign::Signer;

pub use sign::DEFAULT_SECRET;
pub use trigger::Trigger;

/// The `serve` flags about webhooks.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// `--webhook-url`: `URL` (every document) or `NAME=URL` (one document).
    pub urls: Vec<String>,
    /// `--webhook-secret`: `SECRET` or `NAME=SECRET`.
    pub secrets: Vec<String>,
    /// `--webhook-retries`: attempts after the first.
    pub retries: u32,
    /// Deliveries that may wait; beyond it the oldest is dropped.
    pub queue: usize,
    /// Wait before the first retry; doubles after each.
    pub backoff: Duration,
    /// Time one attempt may take.
    pub timeout: Duration,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            urls: Vec::new(),
            secrets: Vec::new(),
            retries: 5,
            queue: 1000,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
        }
    }
}

/// One document's delivery settings.
struct Plan {
    targets: Vec<String>,
    signer: Option<Arc<Signer>>,
}

/// The webhooks and callbacks of the served documents, and their deliveries.
pub struct Events {
    mounts: Vec<Mount>,
    plans: Vec<Plan>,
    /// (mount, operation) → the webhooks its writes fire, and its resource.
    routes: HashMap<OperationRef, (Vec<usize>, Arc<ResourceOperation>)>,
    hub: Arc<Hub>,
}

impl Events {
    /// Plans deliveries for `mounts`; `resources` are the sandbox's operations (none without one).
    pub fn new(
        mounts: &[Mount],
        options: &WebhookOptions,
        resources: Vec<ResourceOperation>,
    ) -> Result<Events, String> {
        let names: Vec<&str> = mounts.iter().map(|m| m.name.as_str()).collect();
        let per_document = |value: &str, flag: &str| -> Result<(Option<usize>, String), String> {
            if let Some((name, rest)) = value.split_once('=')
                && let Some(i) = names.iter().position(|n| *n == name)
            {
                return Ok((Some(i), rest.to_string()));
            }
            if flag == "--webhook-url" && !value.starts_with("http://") && !value.starts_with("https://") {
                return match value.split_once('=') {
                    Some((name, _)) => Err(format!(
                        "--webhook-url {value}: '{name}' is not a served document (served: {})",
                        names.join(", ")
                    )),
                    None => Err(format!("--webhook-url {value}: give an http:// or https:// URL, or NAME=URL")),
                };
            }
            Ok((None, value.to_string()))
        };
        let mut plans: Vec<Plan> = mounts.iter().map(|_| Plan { targets: Vec::new(), signer: None }).collect();
        for url in &options.urls {
            let (only, url) = per_document(url, "--webhook-url")?;
            match reqwest::Url::parse(&url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                _ => return Err(format!("--webhook-url {url}: not an http:// or https:// URL")),
            }
            for (i, plan) in plans.iter_mut().enumerate() {
                if only.is_none_or(|o| o == i) && !plan.targets.contains(&url) {
                    plan.targets.push(url.clone());
                }
            }
        }
        let mut secrets: Vec<Option<String>> = vec![None; mounts.len()];
        let mut global = None;
        for secret in &options.secrets {
            match per_document(secret, "--webhook-secret")? {
                (Some(i), s) => secrets[i] = Some(s),
                (None, s) => global = Some(s),
            }
        }
        for (i, mount) in mounts.iter().enumerate() {
            let rule = mount.api.webhooks.signature.as_ref();
            let given = secrets[i].clone().or_else(|| global.clone());
            // A document that does not say how it signs is signed the standard way once a secret is given.
            let scheme = match (rule, &given) {
                (Some(rule), _) => rule.scheme.clone(),
                (None, Some(_)) => SignatureScheme::StandardWebhooks,
                (None, None) => SignatureScheme::Unsigned,
            };
            if scheme == SignatureScheme::Unsigned {
                continue;
            }
            let from_flag = given.is_some();
            let secret = given.or_else(|| rule.and_then(|r| r.secret.clone())).unwrap_or_else(|| DEFAULT_SECRET.into());
            let signer = Signer::new(scheme, &secret).map_err(|e| {
                let how = sign::describe(rule.map(|r| &r.scheme).unwrap_or(&SignatureScheme::StandardWebhooks));
                match (from_flag, rule) {
                    (false, Some(rule)) => format!("{}/secret: {e} (the document signs {how})", rule.origin),
                    _ => format!("--webhook-secret for {} (signed {how}): {e}", mount.name),
                }
            })?;
            plans[i].signer = Some(Arc::new(signer));
        }
        let mut routes = HashMap::new();
        for op in resources {
            let fired = matching::fired(&mounts[op.at.mount].api, &op);
            routes.insert(op.at, (fired, Arc::new(op)));
        }
        let policy = Policy { retries: options.retries, backoff: options.backoff, timeout: options.timeout };
        let hub = Arc::new(Hub::new(options.queue, policy)?);
        Ok(Events { mounts: mounts.to_vec(), plans, routes, hub })
    }

    /// Lines for the start-up banner: per document, what fires and where it goes.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (m, mount) in self.mounts.iter().enumerate() {
            let webhooks = &mount.api.webhooks.webhooks;
            let callbacks: usize = mount.api.operations.iter().map(|o| o.hooks.callbacks.len()).sum();
            // Documented webhooks going nowhere are not worth a line; callbacks always go somewhere.
            if (webhooks.is_empty() || self.plans[m].targets.is_empty()) && callbacks == 0 {
                continue;
            }
            let mut fired: Vec<&str> = self
                .routes
                .iter()
                .filter(|(at, _)| at.mount == m)
                .flat_map(|(_, (w, _))| w.iter().filter_map(|i| webhooks.get(*i)).map(|w| w.name.as_str()))
                .collect();
            fired.sort_unstable();
            fired.dedup();
            let plan = &self.plans[m];
            let to = if plan.targets.is_empty() { "no --webhook-url".to_string() } else { plan.targets.join(", ") };
            let signed = match &plan.signer {
                Some(s) => format!("signed {} with {}", sign::describe(s.scheme()), s.secret),
                None => "unsigned".into(),
            };
            let fires =
                if fired.is_empty() { String::new() } else { format!("; the sandbox fires {}", fired.join(", ")) };
            let calls = if callbacks > 0 { format!(", {callbacks} callbacks") } else { String::new() };
            lines.push(format!(
                "  webhooks: {} ({} documented{calls}{fires}) → {to}, {signed}",
                mount.name,
                webhooks.len()
            ));
        }
        if lines.is_empty() && self.plans.iter().any(|p| !p.targets.is_empty()) {
            lines.push("  webhooks: none of the served documents declares webhooks or callbacks; --webhook-url has nothing to send".into());
        }
        lines
    }

    /// `GET /__specmock/webhooks`.
    pub fn journal(&self) -> Value {
        let (queued, in_flight) = self.hub.counts();
        let mut out = self.hub.journal().to_json(queued, in_flight);
        let documents: Vec<Value> = self
            .mounts
            .iter()
            .zip(&self.plans)
            .filter(|(m, _)| !m.api.webhooks.webhooks.is_empty())
            .map(|(m, plan)| {
                let names: Vec<&str> = m.api.webhooks.webhooks.iter().map(|w| w.name.as_str()).collect();
                json!({
                    "document": m.name,
                    "urls": plan.targets,
                    "signature": plan.signer.as_ref().map(|s| sign::describe(s.scheme())).unwrap_or("none"),
                    "webhooks": names,
                })
            })
            .collect();
        if let Some(map) = out.as_object_mut() {
            map.insert("documents".into(), Value::Array(documents));
        }
        out
    }

    /// Waits (at most `within`) for deliveries under way; returns how many were left.
    pub async fn drain(&self, within: Duration) -> usize {
        self.hub.drain(within).await
    }

    /// Journals a delivery and queues it in `lane`.
    fn enqueue(&self, lane: Option<String>, mut job: Job, summary: Map<String, Value>) {
        job.seq = self.hub.journal().open(summary);
        let lane = lane.unwrap_or_else(|| format!("#{}", job.seq));
        self.hub.push(lane, job);
    }
}

impl Listener for Events {
    fn acted(&self, acted: Acted<'_>) {
        if !acted.response.status().is_success() {
            return;
        }
        let api = &self.mounts[acted.at.mount].api;
        let Some(op) = api.operations.get(acted.at.index) else { return };
        let route = self.routes.get(&acted.at);
        let plan = &self.plans[acted.at.mount];
        let webhooks: &[usize] = match (acted.change, route) {
            (Some(_), Some((fired, _))) if !plan.targets.is_empty() => fired,
            _ => &[],
        };
        let callbacks = op.hooks.callbacks.len();
        if webhooks.is_empty() && callbacks == 0 {
            return;
        }
        let resource = route.map(|(_, r)| Arc::clone(r));
        let item = acted.item.cloned();
        // One resource's events reach a receiver in the order they happened.
        let order = match (&resource, &item) {
            (Some(r), Some(item)) => item.get(&r.id_field).map(|id| format!("{} {id}", r.key)),
            _ => None,
        };
        let at = jiff::Timestamp::now();
        // Only callbacks read the request and the answer (their URL expressions).
        let exchange = (callbacks > 0).then(|| recorded(&acted));
        let event = Arc::new(Event { change: acted.change, item, resource, exchange, at });
        let about = event_summary(&event);
        let document = &self.mounts[acted.at.mount].name;
        for &w in webhooks {
            let name = api.webhooks.webhooks.get(w).map(|w| w.name.as_str()).unwrap_or("");
            let event_id = crate::generate::fresh_uuid();
            for url in &plan.targets {
                let mut job = self.job(acted.at.mount, Hook::Webhook(w), Some(url.clone()), Arc::clone(&event), None);
                job.event_id = event_id.clone();
                let summary = summary(&job.id, document, name, "webhook", Some(url), &about);
                self.enqueue(order.as_ref().map(|o| format!("{url} {o}")), job, summary);
            }
        }
        for (index, callback) in op.hooks.callbacks.iter().enumerate() {
            let hook = Hook::Callback { operation: acted.at.index, index };
            let job = self.job(acted.at.mount, hook, None, Arc::clone(&event), None);
            let summary = summary(&job.id, document, &callback.name, "callback", callback.url.as_deref(), &about);
            self.enqueue(order.as_ref().map(|o| format!("callback {o}")), job, summary);
        }
    }
}

impl Events {
    fn job(&self, mount: usize, hook: Hook, url: Option<String>, event: Arc<Event>, body: Option<Bytes>) -> Job {
        Job {
            seq: 0,
            api: Arc::clone(&self.mounts[mount].api),
            hook,
            url,
            signer: self.plans[mount].signer.clone(),
            event,
            body,
            id: message_id(),
            event_id: crate::generate::fresh_uuid(),
        }
    }
}

fn recorded(acted: &Acted<'_>) -> Recorded {
    let request = acted.request;
    let host = request.headers().get(http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let target = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    Recorded {
        method: request.method().to_string(),
        url: format!("http://{host}{target}"),
        query: request.uri().query().map(str::to_string),
        params: acted.params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        request_headers: request.headers().clone(),
        request_body: request.body().clone(),
        status: acted.response.status().as_u16(),
        response_headers: acted.response.headers().clone(),
        response_body: acted.response.body().clone(),
    }
}

fn event_summary(event: &Event) -> Value {
    let Some(resource) = &event.resource else { return Value::Null };
    let id = event.item.as_ref().and_then(|i| i.get(&resource.id_field)).cloned();
    json!({"change": event.change.map(|c| c.as_str()), "resource": resource.key, "id": id})
}

fn summary(id: &str, document: &str, name: &str, kind: &str, url: Option<&str>, event: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("id".into(), Value::from(id));
    out.insert("document".into(), Value::from(document));
    out.insert("webhook".into(), Value::from(name));
    out.insert("kind".into(), Value::from(kind));
    out.insert("url".into(), url.map(Value::from).unwrap_or(Value::Null));
    out.insert("event".into(), event.clone());
    out.insert("queued_at".into(), Value::from(format!("{:.3}", jiff::Timestamp::now())));
    out
}

/// A Svix-style message id: `msg_` and 27 random letters and digits.
fn message_id() -> String {
    use rand::RngExt;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let tail: String = (0..27).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
    format!("msg_{tail}")
}
