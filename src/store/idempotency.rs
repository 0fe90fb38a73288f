//! Idempotent retries: the first answer to an `Idempotency-Key` is kept and replayed for the
//! same request; the same key with a different request is refused. A key whose request was
//! abandoned (the client went away before an answer) is given up, so a retry runs it.

use crate::reply::reply;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An answer kept for an idempotency key, as the state keeps it (it survives restarts, and a
/// shared store hands it to other replicas).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remembered {
    pub fingerprint: u64,
    /// Wall-clock expiry, in epoch milliseconds (it must survive a restart).
    pub expires: i64,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

impl Remembered {
    /// `None` for an answer that is not text (the sandbox answers JSON, so that is simply
    /// not kept) or a server error (the client should retry for real).
    pub fn of(fingerprint: u64, ttl: Duration, response: &Response<Bytes>) -> Option<Remembered> {
        if response.status().is_server_error() {
            return None;
        }
        Some(Remembered {
            fingerprint,
            expires: now_millis().saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)),
            status: response.status().as_u16(),
            content_type: response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: String::from_utf8(response.body().to_vec()).ok()?,
        })
    }

    pub fn expired(&self) -> bool {
        self.expires <= now_millis()
    }

    /// The kept answer, marked as a replay.
    pub fn replay(&self) -> Response<Bytes> {
        let content_type = self.content_type.as_deref().and_then(|c| HeaderValue::from_str(c).ok());
        // Kept as a number (state files and Redis hold it); one that is no status was not
        // written by specmock, and is answered as the failure it is.
        let status = http::StatusCode::from_u16(self.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = reply(status, content_type, self.body.clone());
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
        response
    }
}

pub fn now_millis() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

pub enum Begin {
    /// First time: answer, then finish (or release).
    Fresh,
    Replay(Remembered),
    Conflict(String),
    /// The state that keeps keys cannot be reached now.
    Unavailable(String),
}

/// What makes two requests "the same": method, target and body — as SHA-256, which (unlike
/// std's hasher) is the same for every build, so a state file's keys outlive an upgrade.
pub fn fingerprint(request: &Request<Bytes>) -> u64 {
    let mut hash = Sha256::new();
    for part in [request.method().as_str().as_bytes(), request.uri().path().as_bytes()] {
        hash.update(part);
        hash.update([0]);
    }
    match request.uri().query() {
        Some(q) => hash.update([b"?", q.as_bytes(), &[0]].concat()),
        None => hash.update([0]),
    }
    hash.update(request.body());
    let digest = hash.finalize();
    u64::from_be_bytes(digest[..8].try_into().unwrap_or_default())
}

enum Entry {
    /// The first request with this key is still being answered.
    Pending {
        fingerprint: u64,
        expires: i64,
    },
    Done(Remembered),
}

impl Entry {
    fn live(&self, now: i64) -> bool {
        match self {
            Entry::Pending { expires, .. } => *expires > now,
            Entry::Done(answer) => answer.expires > now,
        }
    }
}

/// Keys in this process's memory (the embedded state's).
pub struct KeyTable {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

/// Keys kept before expired ones are swept (a sweep is one pass over the table).
const SWEEP_ABOVE: usize = 10_000;

impl KeyTable {
    pub fn new(ttl: Duration) -> Self {
        KeyTable { ttl, entries: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn begin(&self, scope: &str, fingerprint: u64) -> Begin {
        let now = now_millis();
        let mut entries = self.lock();
        if entries.len() > SWEEP_ABOVE {
            entries.retain(|_, e| e.live(now));
        }
        match entries.get(scope).filter(|e| e.live(now)) {
            Some(Entry::Done(answer)) => return held(scope, fingerprint, Some(answer), None),
            Some(Entry::Pending { fingerprint: f, .. }) => return held(scope, fingerprint, None, Some(*f)),
            None => {}
        }
        let expires = now.saturating_add(i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX));
        entries.insert(scope.to_string(), Entry::Pending { fingerprint, expires });
        Begin::Fresh
    }

    pub fn finish(&self, scope: &str, answer: Remembered) {
        self.lock().insert(scope.to_string(), Entry::Done(answer));
    }

    /// Gives up a key still pending; a kept answer stays.
    pub fn release(&self, scope: &str) {
        let mut entries = self.lock();
        if matches!(entries.get(scope), Some(Entry::Pending { .. })) {
            entries.remove(scope);
        }
    }

    /// Forgets every key: after a reset, a replay would describe resources that are gone.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Takes back the keys a state file kept (expired ones are dropped).
    pub fn restore(&self, keys: impl IntoIterator<Item = (String, Remembered)>) {
        let mut entries = self.lock();
        for (scope, answer) in keys {
            if !answer.expired() {
                entries.insert(scope, Entry::Done(answer));
            }
        }
    }
}

/// What a request with `fingerprint` meets when its key is already taken: the kept answer
/// (`done`) or another request still being answered (`pending`, its fingerprint).
pub fn held(scope: &str, fingerprint: u64, done: Option<&Remembered>, pending: Option<u64>) -> Begin {
    match (done, pending) {
        (Some(answer), _) if answer.fingerprint == fingerprint => Begin::Replay(answer.clone()),
        (None, Some(f)) if f == fingerprint => {
            Begin::Conflict(format!("a request with idempotency key '{}' is still being processed", short(scope)))
        }
        _ => Begin::Conflict(format!("idempotency key '{}' was already used for a different request", short(scope))),
    }
}

/// The key as the client wrote it (the scope prefix is ours).
fn short(key: &str) -> &str {
    key.split_once(':').map(|(_, k)| k).unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &'static str) -> Request<Bytes> {
        Request::post("/v1/organizations?x=1").body(Bytes::from_static(body.as_bytes())).unwrap()
    }

    #[test]
    fn fingerprints_are_stable_across_builds() {
        // Pinned (python3: sha256(b"POST\0/v1/organizations\0?x=1\0" + body)[:8]): a change here
        // breaks every idempotency key kept in existing state files.
        assert_eq!(fingerprint(&request(r#"{"name":"Acme"}"#)), 0xc851_1fa7_890a_d9d0);
        assert_ne!(fingerprint(&request(r#"{"name":"Acme"}"#)), fingerprint(&request(r#"{"name":"Acme!"}"#)));
    }

    #[test]
    fn an_abandoned_key_is_given_up() {
        let keys = KeyTable::new(Duration::from_secs(60));
        assert!(matches!(keys.begin("s:k", 1), Begin::Fresh));
        assert!(matches!(keys.begin("s:k", 1), Begin::Conflict(_)));
        keys.release("s:k");
        assert!(matches!(keys.begin("s:k", 1), Begin::Fresh));
    }
}
