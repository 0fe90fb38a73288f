//! The sandbox on Redis when things go wrong or are shared: Redis killed and restarted while
//! replicas serve (503s, then recovery by itself, nothing acknowledged lost), Redis absent at
//! start-up (exit 2), several sandboxes on one Redis, seeds loaded once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;
#[path = "common/redis.rs"]
mod replicas;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Answer, client};
use replicas::{RedisServer, Replica};
use serde_json::{Value, json};
use tokio::sync::Mutex;

async fn get(replica: &Replica, path: &str) -> Answer {
    Answer::of(client().get(replica.url(path)).header("Authorization", "Bearer t")).await
}

async fn post(replica: &Replica, path: &str, body: Value, headers: &[(&str, &str)]) -> Answer {
    let mut request = client().post(replica.url(path)).header("Authorization", "Bearer t").json(&body);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    Answer::of(request).await
}

/// Polls `done` every 10 ms for at most 20 s.
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_mid_run_means_503s_then_recovery_and_nothing_acknowledged_lost() {
    let Some(mut redis) = RedisServer::start("restart") else { return };
    let spec = common::data("counters.yaml");
    let url = redis.url(0);
    let replicas = Arc::new([Replica::start(&[&spec, "--state", &url]), Replica::start(&[&spec, "--state", &url])]);

    // A writer creating counters on both replicas until told to stop (at most 50,000).
    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let (acks, unavailable) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (replicas, acknowledged, stop) = (Arc::clone(&replicas), Arc::clone(&acknowledged), Arc::clone(&stop));
        let (acks, unavailable) = (Arc::clone(&acks), Arc::clone(&unavailable));
        tokio::spawn(async move {
            for i in 0..50_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let a = post(&replicas[i % 2], "/counters", json!({"name": format!("c{i}")}), &[]).await;
                match a.status {
                    201 => {
                        acknowledged.lock().await.push(a.json()["id"].as_i64().unwrap());
                        acks.fetch_add(1, Ordering::SeqCst);
                    }
                    503 => {
                        assert_eq!(a.header("retry-after"), Some("1"));
                        // The document's own error shape: it documents 503 for creates.
                        assert!(a.json()["error"]["message"].as_str().unwrap().contains("unavailable"));
                        unavailable.fetch_add(1, Ordering::SeqCst);
                        // A client backing off a little, as Retry-After asks.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    status => panic!("unexpected {status}: {}", String::from_utf8_lossy(&a.body)),
                }
            }
        })
    };
    let acked = || acks.load(Ordering::SeqCst);
    until("100 creates", || acked() >= 100).await;
    redis.kill();
    until("a 503", || unavailable.load(Ordering::SeqCst) > 0).await;

    // While Redis is away: sandbox operations are 503 with Retry-After; the rest answers.
    let read = get(&replicas[0], "/counters/1").await;
    assert_eq!((read.status, read.header("retry-after")), (503, Some("1")));
    let list = get(&replicas[1], "/counters").await;
    assert_eq!((list.status, list.header("content-type")), (503, Some("application/problem+json")));
    assert_eq!(get(&replicas[1], "/ping").await.json(), json!({"pong": true}), "stateless operations keep working");
    for admin in
        [client().get(replicas[0].url("/__specmock/state")), client().post(replicas[1].url("/__specmock/reset"))]
    {
        let answer = Answer::of(admin).await;
        assert_eq!((answer.status, answer.header("retry-after")), (503, Some("1")));
    }

    let before = acked();
    redis.restart();
    until("creates to succeed again", || acked() > before + 100).await;
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();

    // Everything acknowledged is there, on both replicas.
    let acknowledged: HashSet<i64> = acknowledged.lock().await.iter().copied().collect();
    for r in replicas.iter() {
        let list = get(r, "/counters?limit=1000").await.json();
        let stored: HashSet<i64> =
            list["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert!(acknowledged.is_subset(&stored), "lost: {:?}", acknowledged.difference(&stored).collect::<Vec<_>>());
        // At most the one request in flight when Redis died was applied without being acknowledged.
        assert!(stored.len() <= acknowledged.len() + 1, "{} stored, {} acknowledged", stored.len(), acknowledged.len());
    }
}

