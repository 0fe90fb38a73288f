//! The calls a document says its API makes: OpenAPI 3.1 `webhooks`, 3.0 `callbacks` on
//! operations, and the extensions that tie them to sandbox events and say how they are signed:
//!
//! - `x-specmock-event` on a webhook: the sandbox events it reports (`organization.created`,
//!   `created`); on an operation: the webhooks its sandbox writes fire (`organization.created`).
//! - `x-specmock-webhook-signature` on the document: how deliveries are signed.

use http::Method;
use serde_json::{Map, Value};

use super::dialect::Side;
use super::error::SpecError;
use super::load::{Loc, Sources};
use super::media::{concrete_type, is_json_media};
use super::model::{HeaderDef, MediaType, Operation};
use super::schemas::SchemaBuilder;

/// One call the API makes to a receiver.
#[derive(Debug)]
pub struct Webhook {
    /// The key in `webhooks` (`organization.created`), or the callback's name.
    pub name: String,
    pub method: Method,
    /// `file: #/webhooks/organization.created/post`, for messages.
    pub origin: String,
    /// The documented body (its JSON media type when there are several).
    pub body: Option<MediaType>,
    /// Documented `in: header` parameters: sent with every delivery.
    pub headers: Vec<HeaderDef>,
    /// `x-specmock-event`: the sandbox events this webhook reports, as written.
    pub events: Vec<String>,
    /// For a callback: the URL as a runtime expression (`{$request.body#/callbackUrl}`).
    pub url: Option<String>,
}

/// How a document's deliveries are signed (`x-specmock-webhook-signature`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureScheme {
    /// Svix: `svix-id`, `svix-timestamp`, `svix-signature: v1,<base64 HMAC-SHA256>`.
    Svix,
    /// Standard Webhooks (Svix's algorithm with `webhook-` headers), as Scalekit signs.
    StandardWebhooks,
    /// An HMAC-SHA256 of a template (`{body}`, `{timestamp}.{body}`) in one header.
    Hmac {
        header: String,
        /// `hex` (false) or `base64` (true).
        base64: bool,
        /// The header's value: `{signature}`, `sha256={signature}`, `t={timestamp},v1={signature}`.
        value: String,
        /// What is signed: `{body}`, with `{timestamp}` and `{id}` available.
        signed: String,
    },
    /// Deliveries are not signed.
    Unsigned,
}

/// The document's signing rule and its default secret.
#[derive(Debug, Clone)]
pub struct WebhookSignature {
    pub scheme: SignatureScheme,
    /// Used unless `--webhook-secret` gives one.
    pub secret: Option<String>,
    /// `file: #/x-specmock-webhook-signature`, for messages.
    pub origin: String,
}

/// A document's webhooks and how they are signed.
#[derive(Debug, Default)]
pub struct DocumentWebhooks {
    pub webhooks: Vec<Webhook>,
    pub signature: Option<WebhookSignature>,
}

/// What an operation adds to sandbox events: its callbacks and `x-specmock-event`.
#[derive(Debug, Default)]
pub struct OperationHooks {
    /// One entry per callback name, URL expression and method.
    pub callbacks: Vec<Webhook>,
    /// Webhooks the operation's sandbox writes fire, by name.
    pub events: Vec<String>,
}

const METHODS: &[(&str, Method)] = &[
    ("post", Method::POST),
    ("put", Method::PUT),
    ("patch", Method::PATCH),
    ("get", Method::GET),
    ("delete", Method::DELETE),
];

/// The document's `webhooks` and signing rule; checks every operation's `x-specmock-event`
/// names one of them.
pub fn document(
    sources: &Sources,
    schemas: &mut SchemaBuilder<'_>,
    operations: &[Operation],
) -> Result<DocumentWebhooks, SpecError> {
    let root = sources.root();
    let mut webhooks = Vec::new();
    if let Some(map) = root.get("webhooks") {
        let loc = Loc::new(0, "/webhooks");
        let Value::Object(map) = map else { return Err(sources.error(&loc, "webhooks must be a map")) };
        for name in map.keys() {
            calls(sources, schemas, name, None, loc.child(name), &mut webhooks)?;
        }
    }
    for op in operations {
        for event in &op.hooks.events {
            if !webhooks.iter().any(|w| &w.name == event) {
                let known: Vec<&str> = webhooks.iter().map(|w| w.name.as_str()).collect();
                let known = if known.is_empty() { "it has none".to_string() } else { known.join(", ") };
                return Err(SpecError::at(
                    sources.name(0),
                    format!("{}/x-specmock-event", op.pointer),
                    format!("names the webhook '{event}', which the document's webhooks do not have ({known})"),
                ));
            }
        }
    }
    Ok(DocumentWebhooks { webhooks, signature: signature(sources)? })
}

