//! The stateful sandbox: each style's whole lifecycle, rules, pagination, idempotency,
//! concurrency, what writes keep. (Restarts, state files, seeds, the admin surface:
//! sandbox_state.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::time::Duration;

use common::{client, memory, send, start_stateful};
use serde_json::{Value, json};

/// Replaces what changes run to run (the created id) before snapshotting.
fn redact(value: &Value, id: &str) -> Value {
    serde_json::from_str(&value.to_string().replace(id, "[id]")).unwrap()
}

macro_rules! lifecycle_snapshot {
    ($name:expr, $value:expr) => {{
        let settings = common::snapshot_settings();
        settings.bind(|| {
            insta::assert_json_snapshot!($name, $value, {
                ".**.created_at" => "[time]", ".**.updated_at" => "[time]",
                ".**.create_time" => "[time]", ".**.update_time" => "[time]",
                ".**.creationDate" => "[time]", ".**.changeDate" => "[time]", ".**.viewTimestamp" => "[time]",
                ".**.api_request_id" => "[request-id]", ".**.api_request_timestamp" => "[time]",
                ".**.clerk_trace_id" => "[trace-id]",
            });
        });
    }};
}

#[tokio::test]
async fn clerk_lifecycle() {
    let s = start_stateful(&["clerk"], memory).await;
    let created = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Acme Inc"})), &[]).await;
    assert_eq!(created.status, 200);
    let org = created.json();
    let id = org["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("org_") && id.len() == 31, "{id}");
    assert_eq!(org["object"], "organization");
    assert!(org["created_at"].as_i64().unwrap() > 1_700_000_000_000, "epoch milliseconds");
    let read = send(&s, "GET", &format!("/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(read.json(), org);
    let list = send(&s, "GET", "/v1/organizations", None, &[]).await;
    assert_eq!(list.json()["total_count"], 1);
    tokio::time::sleep(Duration::from_millis(5)).await; // so the update time can move
    let patched = send(&s, "PATCH", &format!("/v1/organizations/{id}"), Some(json!({"name": "Acme Corp"})), &[]).await;
    assert_eq!(patched.json()["name"], "Acme Corp");
    assert_eq!(patched.json()["created_at"], org["created_at"]);
    assert!(patched.json()["updated_at"].as_i64() > org["updated_at"].as_i64(), "PATCH moves updated_at");
    let deleted = send(&s, "DELETE", &format!("/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(deleted.json()["deleted"], true);
    let gone = send(&s, "GET", &format!("/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["errors"][0]["code"], "resource_not_found");
    let steps: Vec<Value> = [&created, &read, &list, &patched, &deleted, &gone]
        .iter()
        .map(|a| json!({"status": a.status, "body": redact(&a.json(), &id)}))
        .collect();
    lifecycle_snapshot!("sandbox_clerk_lifecycle", steps);
    s.stop().await;
}

#[tokio::test]
async fn scalekit_lifecycle() {
    let s = start_stateful(&["scalekit"], memory).await;
    let body = json!({"display_name": "Acme Corp", "external_id": "my_unique_id", "metadata": {"someKey": "somevalue"}, "region_code": "US"});
    let created = send(&s, "POST", "/api/v1/organizations", Some(body), &[]).await;
    assert_eq!(created.status, 201);
    let org = created.json()["organization"].clone();
    let id = org["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("org_"), "{id}");
    let read = send(&s, "GET", &format!("/api/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(read.json()["organization"], org);
    let by_external = send(&s, "GET", "/api/v1/organizations:external/my_unique_id", None, &[]).await;
    assert_eq!(by_external.json()["organization"]["id"], id.as_str());
    let list = send(&s, "GET", "/api/v1/organizations?page_size=10", None, &[]).await;
    assert_eq!(list.json()["total_size"], 1);
    let patched =
        send(&s, "PATCH", &format!("/api/v1/organizations/{id}"), Some(json!({"display_name": "Acme Inc"})), &[]).await;
    assert_eq!(patched.json()["organization"]["display_name"], "Acme Inc");
    assert_eq!(patched.json()["organization"]["external_id"], "my_unique_id", "PATCH merges");
    let deleted = send(&s, "DELETE", &format!("/api/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(deleted.status, 200);
    let gone = send(&s, "GET", &format!("/api/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["code"], 5);
    let steps: Vec<Value> = [&created, &read, &by_external, &list, &patched, &deleted, &gone]
        .iter()
        .map(|a| json!({"status": a.status, "body": redact(&a.json(), &id)}))
        .collect();
    lifecycle_snapshot!("sandbox_scalekit_lifecycle", steps);
    s.stop().await;
}

#[tokio::test]
async fn straddle_lifecycle() {
    let s = start_stateful(&["straddle"], memory).await;
    let created = send(
        &s,
        "POST",
        "/v1/organizations",
        Some(json!({"name": "Acme", "external_id": "acme-1", "metadata": {"tier": "gold"}})),
        &[],
    )
    .await;
    assert_eq!(created.status, 201);
    let id = created.json()["data"]["id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let read = send(&s, "GET", &format!("/v1/organizations/{id}"), None, &[]).await;
    assert_eq!(read.json()["data"], created.json()["data"]);
    assert_ne!(
        read.json()["meta"]["api_request_id"],
        created.json()["meta"]["api_request_id"],
        "a fresh request id per request"
    );
    let list = send(&s, "GET", "/v1/organizations?page_number=1&page_size=10", None, &[]).await;
    assert_eq!(list.json()["meta"]["total_items"], 1);
    let missing = send(&s, "GET", "/v1/organizations/3f1c2b7e-9a4d-4c6b-8e21-5d0f7a9b1c33", None, &[]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["response_type"], "error");
    let steps: Vec<Value> = [&created, &read, &list, &missing]
        .iter()
        .map(|a| json!({"status": a.status, "body": redact(&a.json(), &id)}))
        .collect();
    lifecycle_snapshot!("sandbox_straddle_lifecycle", steps);
    s.stop().await;
}

#[tokio::test]
async fn zitadel_lifecycle() {
    let s = start_stateful(&["zitadel"], memory).await;
    let created = send(&s, "POST", "/management/v1/orgs", Some(json!({"name": "Customer A"})), &[]).await;
    assert_eq!(created.status, 200);
    let id = created.json()["id"].as_str().unwrap().to_string();
    assert!(id.chars().all(|c| c.is_ascii_digit()), "numeric string: {id}");
    let mine = send(&s, "GET", "/management/v1/orgs/me", None, &[("x-zitadel-orgid", &id)]).await;
    assert_eq!(mine.json()["org"]["name"], "Customer A");
    let by_id = send(&s, "GET", &format!("/admin/v1/orgs/{id}"), None, &[]).await;
    assert_eq!(by_id.json()["org"]["id"], id.as_str());
    let list =
        send(&s, "POST", "/admin/v1/orgs/_search", Some(json!({"query": {"offset": "0", "limit": 10}})), &[]).await;
    assert_eq!(list.json()["details"]["totalResult"], "1");
    let updated =
        send(&s, "PUT", "/management/v1/orgs/me", Some(json!({"name": "Customer B"})), &[("x-zitadel-orgid", &id)])
            .await;
    assert_eq!(updated.status, 200);
    let after = send(&s, "GET", "/management/v1/orgs/me", None, &[("x-zitadel-orgid", &id)]).await;
    assert_eq!(after.json()["org"]["name"], "Customer B");
    let removed = send(&s, "DELETE", "/management/v1/orgs/me", None, &[("x-zitadel-orgid", &id)]).await;
    assert_eq!(removed.status, 200);
    let gone = send(&s, "GET", "/management/v1/orgs/me", None, &[("x-zitadel-orgid", &id)]).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["code"], 5);
    let steps: Vec<Value> = [&created, &mine, &by_id, &list, &updated, &after, &removed, &gone]
        .iter()
        .map(|a| json!({"status": a.status, "body": redact(&a.json(), &id)}))
        .collect();
    lifecycle_snapshot!("sandbox_zitadel_lifecycle", steps);
    s.stop().await;
}

#[tokio::test]
async fn vendor_rules_are_enforced() {
    let s = start_stateful(&[], memory).await;
    // Clerk: at most 100 organizations.
    for i in 0..100 {
        let a = send(&s, "POST", "/clerk/v1/organizations", Some(json!({"name": format!("Org {i}")})), &[]).await;
        assert_eq!(a.status, 200, "{i}");
    }
    let over = send(&s, "POST", "/clerk/v1/organizations", Some(json!({"name": "One too many"})), &[]).await;
    assert_eq!(over.status, 403);
    assert_eq!(over.json()["errors"][0]["code"], "organization_quota_exceeded");
    // Scalekit: external_id is unique.
    send(&s, "POST", "/scalekit/api/v1/organizations", Some(json!({"display_name": "A", "external_id": "dup"})), &[])
        .await;
    let dup = send(
        &s,
        "POST",
        "/scalekit/api/v1/organizations",
        Some(json!({"display_name": "B", "external_id": "dup"})),
        &[],
    )
    .await;
    assert_eq!(dup.status, 409);
    assert!(dup.json()["message"].as_str().unwrap().contains("external_id"));
    // Straddle: at most 20 metadata pairs.
    let metadata: serde_json::Map<String, Value> = (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
    let many =
        send(&s, "POST", "/straddle/v1/organizations", Some(json!({"name": "A", "metadata": metadata})), &[]).await;
    assert_eq!(many.status, 422);
    assert_eq!(many.json()["error"]["items"][0]["reference"], "metadata");
    // Zitadel: at most 200 characters.
    let long = send(&s, "POST", "/zitadel/management/v1/orgs", Some(json!({"name": "x".repeat(201)})), &[]).await;
    assert_eq!(long.status, 400);
    assert!(long.json()["message"].as_str().unwrap().contains("200"));
    s.stop().await;
}

#[tokio::test]
async fn lists_paginate_and_filter_by_the_documents_parameters() {
    let s = start_stateful(&["clerk", "scalekit", "straddle"], memory).await;
    for i in 0..5 {
        send(&s, "POST", "/clerk/v1/organizations", Some(json!({"name": format!("C{i}")})), &[]).await;
        send(
            &s,
            "POST",
            "/scalekit/api/v1/organizations",
            Some(json!({"display_name": format!("S{i}"), "external_id": format!("e{i}")})),
            &[],
        )
        .await;
        send(&s, "POST", "/straddle/v1/organizations", Some(json!({"name": format!("T{i}")})), &[]).await;
    }
    // Clerk lists newest first (its order_by defaults to -created_at).
    let page = send(&s, "GET", "/clerk/v1/organizations?limit=2&offset=2", None, &[]).await.json();
    assert_eq!(page["total_count"], 5);
    let names: Vec<&str> = page["data"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["C2", "C1"]);
    let by_name = send(&s, "GET", "/clerk/v1/organizations?order_by=-name&limit=2", None, &[]).await.json();
    let names: Vec<&str> = by_name["data"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["C4", "C3"]);
    // Clerk's `query` is a search, not a property filter.
    let found = send(&s, "GET", "/clerk/v1/organizations?query=c3", None, &[]).await.json();
    assert_eq!(found["total_count"], 1);
    assert_eq!(found["data"][0]["name"], "C3");
    // Without a limit, the documented default page size (10) applies.
    let default = send(&s, "GET", "/clerk/v1/organizations", None, &[]).await.json();
    assert_eq!(default["data"].as_array().unwrap().len(), 5);

    let first = send(&s, "GET", "/scalekit/api/v1/organizations?page_size=10", None, &[]).await.json();
    assert_eq!(first["organizations"].as_array().unwrap().len(), 5);
    assert_eq!(first["next_page_token"], "");
    let filtered =
        send(&s, "GET", "/scalekit/api/v1/organizations?page_size=10&external_id=e3", None, &[]).await.json();
    // Scalekit's list documents an external_id query parameter: it filters.
    assert_eq!(filtered["total_size"], 1);
    assert_eq!(filtered["organizations"][0]["external_id"], "e3");

    let garbage = send(&s, "GET", "/scalekit/api/v1/organizations?page_token=garbage", None, &[]).await;
    assert_eq!(garbage.status, 400, "a page token the list never handed out");
    assert!(garbage.json()["message"].as_str().unwrap().contains("page_token"));

    let second =
        send(&s, "GET", "/straddle/v1/organizations?page_number=2&page_size=2&sort_by=name&sort_order=desc", None, &[])
            .await
            .json();
    let names: Vec<&str> = second["data"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["T2", "T1"]);
    assert_eq!(second["meta"]["total_items"], 5);
    assert_eq!(second["meta"]["total_pages"], 3);
    assert_eq!(second["meta"]["page_number"], 2);
    assert_eq!(second["meta"]["sort_by"], "name", "meta says how the list was sorted");
    assert_eq!(second["meta"]["sort_order"], "desc");
    s.stop().await;
}

#[tokio::test]
async fn idempotent_retries_replay_and_conflicting_ones_are_refused() {
    let s = start_stateful(&["straddle"], memory).await;
    let key = ("idempotency-key", "retry-key-0001");
    let first = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Acme"})), &[key]).await;
    let again = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Acme"})), &[key]).await;
    assert_eq!(again.status, first.status);
    assert_eq!(again.body, first.body, "the same status and bytes");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert!(first.header("idempotent-replayed").is_none());
    let list = send(&s, "GET", "/v1/organizations", None, &[]).await.json();
    assert_eq!(list["meta"]["total_items"], 1, "the retry created nothing");
    let other = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Other"})), &[key]).await;
    assert_eq!(other.status, 422);
    assert_eq!(other.json()["error"]["items"][0]["reference"], "idempotency-key");
    s.stop().await;

    // Keys expire.
    let s = start_stateful(&["straddle"], |b| memory(b).idempotency_ttl(Duration::ZERO)).await;
    send(&s, "POST", "/v1/organizations", Some(json!({"name": "Acme"})), &[key]).await;
    let later = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Other"})), &[key]).await;
    assert_eq!(later.status, 201, "an expired key is a new request");
    s.stop().await;
}

#[tokio::test]
async fn without_state_nothing_changes() {
    let s = common::start(&["clerk"], |b| b).await;
    let created = send(&s, "POST", "/v1/organizations", Some(json!({"name": "Anything"})), &[]).await;
    assert_eq!(created.json()["name"], "Acme Inc", "the documented example, not the body");
    let admin = client().get(s.url("/__specmock/state")).send().await.unwrap();
    assert_eq!(admin.status(), 404);
    s.stop().await;
}

#[tokio::test]
async fn prefer_still_returns_documented_answers_in_the_sandbox() {
    let s = start_stateful(&["clerk"], memory).await;
    let forced = send(&s, "GET", "/v1/organizations/org_nothing", None, &[("Prefer", "code=200")]).await;
    assert_eq!(forced.status, 200);
    assert_eq!(forced.json()["id"], "org_21Ufcy98STcA11s3QckIwtwHIES");
    s.stop().await;
}

#[tokio::test]
async fn cursors_page_to_the_end_and_say_so() {
    let s = start_stateful(&[&common::data("widgets.yaml")], memory).await;
    for i in 0..5 {
        let created = send(&s, "POST", "/widgets", Some(json!({"name": format!("W{i}")})), &[]).await;
        assert_eq!(created.status, 201);
    }
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/widgets?cursor={c}"),
            None => "/widgets".to_string(),
        };
        let page = send(&s, "GET", &path, None, &[]).await.json();
        names.extend(page["data"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap().to_string()));
        assert_eq!(page["has_more"], page["next_cursor"].is_string());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(names, ["W0", "W1", "W2", "W3", "W4"], "every item once, and the last page says it is the last");
    s.stop().await;
}

#[tokio::test]
async fn writes_keep_only_what_the_request_documents_and_patches_merge() {
    let s = start_stateful(&["scalekit", "zitadel"], memory).await;
    // Scalekit's create body has no region_code: a client cannot set it.
    let created = send(
        &s,
        "POST",
        "/scalekit/api/v1/organizations",
        Some(json!({"display_name": "R", "region_code": "MARS", "metadata": {"key1": "v1"}})),
        &[],
    )
    .await;
    let org = created.json()["organization"].clone();
    assert_eq!(org["region_code"], "US", "documented, not what the client slipped in");
    let id = org["id"].as_str().unwrap();
    // A merge patch merges nested objects.
    let patched = send(
        &s,
        "PATCH",
        &format!("/scalekit/api/v1/organizations/{id}"),
        Some(json!({"region_code": "EU", "metadata": {"key2": "v2"}})),
        &[],
    )
    .await;
    assert_eq!(patched.json()["organization"]["metadata"], json!({"key1": "v1", "key2": "v2"}));
    assert_eq!(patched.json()["organization"]["region_code"], "US");

    // Zitadel's server-kept `details` cannot be written, and each change counts in its sequence.
    let zitadel = send(
        &s,
        "POST",
        "/zitadel/management/v1/orgs",
        Some(json!({"name": "Z", "state": "BOGUS", "details": {"sequence": "abc"}})),
        &[],
    )
    .await
    .json();
    let org_id = zitadel["id"].as_str().unwrap();
    let before = zitadel["details"]["sequence"].as_str().unwrap().parse::<u64>().unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await; // so the change time can move
    let updated = send(
        &s,
        "PUT",
        "/zitadel/management/v1/orgs/me",
        Some(json!({"name": "Z2", "details": {"creationDate": "yesterday"}})),
        &[("x-zitadel-orgid", org_id)],
    )
    .await
    .json();
    assert_eq!(updated["details"]["sequence"], (before + 1).to_string());
    assert_ne!(updated["details"]["changeDate"], zitadel["details"]["changeDate"]);
    let read = send(&s, "GET", "/zitadel/management/v1/orgs/me", None, &[("x-zitadel-orgid", org_id)]).await.json();
    assert_eq!(read["org"]["details"]["creationDate"], zitadel["details"]["creationDate"]);
    for field in ["sequence", "changeDate", "resourceOwner"] {
        assert_eq!(read["org"]["details"][field], updated["details"][field], "the update answers what is stored");
    }
    assert_eq!(read["org"]["state"], "ORG_STATE_ACTIVE");
    assert_eq!(read["org"]["name"], "Z2");

    s.stop().await;

    // `null` inside a nested object removes that key (RFC 7396), and is never stored.
    let s = start_stateful(&[&common::data("widgets.yaml")], memory).await;
    let widget =
        send(&s, "POST", "/widgets", Some(json!({"name": "W", "tags": {"a": "1", "b": "2"}, "status": "x"})), &[])
            .await
            .json();
    assert_eq!(widget["status"], "active", "server-made, not written by the client");
    let wid = widget["id"].as_str().unwrap();
    let merged =
        send(&s, "PATCH", &format!("/widgets/{wid}"), Some(json!({"tags": {"a": null, "c": "3"}})), &[]).await.json();
    assert_eq!(merged["tags"], json!({"b": "2", "c": "3"}));
    s.stop().await;
}
