//! Idempotent retries: the first answer to an `Idempotency-Key` is kept and replayed for the
//! same request; the same key with a different request is refused.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};

use super::journal::{Keys, Remembered};

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

    /// Forgets every key: after a reset, a replay would describe resources that are gone.
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Keeps the answer for `key`; says whether it was kept (server errors are not: the
    /// client should retry for real).
    pub fn finish(&self, key: &str, fingerprint: u64, response: &Response<Bytes>) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if response.status().is_server_error() {
            entries.remove(key);
            return false;
        }
        entries.insert(
            key.to_string(),
            Entry::Done { fingerprint, expires: Instant::now() + self.ttl, response: copy(response) },
        );
        true
    }

    /// A kept answer as the state file keeps it; `None` for one that is not text (the
    /// sandbox answers JSON, so that is simply not kept on disk).
    pub fn to_disk(&self, fingerprint: u64, response: &Response<Bytes>) -> Option<Remembered> {
        Some(Remembered {
            fingerprint,
            expires: jiff::Timestamp::now().as_millisecond().saturating_add(self.ttl.as_millis() as i64),
            status: response.status().as_u16(),
            content_type: response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: String::from_utf8(response.body().to_vec()).ok()?,
        })
    }

    /// Takes back the keys a state file kept, with the time each has left.
    pub fn restore(&self, keys: &Keys) {
        let now = jiff::Timestamp::now().as_millisecond();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        for (scope, kept) in keys {
            let left = Duration::from_millis(u64::try_from(kept.expires.saturating_sub(now)).unwrap_or(0));
            let mut response = Response::new(Bytes::from(kept.body.clone()));
            *response.status_mut() = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
            if let Some(ct) = kept.content_type.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
                response.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            entries.insert(
                scope.clone(),
                Entry::Done { fingerprint: kept.fingerprint, expires: Instant::now() + left, response },
            );
        }
    }
}

/// The key as the client wrote it (the scope prefix is ours).
fn short(key: &str) -> &str {
    key.split_once(':').map(|(_, k)| k).unwrap_or(key)
}