/// An operation's callbacks and `x-specmock-event`.
pub fn operation(
    sources: &Sources,
    schemas: &mut SchemaBuilder<'_>,
    op: &Map<String, Value>,
    loc: &Loc,
) -> Result<OperationHooks, SpecError> {
    let events = strings(sources, op.get("x-specmock-event"), &loc.child("x-specmock-event"))?;
    let mut callbacks = Vec::new();
    if let Some(map) = op.get("callbacks") {
        let at = loc.child("callbacks");
        let Value::Object(map) = map else { return Err(sources.error(&at, "callbacks must be a map")) };
        for name in map.keys() {
            let (cloc, callback) = sources.resolve(at.child(name))?;
            let Value::Object(expressions) = callback else {
                return Err(sources.error(&cloc, "a callback must map URL expressions to path items"));
            };
            for expression in expressions.keys().filter(|k| !k.starts_with("x-")) {
                calls(sources, schemas, name, Some(expression), cloc.child(expression), &mut callbacks)?;
            }
        }
    }
    Ok(OperationHooks { callbacks, events })
}

/// Every method of one path item, as calls named `name`.
fn calls(
    sources: &Sources,
    schemas: &mut SchemaBuilder<'_>,
    name: &str,
    url: Option<&str>,
    loc: Loc,
    out: &mut Vec<Webhook>,
) -> Result<(), SpecError> {
    let (item_loc, item) = sources.resolve(loc)?;
    let Value::Object(item) = item else { return Err(sources.error(&item_loc, "a path item must be an object")) };
    for (key, method) in METHODS {
        let Some(op) = item.get(*key) else { continue };
        let op_loc = item_loc.child(key);
        let Value::Object(op) = op else { return Err(sources.error(&op_loc, "an operation must be an object")) };
        let events_loc = op_loc.child("x-specmock-event");
        let events = strings(sources, op.get("x-specmock-event"), &events_loc)?;
        if let Some(bad) = events.iter().find(|e| !names_a_change(e)) {
            return Err(sources.error(
                &events_loc,
                format!("'{bad}' is not [RESOURCE.]ACTION with ACTION created, updated or deleted (e.g. organization.created)"),
            ));
        }
        out.push(Webhook {
            name: name.to_string(),
            method: method.clone(),
            origin: format!("{}: #{}", sources.name(op_loc.src), op_loc.ptr),
            body: body(sources, schemas, op, &op_loc)?,
            headers: headers(sources, schemas, item.get("parameters"), op.get("parameters"), &item_loc, &op_loc)?,
            events,
            url: url.map(str::to_string),
        });
    }
    Ok(())
}

/// `created`, `organization.created`, `/v1/organizations.deleted`.
fn names_a_change(event: &str) -> bool {
    let action = event.rsplit_once('.').map(|(_, a)| a).unwrap_or(event);
    ["created", "updated", "deleted"].iter().any(|a| a.eq_ignore_ascii_case(action))
}

/// The request body's JSON media type (else its first), with its schema and examples.
fn body(
    sources: &Sources,
    schemas: &mut SchemaBuilder<'_>,
    op: &Map<String, Value>,
    loc: &Loc,
) -> Result<Option<MediaType>, SpecError> {
    if op.get("requestBody").is_none() {
        return Ok(None);
    }
    let (body_loc, body) = sources.resolve(loc.child("requestBody"))?;
    let Some(Value::Object(content)) = body.get("content") else { return Ok(None) };
    let Some((name, media)) = content.iter().find(|(n, _)| is_json_media(n)).or_else(|| content.iter().next()) else {
        return Ok(None);
    };
    let mloc = body_loc.child("content").child(name);
    // The payload is what the API writes: its readOnly fields belong in it.
    let schema = match media.get("schema") {
        Some(_) => Some(schemas.add(mloc.child("schema"), Side::Response)?),
        None => None,
    };
    let mut examples = Vec::new();
    let origin = |at: &Loc| format!("{}: #{}", sources.name(at.src), at.ptr);
    if let Some(value) = media.get("example") {
        examples.push(example("default", value, origin(&mloc.child("example"))));
    }
    if let Some(Value::Object(named)) = media.get("examples") {
        for key in named.keys() {
            let (at, ex) = sources.resolve(mloc.child("examples").child(key))?;
            if let Some(value) = ex.get("value") {
                examples.push(example(key, value, origin(&at.child("value"))));
            }
        }
    }
    let name = name.to_ascii_lowercase();
    let content_type = http::HeaderValue::from_str(&concrete_type(&name))
        .unwrap_or(http::HeaderValue::from_static("application/json"));
    Ok(Some(MediaType { name, content_type, schema, examples, reserved_escaped: Vec::new() }))
}

fn example(name: &str, value: &Value, origin: String) -> super::model::Example {
    super::model::Example {
        name: name.into(),
        value: value.clone(),
        bytes: bytes::Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
        origin,
    }
}

