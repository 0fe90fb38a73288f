//! What the webhook tests share: a server with webhooks, requests to it, its journal, and the
//! published signature algorithms written out to check deliveries with.
#![allow(dead_code)]

use std::time::Duration;

use crate::app::{self, Running, ServeConfig};
use crate::events::WebhookOptions;
use crate::reload::Live;
use crate::server::Limits;
use crate::store::StoreOptions;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::receiver::Delivery;
use crate::tests::common::{Answer, client};

pub const TOKEN: &str = "Bearer t";

pub fn sandbox() -> Option<StoreOptions> {
    Some(StoreOptions { idempotency_ttl: Duration::from_secs(60), ..StoreOptions::default() })
}

pub fn options(urls: &[&str]) -> WebhookOptions {
    WebhookOptions {
        urls: urls.iter().map(|u| u.to_string()).collect(),
        backoff: Duration::from_millis(20),
        ..WebhookOptions::default()
    }
}

pub async fn serve(spec: &str, store: Option<StoreOptions>, webhooks: WebhookOptions) -> Running<Live> {
    let config = ServeConfig {
        specs: vec![spec.to_string()],
        store,
        webhooks,
        limits: Limits { access_log: false, ..Limits::default() },
        ..ServeConfig::default()
    };
    app::start(app::prepare(&config).expect("the documents load"), &config).await.expect("the server starts")
}

pub async fn send(server: &Running<Live>, method: &str, path: &str, body: Option<Value>) -> Answer {
    let mut request =
        client().request(method.parse().unwrap(), format!("{}{path}", server.url())).header("Authorization", TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    Answer::of(request).await
}

pub async fn journal(server: &Running<Live>) -> Value {
    Answer::of(client().get(format!("{}/__specmock/webhooks", server.url()))).await.json()
}

/// Svix's and Standard Webhooks' published algorithm: base64 HMAC-SHA256 of `id.timestamp.body`
/// keyed by the base64 after `whsec_`, one of the space-separated `v1,` signatures.
pub fn assert_svix_signed(delivery: &Delivery, prefix: &str, secret: &str) {
    let id = delivery.header(&format!("{prefix}-id"));
    let timestamp = delivery.header(&format!("{prefix}-timestamp"));
    let signatures = delivery.header(&format!("{prefix}-signature"));
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(&delivery.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert!(signatures.split(' ').any(|s| s == expected), "{signatures} is not {expected}");
    let age = jiff::Timestamp::now().as_second() - timestamp.parse::<i64>().unwrap();
    assert!(age.abs() < 300, "the timestamp is within the 5 minutes receivers accept");
}

/// The payload validates against the webhook's request-body schema in the document.
pub fn assert_valid(spec: &str, webhook: &str, payload: &Value) {
    let (_, api) = crate::mounts::load(spec).unwrap();
    let hook = api.webhooks.webhooks.iter().find(|w| w.name == webhook).expect("the document has the webhook");
    let schema = hook.body.as_ref().and_then(|b| b.schema).expect("it documents its body");
    let validator = api.schemas.validator(schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(payload).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{webhook}: {errors:?}\n{payload:#}");
}

/// The journal entry `index` once it is in `state` (polled: delivery is in the background).
pub async fn poll_state(server: &Running<Live>, index: usize, state: &str) -> Value {
    for _ in 0..600 {
        let journal = journal(server).await;
        let entry = &journal["deliveries"][index];
        if entry["state"] == state {
            return entry.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("delivery {index} never became {state}: {:#}", journal(server).await);
}

/// `t=<timestamp>,v1=<hex HMAC-SHA256 of "timestamp.body">`, as the document says.
pub fn assert_hmac_signed(delivery: &Delivery, secret: &str) {
    let header = delivery.header("x-widget-signature");
    let (t, v1) = header.strip_prefix("t=").and_then(|r| r.split_once(",v1=")).expect("t=…,v1=…");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&delivery.body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(v1, expected);
}
