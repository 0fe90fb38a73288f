//! Webhooks and callbacks: a receiver in the test suite gets what sandbox writes fire, signed
//! as the vendor signs (checked with the published algorithms, written out here), with
//! payloads that validate against the document's schema for them; retries, a receiver that
//! never answers, a full queue, triggers by hand. (Flags, Ctrl-C and document errors are
//! tested through the binary, in tests/webhooks.rs.)

#[path = "../../../tests/webhooks/receiver.rs"]
mod receiver;
mod support;

use receiver::{Delivery, Receiver, Reply};
use serde_json::{Value, json};
use support::{
    assert_hmac_signed, assert_svix_signed, assert_valid, journal, options, poll_state, sandbox, send, serve,
};

use super::common::{Answer, client, data, shared_dir};
use crate::events::{DEFAULT_SECRET, WebhookOptions};

#[tokio::test]
async fn scalekit_writes_deliver_signed_organization_events_that_validate() {
    let mut receiver = Receiver::start(vec![]).await;
    let server = serve("scalekit", sandbox(), options(&[&receiver.url])).await;
    let created =
        send(&server, "POST", "/api/v1/organizations", Some(json!({"display_name": "Acme", "external_id": "acme-1"})));
    let id = created.await.json()["organization"]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/organizations/{id}");
    assert_eq!(send(&server, "PATCH", &path, Some(json!({"display_name": "Acme Inc"}))).await.status, 200);
    assert_eq!(send(&server, "DELETE", &path, None).await.status, 200);

    let mut event_ids = Vec::new();
    for (kind, name) in [("created", "Acme"), ("updated", "Acme Inc"), ("deleted", "Acme Inc")] {
        let delivery = receiver.next().await;
        assert_eq!(delivery.path, "/hooks");
        assert_svix_signed(&delivery, "webhook", DEFAULT_SECRET);
        let payload = delivery.json();
        assert_eq!(payload["type"], format!("organization.{kind}"), "in the order they happened");
        assert_valid("scalekit", &format!("organization.{kind}"), &payload);
        assert_eq!(payload["organization_id"], id.as_str());
        assert_eq!(payload["data"]["id"], id.as_str());
        assert_eq!(payload["data"]["display_name"], name);
        assert_eq!(payload["data"]["external_id"], "acme-1");
        assert!(payload["id"].as_str().unwrap().starts_with("evt_"));
        assert!(payload.pointer("/data/metadata").is_none(), "the example's values for fields it lacks are not sent");
        assert_eq!(kind == "deleted", payload["data"].get("deleted_at").is_some());
        event_ids.push(payload["id"].clone());
    }
    event_ids.dedup();
    assert_eq!(event_ids.len(), 3, "each event has its own id");

    let journal = journal(&server).await;
    assert_eq!(journal["summary"]["delivered"], 3);
    let first = &journal["deliveries"][0];
    assert_eq!(first["webhook"], "organization.created");
    assert_eq!(first["event"]["id"], id.as_str());
    assert_eq!(first["attempts"][0]["status"], 200);
    assert!(first["attempts"][0]["latency_ms"].is_u64());
}

#[tokio::test]
async fn a_straddle_create_is_signed_as_svix_signs_with_the_given_secret() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let mut receiver = Receiver::start(vec![]).await;
    let webhooks = WebhookOptions { secrets: vec![format!("straddle={secret}")], ..options(&[&receiver.url]) };
    let server = serve("straddle", sandbox(), webhooks).await;
    let created =
        send(&server, "POST", "/v1/organizations", Some(json!({"name": "Acme", "external_id": "ext-1"}))).await;
    assert_eq!(created.status, 201);
    let delivery = receiver.next().await;
    assert_svix_signed(&delivery, "svix", secret);
    assert!(delivery.header("svix-id").starts_with("msg_"));
    let payload = delivery.json();
    assert_eq!(payload["event_type"], "organization.created.v1");
    assert_eq!(payload["data"], created.json()["data"], "the organization as the API answered it");
    assert_valid("straddle", "organization.created.v1", &payload);
}

