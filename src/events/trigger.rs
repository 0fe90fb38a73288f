//! `POST /__specmock/webhooks/{name}`: one named webhook (or callback) fired by hand, with a
//! generated payload or the body given, for events the sandbox cannot cause.

use http::StatusCode;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Value, json};

use super::deliver::{Event, Hook};
use super::payload::{self, Facts};
use super::{Events, event_summary, summary};
use crate::spec::Webhook;

/// Why a trigger was refused, with the status to answer.
#[derive(Debug)]
pub struct TriggerError {
    pub status: StatusCode,
    pub message: String,
}

fn refuse(status: StatusCode, message: impl Into<String>) -> TriggerError {
    TriggerError { status, message: message.into() }
}

/// What the request said besides the name.
#[derive(Default)]
pub struct Trigger<'a> {
    /// `?document=`: which served document, when several have the name.
    pub document: Option<&'a str>,
    /// `?url=`: where to, instead of the `--webhook-url`s.
    pub url: Option<&'a str>,
    /// The payload to send; empty: generate one.
    pub body: Bytes,
    /// `?validate=false`: send the given body even if the schema does not hold.
    pub validate: bool,
}

impl Events {
    /// Queues the deliveries; answers what was queued.
    pub fn trigger(&self, name: &str, how: Trigger<'_>) -> Result<Value, TriggerError> {
        let mut found: Vec<(usize, Hook, &Webhook)> = Vec::new();
        for (m, mount) in self.mounts.iter().enumerate() {
            if how.document.is_some_and(|d| d != mount.name) {
                continue;
            }
            let api = &mount.api;
            for (i, w) in api.webhooks.webhooks.iter().enumerate().filter(|(_, w)| w.name == name) {
                found.push((m, Hook::Webhook(i), w));
            }
            for (o, op) in api.operations.iter().enumerate() {
                for (i, c) in op.hooks.callbacks.iter().enumerate().filter(|(_, c)| c.name == name) {
                    found.push((m, Hook::Callback { operation: o, index: i }, c));
                }
            }
        }
        let (mount, hook, webhook) = match found.as_slice() {
            [] => {
                return Err(refuse(
                    StatusCode::NOT_FOUND,
                    format!("no webhook named '{name}' (documented: {})", self.names()),
                ));
            }
            [one] => *one,
            several => {
                let documents: Vec<&str> = several.iter().map(|(m, _, _)| self.mounts[*m].name.as_str()).collect();
                return Err(refuse(
                    StatusCode::CONFLICT,
                    format!(
                        "'{name}' is documented {} times ({}): say which with ?document=NAME",
                        several.len(),
                        documents.join(", ")
                    ),
                ));
            }
        };
        let document = self.mounts[mount].name.clone();
        let targets: Vec<String> = match how.url {
            Some(url) => match reqwest::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => vec![url.to_string()],
                _ => {
                    return Err(refuse(
                        StatusCode::BAD_REQUEST,
                        format!("?url={url} is not an http:// or https:// URL"),
                    ));
                }
            },
            None if matches!(hook, Hook::Callback { .. }) => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    format!("'{name}' is a callback: say where to send it with ?url="),
                ));
            }
            None => self.plans[mount].targets.clone(),
        };
        if targets.is_empty() {
            return Err(refuse(
                StatusCode::CONFLICT,
                format!("no --webhook-url is set for {document}: start specmock with --webhook-url URL, or add ?url="),
            ));
        }
        let body = self.body_for(mount, webhook, &how)?;
        let at = jiff::Timestamp::now();
        let event = Arc::new(Event { change: None, item: None, resource: None, exchange: None, at });
        let about = event_summary(&event);
        let mut queued = Vec::new();
        for url in targets {
            let job = self.job(mount, hook, Some(url.clone()), Arc::clone(&event), Some(body.clone()));
            queued.push(json!({"id": job.id, "url": url}));
            let kind = if matches!(hook, Hook::Webhook(_)) { "webhook" } else { "callback" };
            let summary = summary(&job.id, &document, name, kind, Some(&url), &about);
            self.enqueue(None, job, summary);
        }
        Ok(json!({"webhook": name, "document": document, "deliveries": queued}))
    }

    /// The body given (checked against the schema unless told not to), else one generated.
    fn body_for(&self, mount: usize, webhook: &Webhook, how: &Trigger<'_>) -> Result<Bytes, TriggerError> {
        let api = &self.mounts[mount].api;
        let schema = webhook.body.as_ref().and_then(|m| m.schema.filter(|_| m.is_json()));
        if !how.body.is_empty() {
            if let (Some(schema), true) = (schema, how.validate) {
                let value: Value = serde_json::from_slice(&how.body).map_err(|e| {
                    refuse(StatusCode::BAD_REQUEST, format!("the body is not JSON ({e}); {} takes JSON", webhook.name))
                })?;
                let validator = api
                    .schemas
                    .validator(schema)
                    .map_err(|e| refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
                let errors: Vec<String> = validator
                    .iter_errors(&value)
                    .take(10)
                    .map(|e| {
                        format!(
                            "{}: {e}",
                            if e.instance_path().as_str().is_empty() { "/" } else { e.instance_path().as_str() }
                        )
                    })
                    .collect();
                if !errors.is_empty() {
                    return Err(refuse(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!(
                            "the body does not match {}'s schema ({}); add ?validate=false to send it anyway",
                            webhook.name,
                            errors.join("; ")
                        ),
                    ));
                }
            }
            return Ok(how.body.clone());
        }
        let Some(media) = &webhook.body else { return Ok(Bytes::new()) };
        let event_id = crate::generate::fresh_uuid();
        let facts = Facts {
            event_type: Some(webhook.name.as_str()),
            change: None,
            noun: "",
            item: None,
            id_field: "id",
            fields: &[],
            at: jiff::Timestamp::now(),
            event_id: &event_id,
        };
        let built = payload::build(api, media, &facts).map_err(|why| {
            refuse(StatusCode::UNPROCESSABLE_ENTITY, format!("{}: cannot build a valid payload: {why}", webhook.origin))
        })?;
        Ok(Bytes::from(serde_json::to_vec(&built.value).unwrap_or_default()))
    }

    fn names(&self) -> String {
        let names: Vec<&str> =
            self.mounts.iter().flat_map(|m| m.api.webhooks.webhooks.iter().map(|w| w.name.as_str())).collect();
        if names.is_empty() { "none".into() } else { names.join(", ") }
    }
}
