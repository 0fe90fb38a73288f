//! Idempotent retries: the first answer to an `Idempotency-Key` is kept and replayed for the
//! same request; the same key with a different request is refused.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};

enum Entry {
    /// The first request with this key is still being answered.
    Pending {
        fingerprint: u64,
        expires: Instant,
    },
    Done {
        fingerprint: u64,
        expires: Instant,
        response: Response<Bytes>,
    },
}

pub struct Idempotency {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

pub enum Begin {
    /// First time: answer, then `finish`.
    Fresh,
    Replay(Response<Bytes>),
    Conflict(String),
}

/// What makes two requests "the same": method, target and body.
pub fn fingerprint(request: &Request<Bytes>) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    request.method().as_str().hash(&mut hasher);
    request.uri().path().hash(&mut hasher);
    request.uri().query().hash(&mut hasher);
    request.body().hash(&mut hasher);
    hasher.finish()
}

fn copy(response: &Response<Bytes>) -> Response<Bytes> {
    let mut out = Response::new(response.body().clone());
    *out.status_mut() = response.status();
    *out.headers_mut() = response.headers().clone();
    out
}

impl Idempotency {
    pub fn new(ttl: Duration) -> Self {
        Idempotency { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub fn begin(&self, key: &str, fingerprint: u64) -> Begin {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() > 10_000 {
            entries.retain(|_, e| match e {
                Entry::Pending { expires, .. } | Entry::Done { expires, .. } => *expires > now,
            });
        }
        match entries.get(key) {
            Some(Entry::Done { fingerprint: f, expires, response }) if *expires > now => {
                if *f == fingerprint {
                    return Begin::Replay(copy(response));
                }
                return Begin::Conflict(format!(
                    "idempotency key '{key_name}' was already used for a different request",
                    key_name = short(key)
                ));
            }
            Some(Entry::Pending { fingerprint: f, expires }) if *expires > now => {
                return Begin::Conflict(if *f == fingerprint {
                    format!("a request with idempotency key '{}' is still being processed", short(key))
                } else {
                    format!("idempotency key '{}' was already used for a different request", short(key))
                });
            }
            _ => {}
        }
        entries.insert(key.to_string(), Entry::Pending { fingerprint, expires: now + self.ttl });
        Begin::Fresh
    }

    pub fn finish(&self, key: &str, fingerprint: u64, response: &Response<Bytes>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // A server error is not an answer worth replaying: let the client retry for real.
        if response.status().is_server_error() {
            entries.remove(key);
            return;
        }
        entries.insert(
            key.to_string(),
            Entry::Done { fingerprint, expires: Instant::now() + self.ttl, response: copy(response) },
        );
    }
}

/// The key as the client wrote it (the scope prefix is ours).
fn short(key: &str) -> &str {
    key.split_once(':').map(|(_, k)| k).unwrap_or(key)
}
