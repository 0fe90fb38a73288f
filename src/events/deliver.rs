//! One delivery: its URL (a callback's runtime expression evaluated), its body (built and
//! validated, or given), its headers (documented ones, the vendor's signature), then attempts
//! with exponential backoff until a 2xx or the retries run out, each one journalled.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde_json::{Map, Value, json};

use super::expression::{self, Exchange};
use super::journal::{Attempt, State};
use super::payload::{self, Facts};
use super::queue::{Hub, MAX_BACKOFF};
use super::sign::Signer;
use crate::generate;
use crate::spec::{Api, Webhook};
use crate::store::{Change, ResourceOperation};

/// Which call of the document.
#[derive(Debug, Clone, Copy)]
pub enum Hook {
    /// Index into the document's webhooks.
    Webhook(usize),
    /// An operation's callback.
    Callback { operation: usize, index: usize },
}

/// What happened, as the deliveries it causes need it.
pub struct Event {
    pub change: Option<Change>,
    pub item: Option<Arc<Value>>,
    pub resource: Option<Arc<ResourceOperation>>,
    pub exchange: Option<Recorded>,
    pub at: jiff::Timestamp,
}

/// The request and answer that caused an event, for callback expressions.
pub struct Recorded {
    pub method: String,
    pub url: String,
    pub query: Option<String>,
    pub params: Vec<(String, String)>,
    pub request_headers: HeaderMap,
    pub request_body: Bytes,
    pub status: u16,
    pub response_headers: HeaderMap,
    pub response_body: Bytes,
}

pub struct Job {
    /// Its number in the journal.
    pub seq: u64,
    pub api: Arc<Api>,
    pub hook: Hook,
    /// Where to: fixed for webhooks; `None` for callbacks (their expression says).
    pub url: Option<String>,
    pub signer: Option<Arc<Signer>>,
    pub event: Arc<Event>,
    /// A body given with a trigger: sent as it is.
    pub body: Option<Bytes>,
    /// The message id (`msg_…`): the same on every attempt.
    pub id: String,
    /// The event's id (a UUID): the same for every receiver of one event.
    pub event_id: String,
}

impl Job {
    pub fn webhook(&self) -> Option<&Webhook> {
        match self.hook {
            Hook::Webhook(i) => self.api.webhooks.webhooks.get(i),
            Hook::Callback { operation, index } => self.api.operations.get(operation)?.hooks.callbacks.get(index),
        }
    }
}

struct Prepared {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Bytes,
    /// Which real values did not fit the schema, said once in the log and in the journal.
    misfit: Option<String>,
}

pub async fn deliver(hub: &Hub, job: Job) {
    let prepared = match prepare(&job) {
        Ok(prepared) => prepared,
        Err((origin, why)) => {
            hub.warn_once(&origin, &format!("{origin}: {why}; not sent (logged once)"));
            hub.journal().finish(job.seq, State::Skipped, Some(why));
            return;
        }
    };
    if let Some(misfit) = &prepared.misfit {
        hub.warn_once(&format!("misfit {misfit}"), misfit);
    }
    let body_json: Value = serde_json::from_slice(&prepared.body)
        .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(&prepared.body).into_owned()));
    let policy = &hub.policy;
    for attempt in 0..=policy.retries {
        if attempt > 0 {
            let factor = 2u32.saturating_pow(attempt - 1);
            tokio::time::sleep(policy.backoff.saturating_mul(factor).min(MAX_BACKOFF)).await;
        }
        // Signed afresh each time: receivers reject old timestamps.
        let now = jiff::Timestamp::now();
        let mut headers = prepared.headers.clone();
        if let Some(signer) = &job.signer {
            headers.extend(signer.headers(&job.id, now.as_second(), &prepared.body));
        }
        if attempt == 0 {
            let shown: Map<String, Value> = headers.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
            let sent =
                json!({"method": prepared.method.as_str(), "url": prepared.url, "headers": shown, "body": body_json});
            hub.journal().sending(job.seq, sent);
        }
        let mut request = hub.client.request(prepared.method.clone(), &prepared.url).body(prepared.body.clone());
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let started = Instant::now();
        let result = match request.send().await {
            // The body is read (and let go) so the connection can be reused.
            Ok(response) => {
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                Ok(status)
            }
            Err(e) => Err(describe(&e)),
        };
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let delivered = matches!(result, Ok(200..=299));
        let last = attempt == policy.retries;
        let (status, error) = match result {
            Ok(status) => (Some(status), None),
            Err(e) => (None, Some(e)),
        };
        let record = Attempt { at: format!("{now:.3}"), status, latency_ms, error };
        hub.journal().attempt(job.seq, record, !delivered && !last);
        if delivered {
            hub.journal().finish(job.seq, State::Delivered, None);
            return;
        }
    }
    let name = job.webhook().map(|w| w.name.as_str()).unwrap_or("?");
    tracing::warn!("webhook {name} to {}: gave up after {} attempts", prepared.url, policy.retries + 1);
    let reason = format!("no 2xx answer in {} attempts", policy.retries + 1);
    hub.journal().finish(job.seq, State::Failed, Some(reason));
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        e.to_string()
    }
}

