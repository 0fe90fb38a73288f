//! The sandbox on Redis (`--state redis://…`): several specmock replicas on one real
//! redis-server answer as one sandbox — ids, unique values, maximum counts and idempotency
//! keys hold across replicas, under concurrency. Each test starts its own redis-server on a
//! free port (and says it was skipped where there is none).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;
#[path = "common/redis.rs"]
mod replicas;

use std::collections::HashSet;

use common::{Answer, client};
use replicas::{RedisServer, Replica};
use serde_json::{Value, json};

const TOKEN: &str = "Bearer t";

/// `count` replicas of `spec` on one Redis.
fn replicas(redis: &RedisServer, spec: &str, count: usize) -> Vec<Replica> {
    let url = redis.url(0);
    (0..count).map(|_| Replica::start(&[spec, "--state", &url])).collect()
}

async fn send(replica: &Replica, method: &str, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Answer {
    let mut request = client().request(method.parse().unwrap(), replica.url(path)).header("Authorization", TOKEN);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    Answer::of(request).await
}

/// A POST: where, what, and its extra headers.
type Post = (String, Value, Vec<(String, String)>);

/// Sends the POSTs all at once; the answers in the same order.
async fn at_once(requests: Vec<Post>) -> Vec<Answer> {
    let client = client();
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(url, body, headers)| {
            let mut request = client.post(url).header("Authorization", TOKEN).json(&body);
            for (k, v) in headers {
                request = request.header(k, v);
            }
            tokio::spawn(Answer::of(request))
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_creates_over_three_replicas_make_a_thousand_resources_everywhere() {
    let Some(redis) = RedisServer::start("thousand") else { return };
    let replicas = replicas(&redis, "straddle", 3);
    let requests = (0..1000)
        .map(|i| (replicas[i % 3].url("/v1/organizations"), json!({"name": format!("Org {i:04}")}), vec![]))
        .collect();
    let answers = at_once(requests).await;
    let mut ids = Vec::new();
    for a in &answers {
        assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
        ids.push(a.json()["data"]["id"].as_str().unwrap().to_string());
    }
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 1000, "every create got its own id");

    // Every replica lists all of them, in the same order.
    let mut orders = Vec::new();
    for r in &replicas {
        let list = send(r, "GET", "/v1/organizations?page_size=1000", None, &[]).await.json();
        assert_eq!(list["meta"]["total_items"], 1000);
        let listed: Vec<String> =
            list["data"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect();
        assert_eq!(listed.iter().collect::<HashSet<_>>(), distinct);
        orders.push(listed);
    }
    assert!(orders.windows(2).all(|w| w[0] == w[1]), "one order on every replica");

    // Pages asked of different replicas fit together: cursors are stable across replicas.
    let mut paged = Vec::new();
    for page in 1..=10 {
        let r = &replicas[page % 3];
        let list = send(r, "GET", &format!("/v1/organizations?page_size=100&page_number={page}"), None, &[]).await;
        paged.extend(list.json()["data"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()));
    }
    assert_eq!(paged, orders[0]);

    // Each is readable on a replica other than the one that created it.
    for (i, id) in ids.iter().enumerate() {
        let read = send(&replicas[(i + 1) % 3], "GET", &format!("/v1/organizations/{id}"), None, &[]).await;
        assert_eq!(read.status, 200, "{id}");
        assert_eq!(read.json()["data"]["name"], format!("Org {i:04}"));
    }
}

#[tokio::test]
async fn a_duplicate_external_id_sent_to_two_replicas_at_once_is_created_once() {
    let Some(redis) = RedisServer::start("unique") else { return };
    let replicas = replicas(&redis, "scalekit", 3);
    let path = "/api/v1/organizations";
    for i in 0..20 {
        let body = |n| json!({"display_name": format!("Org {i} from {n}"), "external_id": format!("ext-{i}")});
        let answers = at_once(vec![
            (replicas[i % 3].url(path), body(1), vec![]),
            (replicas[(i + 1) % 3].url(path), body(2), vec![]),
        ])
        .await;
        let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
        statuses.sort();
        assert_eq!(statuses, [201, 409], "external_id ext-{i}");
        let refused = answers.iter().find(|a| a.status == 409).unwrap();
        assert!(refused.json()["message"].as_str().unwrap().contains("external_id"), "Scalekit's own 409");
    }
    let list = send(&replicas[2], "GET", &format!("{path}?page_size=100"), None, &[]).await.json();
    assert_eq!(list["organizations"].as_array().unwrap().len(), 20);
    // A change cannot take another's value either, whichever replica makes it.
    let first = send(&replicas[0], "GET", &format!("{path}:external/ext-0"), None, &[]).await.json();
    let id = first["organization"]["id"].as_str().unwrap();
    let taken = send(&replicas[1], "PATCH", &format!("{path}/{id}"), Some(json!({"external_id": "ext-1"})), &[]).await;
    // Scalekit documents no 409 for an update: its validation error, naming the property.
    assert_eq!(taken.status, 400);
    assert!(taken.json()["message"].as_str().unwrap().contains("external_id"));
    // A deleted item's value is free again.
    let second = send(&replicas[1], "GET", &format!("{path}:external/ext-1"), None, &[]).await.json();
    let second_id = second["organization"]["id"].as_str().unwrap();
    assert_eq!(send(&replicas[2], "DELETE", &format!("{path}/{second_id}"), None, &[]).await.status, 200);
    let moved = send(&replicas[0], "PATCH", &format!("{path}/{id}"), Some(json!({"external_id": "ext-1"})), &[]).await;
    assert_eq!(moved.status, 200, "{}", String::from_utf8_lossy(&moved.body));
    let found = send(&replicas[2], "GET", &format!("{path}:external/ext-1"), None, &[]).await.json();
    assert_eq!(found["organization"]["id"], id);
}

#[tokio::test]
async fn the_101st_clerk_organization_is_refused_whichever_replica_gets_it() {
    let Some(redis) = RedisServer::start("limit") else { return };
    let replicas = replicas(&redis, "clerk", 3);
    let requests = (0..110)
        .map(|i| (replicas[i % 3].url("/v1/organizations"), json!({"name": format!("Org {i}")}), vec![]))
        .collect();
    let answers = at_once(requests).await;
    let created = answers.iter().filter(|a| a.status == 200).count();
    let refused: Vec<&Answer> = answers.iter().filter(|a| a.status == 403).collect();
    assert_eq!((created, refused.len()), (100, 10), "exactly Clerk's 100, however the creates interleave");
    assert_eq!(refused[0].json()["errors"][0]["code"], "organization_quota_exceeded");
    for r in &replicas {
        let over = send(r, "POST", "/v1/organizations", Some(json!({"name": "One too many"})), &[]).await;
        assert_eq!(over.status, 403);
        let list = send(r, "GET", "/v1/organizations?limit=1", None, &[]).await.json();
        assert_eq!(list["total_count"], 100);
    }
    // Room for one more once one is deleted on another replica.
    let list = send(&replicas[0], "GET", "/v1/organizations?limit=1", None, &[]).await.json();
    let id = list["data"][0]["id"].as_str().unwrap();
    assert_eq!(send(&replicas[1], "DELETE", &format!("/v1/organizations/{id}"), None, &[]).await.status, 200);
    let one_more = send(&replicas[2], "POST", "/v1/organizations", Some(json!({"name": "Next"})), &[]).await;
    assert_eq!(one_more.status, 200);
}

#[tokio::test]
async fn one_idempotency_key_sent_to_two_replicas_makes_one_resource() {
    let Some(redis) = RedisServer::start("idempotency") else { return };
    let replicas = replicas(&redis, "straddle", 3);
    for i in 0..10 {
        let key = vec![("idempotency-key".to_string(), format!("order-key-{i:04}"))];
        let body = json!({"name": format!("Acme {i}")});
        let answers = at_once(vec![
            (replicas[i % 3].url("/v1/organizations"), body.clone(), key.clone()),
            (replicas[(i + 1) % 3].url("/v1/organizations"), body.clone(), key.clone()),
        ])
        .await;
        let fresh: Vec<&Answer> =
            answers.iter().filter(|a| a.status == 201 && a.header("idempotent-replayed").is_none()).collect();
        assert_eq!(fresh.len(), 1, "one replica ran the request");
        let other = answers.iter().find(|a| !std::ptr::eq(*a, fresh[0])).unwrap();
        match other.status {
            // The first was done: its answer replayed, byte for byte.
            201 => assert_eq!(
                (other.body.clone(), other.header("idempotent-replayed")),
                (fresh[0].body.clone(), Some("true"))
            ),
            // The first was still running: Straddle's idempotency conflict.
            422 => assert_eq!(other.json()["error"]["items"][0]["reference"], "idempotency-key"),
            status => panic!("unexpected {status}: {}", String::from_utf8_lossy(&other.body)),
        }
        // Afterwards, any replica replays it.
        let third = &replicas[(i + 2) % 3];
        let (k, v) = (&key[0].0, &key[0].1);
        let again = send(third, "POST", "/v1/organizations", Some(body.clone()), &[(k, v)]).await;
        assert_eq!((again.status, again.body.clone()), (201, fresh[0].body.clone()));
        // The same key with another request is refused on every replica.
        let other_body = Some(json!({"name": "Someone else"}));
        assert_eq!(send(third, "POST", "/v1/organizations", other_body, &[(k, v)]).await.status, 422);
    }
    let list = send(&replicas[0], "GET", "/v1/organizations?page_size=100", None, &[]).await.json();
    assert_eq!(list["meta"]["total_items"], 10, "one resource per key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integer_ids_come_from_one_sequence_across_replicas() {
    let Some(redis) = RedisServer::start("sequence") else { return };
    let spec = common::data("counters.yaml");
    let replicas = replicas(&redis, &spec, 3);
    let requests = (0..300)
        .map(|i| (replicas[i % 3].url("/counters"), json!({"name": format!("c{i}"), "code": format!("k{i}")}), vec![]))
        .collect();
    let mut ids: Vec<i64> = at_once(requests)
        .await
        .iter()
        .map(|a| {
            assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
            a.json()["id"].as_i64().unwrap()
        })
        .collect();
    ids.sort();
    assert_eq!(ids, (1..=300).collect::<Vec<i64>>(), "1 to 300, none twice, none skipped");
    // A deleted id is not handed out again, by any replica.
    assert_eq!(send(&replicas[0], "DELETE", "/counters/300", None, &[]).await.status, 204);
    let next = send(&replicas[1], "POST", "/counters", Some(json!({"name": "next"})), &[]).await;
    assert_eq!(next.json()["id"], 301);
    // The shared state holds exactly what was acknowledged.
    let state = Answer::of(client().get(replicas[2].url("/__specmock/state"))).await.json();
    assert_eq!(state["resources"]["counters:/counters"].as_array().unwrap().len(), 300);
}

#[tokio::test]
async fn a_clerk_organization_lives_its_whole_life_across_replicas() {
    let Some(redis) = RedisServer::start("lifecycle") else { return };
    let [a, b, c]: [Replica; 3] = replicas(&redis, "clerk", 3).try_into().ok().unwrap();
    let created = send(&a, "POST", "/v1/organizations", Some(json!({"name": "Acme Inc"})), &[]).await;
    assert_eq!(created.status, 200);
    let org = created.json();
    let id = org["id"].as_str().unwrap();
    let path = format!("/v1/organizations/{id}");
    assert_eq!(send(&b, "GET", &path, None, &[]).await.json(), org, "read on another replica");
    for name in ["Beta", "Gamma"] {
        send(&c, "POST", "/v1/organizations", Some(json!({"name": name})), &[]).await;
    }
    let patched = send(&c, "PATCH", &path, Some(json!({"name": "Acme Corp"})), &[]).await;
    assert_eq!(patched.json()["name"], "Acme Corp");
    // Clerk's own sort, search and paging, on any replica.
    let newest = send(&b, "GET", "/v1/organizations?limit=2&offset=0", None, &[]).await.json();
    let names: Vec<&str> = newest["data"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!((newest["total_count"].as_i64(), names), (Some(3), vec!["Gamma", "Beta"]));
    let found = send(&a, "GET", "/v1/organizations?query=corp", None, &[]).await.json();
    assert_eq!(found["data"][0]["id"], id);
    assert_eq!(send(&a, "DELETE", &path, None, &[]).await.status, 200);
    let gone = send(&b, "GET", &path, None, &[]).await;
    assert_eq!((gone.status, gone.json()["errors"][0]["code"].as_str()), (404, Some("resource_not_found")));
    // The admin surface acts on the shared sandbox.
    let admin = client();
    let state = Answer::of(admin.get(c.url("/__specmock/state"))).await.json();
    assert_eq!(state["resources"]["clerk:/v1/organizations"].as_array().unwrap().len(), 2);
    assert_eq!(Answer::of(admin.post(b.url("/__specmock/reset"))).await.status, 200);
    let list = send(&a, "GET", "/v1/organizations", None, &[]).await.json();
    assert_eq!(list["total_count"], 0, "a reset on one replica empties the sandbox for all");
}

/// One step of a scripted conversation: method, path (`{0}` is the id the first create
/// answered with, `{1}` the second's), body, headers.
type Step = (&'static str, &'static str, Option<Value>, Vec<(&'static str, &'static str)>);

/// Runs the steps against `targets` in turn (one replica after another), and gives each
/// answer with what changes run to run replaced: ids by their order of appearance, times
/// and request ids by a mark.
async fn conversation(targets: &[&Replica], steps: &[Step]) -> Vec<Value> {
    let mut ids: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (n, (method, template, body, headers)) in steps.iter().enumerate() {
        let mut path = template.to_string();
        let mut headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        for (i, id) in ids.iter().enumerate() {
            path = path.replace(&format!("{{{i}}}"), id);
            for (_, v) in headers.iter_mut() {
                *v = v.replace(&format!("{{{i}}}"), id);
            }
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer = send(targets[n % targets.len()], method, &path, body.clone(), &headers).await;
        let json: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        let created = [&json["id"], &json["data"]["id"], &json["organization"]["id"]];
        let fresh = created.iter().find_map(|v| v.as_str()).filter(|_| *method == "POST" && answer.status < 300);
        if let Some(id) = fresh
            && !ids.iter().any(|known| known == id)
        {
            ids.push(id.to_string());
        }
        let mut text = json.to_string();
        for (i, id) in ids.iter().enumerate() {
            text = text.replace(id, &format!("[id {i}]"));
        }
        let mut json: Value = serde_json::from_str(&text).unwrap();
        redact(&mut json);
        out.push(json!({"step": format!("{method} {template}"), "status": answer.status, "body": json}));
    }
    out
}

/// Marks the values that change from run to run (times, request and trace ids).
fn redact(value: &mut Value) {
    const CHANGING: &[&str] = &[
        "created_at",
        "updated_at",
        "create_time",
        "update_time",
        "creationDate",
        "changeDate",
        "viewTimestamp",
        "api_request_id",
        "api_request_timestamp",
        "clerk_trace_id",
        "sequence",
    ];
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if CHANGING.contains(&k.as_str()) { *v = json!("[changes]") } else { redact(v) }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[tokio::test]
async fn replicas_on_redis_answer_exactly_as_the_embedded_store_does() {
    let Some(redis) = RedisServer::start("parity") else { return };
    let embedded = Replica::start(&["--stateful"]);
    let url = redis.url(0);
    let (a, b) = (Replica::start(&["--state", &url]), Replica::start(&["--state", &url]));
    let key = vec![("idempotency-key", "parity-key-0001")];
    let zitadel_me = vec![("x-zitadel-orgid", "{0}")];
    let scripts: Vec<Vec<Step>> = vec![
        vec![
            ("POST", "/clerk/v1/organizations", Some(json!({"name": "Acme Inc"})), vec![]),
            ("POST", "/clerk/v1/organizations", Some(json!({"name": "Beta LLC"})), vec![]),
            ("GET", "/clerk/v1/organizations/{0}", None, vec![]),
            ("PATCH", "/clerk/v1/organizations/{0}", Some(json!({"name": "Acme Corp"})), vec![]),
            ("GET", "/clerk/v1/organizations?limit=1&offset=1", None, vec![]),
            ("GET", "/clerk/v1/organizations?order_by=name&query=corp", None, vec![]),
            ("DELETE", "/clerk/v1/organizations/{1}", None, vec![]),
            ("GET", "/clerk/v1/organizations/{1}", None, vec![]),
        ],
        vec![
            ("POST", "/scalekit/api/v1/organizations", Some(json!({"display_name": "A", "external_id": "e1"})), vec![]),
            ("POST", "/scalekit/api/v1/organizations", Some(json!({"display_name": "B", "external_id": "e1"})), vec![]),
            ("GET", "/scalekit/api/v1/organizations:external/e1", None, vec![]),
            ("PATCH", "/scalekit/api/v1/organizations/{0}", Some(json!({"display_name": "A2"})), vec![]),
            ("GET", "/scalekit/api/v1/organizations?page_size=1", None, vec![]),
            ("DELETE", "/scalekit/api/v1/organizations/{0}", None, vec![]),
            ("GET", "/scalekit/api/v1/organizations/{0}", None, vec![]),
        ],
        vec![
            ("POST", "/straddle/v1/organizations", Some(json!({"name": "Zed"})), key.clone()),
            ("POST", "/straddle/v1/organizations", Some(json!({"name": "Zed"})), key.clone()),
            ("POST", "/straddle/v1/organizations", Some(json!({"name": "Other"})), key.clone()),
            ("POST", "/straddle/v1/organizations", Some(json!({"name": "Alpha"})), vec![]),
            ("GET", "/straddle/v1/organizations?sort_by=name&sort_order=asc&page_size=1&page_number=2", None, vec![]),
        ],
        vec![
            ("POST", "/zitadel/management/v1/orgs", Some(json!({"name": "Customer A"})), vec![]),
            ("GET", "/zitadel/management/v1/orgs/me", None, zitadel_me.clone()),
            ("PUT", "/zitadel/management/v1/orgs/me", Some(json!({"name": "Customer B"})), zitadel_me.clone()),
            ("POST", "/zitadel/admin/v1/orgs/_search", Some(json!({"query": {"offset": "0", "limit": 10}})), vec![]),
            ("DELETE", "/zitadel/management/v1/orgs/me", None, zitadel_me.clone()),
            ("GET", "/zitadel/admin/v1/orgs/{0}", None, vec![]),
        ],
    ];
    for steps in &scripts {
        let expected = conversation(&[&embedded], steps).await;
        // The conversation does what it says: creates succeed, refusals are refusals.
        let statuses: Vec<&Value> = expected.iter().map(|e| &e["status"]).collect();
        assert!(
            statuses[0].as_u64().unwrap() < 300 && statuses.iter().any(|s| s.as_u64().unwrap() >= 400),
            "{statuses:?}"
        );
        let shared = conversation(&[&a, &b], steps).await;
        for (e, s) in expected.iter().zip(&shared) {
            assert_eq!(s, e, "the sandbox on Redis answered differently");
        }
    }
}

#[tokio::test]
async fn ids_drawn_from_an_enum_run_out_as_they_do_in_the_embedded_store() {
    let Some(redis) = RedisServer::start("drawn") else { return };
    let spec = common::data("slots.yaml");
    let embedded = Replica::start(&[&spec, "--stateful"]);
    let url = redis.url(0);
    let (a, b) = (Replica::start(&[&spec, "--state", &url]), Replica::start(&[&spec, "--state", &url]));
    let steps: Vec<Step> = (0..7).map(|_| ("POST", "/slots", Some(json!({"label": "x"})), vec![])).collect();
    let expected = conversation(&[&embedded], &steps).await;
    let taken: Vec<&Value> = expected.iter().map(|e| &e["body"]["slot"]).collect();
    assert_eq!(taken[..6], [&json!("a"), &json!("b"), &json!("c"), &json!("d"), &json!("e"), &json!("f")]);
    assert_eq!(expected[6]["status"], 507, "the id space is used up");
    assert_eq!(conversation(&[&a, &b], &steps).await, expected);
}