#[test]
fn an_unreachable_redis_stops_start_up_with_exit_2_naming_the_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("redis://:s3cret@127.0.0.1:{port}/0");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
            .args(["serve", "--port", "0"])
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (code, stderr) = run(&["--state", &url]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&format!("redis://:***@127.0.0.1:{port}/0")), "names the URL: {stderr}");
    assert!(!stderr.contains("s3cret"), "never the password: {stderr}");
    assert!(!stderr.contains("listening"), "{stderr}");

    let (code, stderr) = run(&["--sandbox", "team-a"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--state redis://"), "{stderr}");
    let (code, stderr) = run(&["--state", "http://user:pw@cache:6379"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("redis://") && !stderr.contains("pw@"), "{stderr}");
    let (code, stderr) = run(&["--state", &url, "--sandbox", "a b"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--sandbox 'a b'"), "{stderr}");
}

#[tokio::test]
async fn sandboxes_on_one_redis_do_not_see_each_other() {
    let Some(redis) = RedisServer::start("isolated") else { return };
    let url = redis.url(0);
    let a = Replica::start(&["straddle", "--state", &url, "--sandbox", "team-a"]);
    let a2 = Replica::start(&["straddle", "--state", &url, "--sandbox", "team-a"]);
    let b = Replica::start(&["straddle", "--state", &url, "--sandbox", "team-b"]);
    let plain = Replica::start(&["straddle", "--state", &url]);
    let created = post(&a, "/v1/organizations", json!({"name": "Team A's"}), &[]).await.json();
    let id = created["data"]["id"].as_str().unwrap();
    let total = |answer: Answer| answer.json()["meta"]["total_items"].as_i64().unwrap();
    assert_eq!(total(get(&a2, "/v1/organizations").await), 1, "the same name shares");
    for other in [&b, &plain] {
        assert_eq!(total(get(other, "/v1/organizations").await), 0);
        assert_eq!(get(other, &format!("/v1/organizations/{id}")).await.status, 404);
    }
    post(&b, "/v1/organizations", json!({"name": "Team B's"}), &[]).await;
    assert_eq!(Answer::of(client().post(b.url("/__specmock/reset?to=empty"))).await.status, 200);
    assert_eq!(total(get(&a, "/v1/organizations").await), 1, "a reset of one sandbox leaves the others");
    assert_eq!(total(get(&b, "/v1/organizations").await), 0);
}

#[tokio::test]
async fn seeds_are_loaded_by_the_first_replica_only_and_reset_returns_to_them() {
    let Some(redis) = RedisServer::start("seeds") else { return };
    let dir = std::env::temp_dir().join(format!("specmock-redis-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("seed.yaml");
    std::fs::write(
        &seed,
        "straddle:\n  organizations:\n    - {id: 0b1e6d6a-8f1c-4c55-9a9b-2f0d2a3c4e5f, name: Seeded One}\n    - {id: 7c9e6679-7425-40de-944b-e07fc1f90ae7, name: Seeded Two}\n",
    )
    .unwrap();
    let (url, seed) = (redis.url(0), seed.display().to_string());
    let first = Replica::start(&["straddle", "--state", &url, "--state-seed", &seed]);
    let total = |answer: Answer| answer.json()["meta"]["total_items"].as_i64().unwrap();
    assert_eq!(total(get(&first, "/v1/organizations").await), 2);
    let key = [("idempotency-key", "seeded-key")];
    assert_eq!(post(&first, "/v1/organizations", json!({"name": "Third"}), &key).await.status, 201);

    // A second replica with the same seed joins the sandbox as it is.
    let second = Replica::start(&["straddle", "--state", &url, "--state-seed", &seed]);
    assert_eq!(total(get(&second, "/v1/organizations").await), 3, "not seeded twice");
    let seeded = get(&second, "/v1/organizations/7c9e6679-7425-40de-944b-e07fc1f90ae7").await;
    assert_eq!(seeded.json()["data"]["name"], "Seeded Two");

    // A reset on either goes back to the seed for both, and forgets idempotency keys.
    assert_eq!(Answer::of(client().post(second.url("/__specmock/reset"))).await.status, 200);
    assert_eq!(total(get(&first, "/v1/organizations").await), 2);
    let fresh = post(&first, "/v1/organizations", json!({"name": "Another"}), &key).await;
    assert_eq!((fresh.status, fresh.header("idempotent-replayed")), (201, None));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_password_in_the_url_opens_a_redis_that_requires_one() {
    let Some(redis) = RedisServer::start_with("password", Some("s3cret-pw")) else { return };
    let with = format!("redis://:s3cret-pw@127.0.0.1:{}/2", redis.port);
    let replica = Replica::start(&["straddle", "--state", &with]);
    assert_eq!(post(&replica, "/v1/organizations", json!({"name": "Behind a password"}), &[]).await.status, 201);
    assert_eq!(get(&replica, "/v1/organizations").await.json()["meta"]["total_items"], 1);
    // Without it, or with a wrong one: exit 2, saying what to fix, never showing the password.
    for url in [redis.url(2), format!("redis://:wrong-pw@127.0.0.1:{}/2", redis.port)] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_specmock"))
            .args(["serve", "straddle", "--port", "0", "--state", &url])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("password"), "{stderr}");
        assert!(!stderr.contains("wrong-pw") && !stderr.contains("s3cret-pw"), "{stderr}");
    }
}