/// The request to send, or (where, why) it cannot be made.
fn prepare(job: &Job) -> Result<Prepared, (String, String)> {
    let Some(webhook) = job.webhook() else {
        return Err((job.api.source.clone(), "the webhook is no longer in the document".into()));
    };
    let fail = |why: String| (webhook.origin.clone(), why);
    let event = &job.event;
    let request_body = event.exchange.as_ref().and_then(|x| serde_json::from_slice::<Value>(&x.request_body).ok());
    let response_body = event.exchange.as_ref().and_then(|x| serde_json::from_slice::<Value>(&x.response_body).ok());
    let url = match (&job.url, &webhook.url, &event.exchange) {
        (Some(url), _, _) => url.clone(),
        (None, Some(template), Some(x)) => {
            let exchange = Exchange {
                method: &x.method,
                url: &x.url,
                query: x.query.as_deref(),
                path_params: &x.params,
                request_headers: &x.request_headers,
                request_body: request_body.as_ref(),
                status: x.status,
                response_headers: &x.response_headers,
                response_body: response_body.as_ref(),
            };
            let url = expression::evaluate(template, &exchange)
                .map_err(|e| fail(format!("the callback URL '{template}' cannot be worked out: {e}")))?;
            if !(url.starts_with("http://") || url.starts_with("https://")) || reqwest::Url::parse(&url).is_err() {
                return Err(fail(format!("the callback URL '{template}' gave '{url}', which is not an http(s) URL")));
            }
            url
        }
        _ => return Err(fail("no URL to send it to".into())),
    };
    let resource = event.resource.as_deref();
    let mut misfit = None;
    let facts = Facts {
        event_type: matches!(job.hook, Hook::Webhook(_)).then_some(webhook.name.as_str()),
        change: event.change,
        noun: resource.map(|r| r.noun.as_str()).unwrap_or(""),
        item: event.item.as_deref(),
        id_field: resource.map(|r| r.id_field.as_str()).unwrap_or("id"),
        fields: resource.map(|r| r.fields.as_slice()).unwrap_or(&[]),
        at: event.at,
        event_id: &job.event_id,
    };
    let body = match (&job.body, &webhook.body) {
        (Some(given), _) => given.clone(),
        (None, Some(media)) => {
            let built = payload::build(&job.api, media, &facts)
                .map_err(|why| fail(format!("cannot build a valid payload: {why}")))?;
            if !built.misfits.is_empty() {
                let message = format!(
                    "{}: the item's {} do not fit this webhook's schema; documented or generated values were sent instead",
                    webhook.origin,
                    built.misfits.join(", ")
                );
                misfit = Some(message);
            }
            Bytes::from(serde_json::to_vec(&built.value).unwrap_or_default())
        }
        (None, None) => Bytes::new(),
    };
    let content_type = webhook.body.as_ref().and_then(|m| m.content_type.to_str().ok()).unwrap_or("application/json");
    let mut headers = vec![("content-type".to_string(), content_type.to_string())];
    headers.extend(documented_headers(&job.api, webhook, &job.id));
    Ok(Prepared { method: webhook.method.clone(), url, headers, body, misfit })
}

/// The webhook's documented headers: its event type where the name says so, else the
/// example, else (when required) a value generated from the schema.
fn documented_headers(api: &Api, webhook: &Webhook, id: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for h in &webhook.headers {
        let name = h.name.as_str();
        let value =
            if name.contains("event") && (name.contains("type") || name.contains("name") || name.ends_with("event")) {
                Some(Value::from(webhook.name.as_str()))
            } else if name.ends_with("delivery") || name.ends_with("delivery-id") || name.ends_with("message-id") {
                Some(Value::from(id))
            } else {
                h.example.clone().or_else(|| {
                    let schema = h.schema.filter(|_| h.required)?;
                    generate::generate(&api.schemas, schema, generate::random_seed()).ok()
                })
            };
        match value {
            Some(Value::String(s)) => out.push((name.to_string(), s)),
            Some(other) => out.push((name.to_string(), other.to_string())),
            None => {}
        }
    }
    out
}