/// `in: header` parameters of the path item and the operation (the operation's win).
fn headers(
    sources: &Sources,
    schemas: &mut SchemaBuilder<'_>,
    shared: Option<&Value>,
    own: Option<&Value>,
    item_loc: &Loc,
    op_loc: &Loc,
) -> Result<Vec<HeaderDef>, SpecError> {
    let mut out: Vec<HeaderDef> = Vec::new();
    for (list, at) in [(own, op_loc.child("parameters")), (shared, item_loc.child("parameters"))] {
        let Some(list) = list else { continue };
        let Value::Array(items) = list else { return Err(sources.error(&at, "parameters must be an array")) };
        for i in 0..items.len() {
            let (ploc, p) = sources.resolve(at.child(&i.to_string()))?;
            if p.get("in").and_then(Value::as_str) != Some("header") {
                continue;
            }
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                return Err(sources.error(&ploc, "a parameter needs a `name`"));
            };
            let name = name.to_ascii_lowercase();
            if out.iter().any(|h| h.name == name) {
                continue;
            }
            let schema = match p.get("schema") {
                Some(_) => Some(schemas.add(ploc.child("schema"), Side::Response)?),
                None => None,
            };
            out.push(HeaderDef {
                name,
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                schema,
                example: p.get("example").cloned().or_else(|| p.pointer("/schema/example").cloned()),
            });
        }
    }
    Ok(out)
}

/// A string or a list of strings.
fn strings(sources: &Sources, value: Option<&Value>, loc: &Loc) -> Result<Vec<String>, SpecError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| sources.error(loc, "must be a string or a list of strings"))
            })
            .collect(),
        Some(_) => Err(sources.error(loc, "must be a string or a list of strings")),
    }
}

/// Webhooks documented for Svix (`x-svix-group-name`, `x-svix-feature-flags`, as Straddle's
/// are) are delivered, and so signed, by Svix.
fn svix_marked(sources: &Sources) -> Option<WebhookSignature> {
    let Some(Value::Object(webhooks)) = sources.root().get("webhooks") else { return None };
    let marked = webhooks
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .any(|op| op.as_object().is_some_and(|op| op.keys().any(|k| k.starts_with("x-svix-"))));
    marked.then(|| WebhookSignature {
        scheme: SignatureScheme::Svix,
        secret: None,
        origin: format!("{}: #/webhooks (x-svix-…)", sources.name(0)),
    })
}

/// Reads `x-specmock-webhook-signature`.
fn signature(sources: &Sources) -> Result<Option<WebhookSignature>, SpecError> {
    let Some(value) = sources.root().get("x-specmock-webhook-signature") else { return Ok(svix_marked(sources)) };
    let loc = Loc::new(0, "/x-specmock-webhook-signature");
    let Value::Object(map) = value else {
        return Err(sources.error(&loc, "must be a map with a `scheme` (svix, standard-webhooks, hmac-sha256 or none)"));
    };
    const KEYS: &[&str] = &["scheme", "secret", "header", "encoding", "value", "signed"];
    if let Some(unknown) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(sources.error(&loc.child(unknown), format!("unknown key '{unknown}' (known: {})", KEYS.join(", "))));
    }
    let text = |key: &str| -> Result<Option<String>, SpecError> {
        match map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(sources.error(&loc.child(key), "must be a string")),
        }
    };
    let scheme = match text("scheme")?.as_deref() {
        Some("svix") => SignatureScheme::Svix,
        Some("standard-webhooks") => SignatureScheme::StandardWebhooks,
        Some("none") => SignatureScheme::Unsigned,
        Some("hmac-sha256") => {
            let Some(header) = text("header")? else {
                return Err(
                    sources.error(&loc, "scheme hmac-sha256 needs `header`: the header that carries the signature")
                );
            };
            if http::HeaderName::from_bytes(header.as_bytes()).is_err() {
                return Err(sources.error(&loc.child("header"), format!("'{header}' is not a header name")));
            }
            let base64 = match text("encoding")?.as_deref() {
                None | Some("hex") => false,
                Some("base64") => true,
                Some(other) => {
                    return Err(sources.error(&loc.child("encoding"), format!("'{other}' is not hex or base64")));
                }
            };
            let value = text("value")?.unwrap_or_else(|| "{signature}".into());
            if !value.contains("{signature}") {
                return Err(sources.error(&loc.child("value"), "the header value must contain {signature}"));
            }
            SignatureScheme::Hmac { header, base64, value, signed: text("signed")?.unwrap_or_else(|| "{body}".into()) }
        }
        Some(other) => {
            return Err(sources.error(
                &loc.child("scheme"),
                format!("scheme '{other}' is not one of svix, standard-webhooks, hmac-sha256, none"),
            ));
        }
        None => {
            return Err(sources.error(&loc, "needs a `scheme`: svix, standard-webhooks, hmac-sha256 or none"));
        }
    };
    let origin = format!("{}: #{}", sources.name(0), loc.ptr);
    Ok(Some(WebhookSignature { scheme, secret: text("secret")?, origin }))
}