#[tokio::test]
async fn a_callback_goes_to_the_url_in_the_request_body_with_the_created_values() {
    let mut receiver = Receiver::start(vec![]).await;
    let doc = data("callbacks.yaml");
    let server = serve(&doc, sandbox(), WebhookOptions::default()).await;
    let body = json!({"callbackUrl": receiver.url, "topic": "invoices"});
    let created = send(&server, "POST", "/subscriptions", Some(body.clone())).await.json();
    let delivery = receiver.next().await;
    assert_eq!(delivery.path, "/hooks");
    let payload = delivery.json();
    assert_eq!(payload["id"], created["id"], "the subscription's own id");
    assert_eq!(payload["topic"], "invoices");
    assert_eq!(payload["status"], "active");
    assert!(delivery.headers.get("webhook-signature").is_none(), "a document that does not sign is not signed");
    let journal = journal(&server).await;
    assert_eq!(journal["deliveries"][0]["kind"], "callback");
    let url = journal["deliveries"][0]["request"]["url"].as_str().unwrap();
    assert_eq!(url, format!("{}?subscription={}", receiver.url, created["id"].as_str().unwrap()));

    // Without a sandbox, the documented answer fires the callback too.
    let stateless = serve(&doc, None, WebhookOptions::default()).await;
    assert_eq!(send(&stateless, "POST", "/subscriptions", Some(body)).await.status, 201);
    assert_eq!(receiver.next().await.json()["status"], "active");
    // A URL the expression cannot give is journalled, not sent.
    assert_eq!(
        send(&stateless, "POST", "/subscriptions", Some(json!({"callbackUrl": "nope", "topic": "x"}))).await.status,
        201
    );
    let reason = poll_state(&stateless, 1, "skipped").await["reason"].clone();
    assert!(reason.as_str().unwrap().contains("gave 'nope?subscription="), "{reason}");
    assert!(reason.as_str().unwrap().contains("which is not an http(s) URL"), "{reason}");
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_message_until_a_2xx() {
    let mut receiver = Receiver::start(vec![Reply::Status(500), Reply::Status(503)]).await;
    let server = serve("scalekit", sandbox(), options(&[&receiver.url])).await;
    send(&server, "POST", "/api/v1/organizations", Some(json!({"display_name": "Acme"}))).await;
    let tries: Vec<Delivery> = vec![receiver.next().await, receiver.next().await, receiver.next().await];
    let ids: Vec<&str> = tries.iter().map(|d| d.header("webhook-id")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one message, attempted three times");
    for delivery in &tries {
        assert_svix_signed(delivery, "webhook", DEFAULT_SECRET);
    }
    let entry = poll_state(&server, 0, "delivered").await;
    let statuses: Vec<&Value> = entry["attempts"].as_array().unwrap().iter().map(|a| &a["status"]).collect();
    assert_eq!(statuses, [&json!(500), &json!(503), &json!(200)]);
}

#[tokio::test]
async fn retries_are_bounded_and_an_unreachable_receiver_fails_the_delivery() {
    // A port nothing listens on: every attempt fails to connect.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let webhooks = WebhookOptions { retries: 2, ..options(&[&format!("http://{closed}/hooks")]) };
    let server = serve("scalekit", sandbox(), webhooks).await;
    assert_eq!(send(&server, "POST", "/api/v1/organizations", Some(json!({"display_name": "Acme"}))).await.status, 201);
    let entry = poll_state(&server, 0, "failed").await;
    let attempts = entry["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "the first attempt and 2 retries");
    assert!(attempts.iter().all(|a| a["status"].is_null() && a["error"] == "could not connect"), "{attempts:?}");
}

#[tokio::test]
async fn a_receiver_that_never_answers_does_not_hold_up_answers() {
    let mut receiver = Receiver::start(vec![Reply::Hold]).await;
    let server = serve("scalekit", sandbox(), options(&[&receiver.url])).await;
    assert_eq!(send(&server, "POST", "/api/v1/organizations", Some(json!({"display_name": "One"}))).await.status, 201);
    // The receiver now holds the first delivery's connection, unanswered...
    assert_eq!(receiver.next().await.json()["data"]["display_name"], "One");
    // ...and the sandbox answers meanwhile.
    let second = send(&server, "POST", "/api/v1/organizations", Some(json!({"display_name": "Two"}))).await;
    assert_eq!(second.status, 201);
    let journal = journal(&server).await;
    assert_eq!(journal["deliveries"][0]["state"], "sending", "the first delivery is still waiting for its answer");
    assert!(journal["deliveries"][0]["attempts"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_full_queue_drops_the_oldest_waiting_delivery_and_counts_it() {
    let mut receiver = Receiver::start(vec![Reply::Hold]).await;
    let webhooks = WebhookOptions { queue: 2, ..options(&[&receiver.url]) };
    let server = serve("scalekit", sandbox(), webhooks).await;
    let created = send(&server, "POST", "/api/v1/organizations", Some(json!({"display_name": "Acme"}))).await.json();
    receiver.next().await;
    // One organization's events go one at a time: these six wait behind the held one.
    let path = format!("/api/v1/organizations/{}", created["organization"]["id"].as_str().unwrap());
    for n in 1..=6 {
        let answer = send(&server, "PATCH", &path, Some(json!({"display_name": format!("Acme {n}")}))).await;
        assert_eq!(answer.status, 200);
    }
    let journal = journal(&server).await;
    assert_eq!(journal["summary"]["dropped"], 4);
    assert_eq!(journal["summary"]["queued"], 2);
    let states: Vec<&str> =
        journal["deliveries"].as_array().unwrap().iter().map(|d| d["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["sending", "dropped", "dropped", "dropped", "dropped", "queued", "queued"]);
    assert!(!receiver.has_more(), "nothing else was sent while the receiver held the first");
}

#[tokio::test]
async fn x_specmock_event_ties_webhooks_to_writes_and_a_payload_that_cannot_be_valid_is_skipped() {
    let mut receiver = Receiver::start(vec![]).await;
    let doc = data("webhooks.yaml");
    let webhooks = WebhookOptions { secrets: vec!["s3cret".into()], ..options(&[&receiver.url]) };
    let server = serve(&doc, sandbox(), webhooks).await;
    let created = send(&server, "POST", "/widgets", Some(json!({"name": "gear"}))).await.json();
    let made = receiver.next().await;
    assert_hmac_signed(&made, "s3cret");
    assert_eq!(made.header("x-widget-event"), "thing.made", "a documented header");
    assert_eq!(made.json()["widget"], created);
    assert_valid(&doc, "thing.made", &made.json());

    let path = format!("/widgets/{}", created["id"].as_str().unwrap());
    assert_eq!(send(&server, "PATCH", &path, Some(json!({"name": "cog"}))).await.status, 200);
    assert_eq!(send(&server, "DELETE", &path, None).await.status, 204);
    let gone = receiver.next().await;
    assert_eq!(gone.json()["widget_id"], created["id"], "the operation's x-specmock-event");
    let skipped = poll_state(&server, 1, "skipped").await;
    assert_eq!(skipped["webhook"], "widget.updated");
    let reason = skipped["reason"].as_str().unwrap();
    assert!(
        reason.contains("cannot build a valid payload") && reason.contains("webhooks.yaml: #/webhooks/widget.updated"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_webhook_fires_by_hand_with_a_generated_or_given_body() {
    let mut receiver = Receiver::start(vec![]).await;
    let server = serve("scalekit", None, options(&[&receiver.url])).await;
    let fire = |name: &str, query: &str, body: &str| {
        client()
            .post(format!("{}/__specmock/webhooks/{name}{query}", server.url()))
            .header("content-type", "application/json")
            .body(body.to_string())
    };
    let answer = Answer::of(fire("organization.deleted", "", "")).await;
    assert_eq!(answer.status, 202, "{}", String::from_utf8_lossy(&answer.body));
    let delivery = receiver.next().await;
    assert_eq!(delivery.header("webhook-id"), answer.json()["deliveries"][0]["id"]);
    assert_svix_signed(&delivery, "webhook", DEFAULT_SECRET);
    assert_eq!(delivery.json()["type"], "organization.deleted");
    assert_valid("scalekit", "organization.deleted", &delivery.json());

    let given = r#"{"spec_version":"1","id":"evt_1","type":"organization.updated","occurred_at":"2024-01-15T10:35:00Z","environment_id":"env_1","object":"Organization","data":{"id":"org_1","display_name":"X"}}"#;
    assert_eq!(Answer::of(fire("organization.updated", "", given)).await.status, 202);
    assert_eq!(receiver.next().await.body, given.as_bytes(), "a given body is sent as it is");

    let refused = Answer::of(fire("organization.updated", "", r#"{"type":"nope"}"#)).await;
    assert_eq!(refused.status, 422);
    assert!(refused.json()["detail"].as_str().unwrap().contains("?validate=false"));
    assert_eq!(Answer::of(fire("organization.updated", "?validate=false", r#"{"type":"nope"}"#)).await.status, 202);
    assert_eq!(receiver.next().await.body, r#"{"type":"nope"}"#.as_bytes());
    let unknown = Answer::of(fire("organization.renamed", "", "")).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.json()["detail"].as_str().unwrap().contains("organization.created"), "it lists the webhooks");
    let elsewhere = Answer::of(fire("organization.created", "?url=ftp://x", "")).await;
    assert_eq!(elsewhere.status, 400);

    let nowhere = serve("scalekit", None, WebhookOptions::default()).await;
    let answer = Answer::of(client().post(format!("{}/__specmock/webhooks/organization.created", nowhere.url()))).await;
    assert_eq!(answer.status, 409);
    assert!(answer.json()["detail"].as_str().unwrap().contains("--webhook-url"));
    let query = format!("?url={}", receiver.url);
    let answer =
        Answer::of(client().post(format!("{}/__specmock/webhooks/organization.created{query}", nowhere.url()))).await;
    assert_eq!(answer.status, 202);
    assert_eq!(receiver.next().await.json()["type"], "organization.created");
}

#[tokio::test]
async fn the_vendors_published_documents_fire_their_own_webhooks() {
    let Some(shared) = shared_dir() else {
        eprintln!("skipped: ../shared/vendor-specs is not beside this checkout");
        return;
    };
    let mut receiver = Receiver::start(vec![]).await;
    let straddle = shared.join("vendor-specs/straddle/spec.json").display().to_string();
    let server = serve(&straddle, sandbox(), options(&[&receiver.url])).await;
    let customer = json!({
        "name": "Ron Swanson", "type": "individual", "email": "ron@example.com",
        "phone": "+12128675309", "device": {"ip_address": "192.168.1.1"}
    });
    let created = send(&server, "POST", "/v1/customers", Some(customer)).await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    let delivery = receiver.next().await;
    // Its webhooks carry Svix's extensions: signed as Svix signs, with the test secret.
    assert_svix_signed(&delivery, "svix", DEFAULT_SECRET);
    let payload = delivery.json();
    assert_eq!(payload["event_type"], "customer.created.v1");
    assert_eq!(payload["data"]["id"], created.json()["data"]["id"]);
    assert_eq!(payload["data"]["email"], "ron@example.com");
    assert_valid(&straddle, "customer.created.v1", &payload);

    let scalekit = shared.join("vendor-specs/scalekit/scalekit.scalar.json").display().to_string();
    let server = serve(&scalekit, sandbox(), options(&[&receiver.url])).await;
    let created = send(&server, "POST", "/api/v1/organizations", Some(json!({"display_name": "Acme"}))).await;
    assert_eq!(created.status, 201);
    let payload = receiver.next().await.json();
    assert_eq!(payload["type"], "organization.created");
    assert_eq!(payload["data"]["display_name"], "Acme");
    assert_valid(&scalekit, "organization.created", &payload);
}
