//! The shared state (`--state redis://…`): the sandbox on Redis, so that any number of
//! replicas answer as one. Every write is one Lua script, which Redis runs atomically: the
//! checks a write makes (unique values, the maximum count, a free id) and the write itself
//! cannot be separated by another replica's. Changes computed here from an item (PATCH, PUT)
//! are applied only if the item is still the one read, and recomputed otherwise (a bounded
//! number of times). A write is answered only once Redis has replied to it.
//!
//! One reconnecting connection (redis-rs's connection manager, multiplexed) serves all
//! requests. While Redis cannot be reached every operation is [`Outcome::Unavailable`] at
//! once (each request tries to reconnect; none waits for luck), so the replica recovers by
//! itself when Redis is back.

mod encode;
mod keys;
mod operations;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::io::tcp::TcpSettings;
use redis::io::tcp::socket2::TcpKeepalive;
use redis::{ErrorKind, RedisError, Script, ServerErrorKind};
use serde::{Deserialize, Serialize};

use super::Shape;
use crate::store::journal::Data;
use keys::{ResourceKeys, Space};

pub(crate) use keys::{check_name, default_name};

/// How long one attempt to connect may take (an unreachable host does not answer at all).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one command may take before the replica stops waiting and says it is unavailable.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How many times a change is recomputed when other replicas keep changing the item first.
const RETRIES: usize = 32;

/// Why the shared sandbox could not be started.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SharedError {
    pub message: String,
}

/// The sandbox on Redis.
pub(crate) struct Shared {
    client: redis::Client,
    /// The URL as it may be shown (no password).
    shown: String,
    sandbox: String,
    space: Space,
    shapes: Vec<Shape>,
    keys: HashMap<String, ResourceKeys>,
    /// Set once by [`Shared::connect`], at start-up.
    connection: OnceLock<ConnectionManager>,
    ttl: Duration,
    scripts: Arc<Scripts>,
}

struct Scripts {
    create: Script,
    update: Script,
    delete: Script,
    list: Script,
    dump: Script,
    load: Script,
    begin: Script,
    finish: Script,
    release: Script,
}

impl Scripts {
    fn new() -> Scripts {
        Scripts {
            create: Script::new(include_str!("lua/create.lua")),
            update: Script::new(include_str!("lua/update.lua")),
            delete: Script::new(include_str!("lua/delete.lua")),
            list: Script::new(include_str!("lua/list.lua")),
            dump: Script::new(include_str!("lua/dump.lua")),
            load: Script::new(include_str!("lua/load.lua")),
            begin: Script::new(include_str!("lua/begin.lua")),
            finish: Script::new(include_str!("lua/finish.lua")),
            release: Script::new(include_str!("lua/release.lua")),
        }
    }
}

/// What an idempotency key holds in Redis.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Held {
    /// A replica is answering the first request with this key (its fingerprint).
    Pending(u64),
    Done(crate::store::idempotency::Remembered),
}

/// What went wrong talking to Redis.
enum Trouble {
    /// Redis could not be reached: the operation was not sent.
    Unsent(String),
    /// Redis cannot be reached, or cannot take the operation now: retry shortly.
    Unavailable(String),
    /// Anything else (a reply this code does not understand).
    Failed(String),
}

impl From<Trouble> for super::Outcome {
    fn from(trouble: Trouble) -> Self {
        match trouble {
            Trouble::Unsent(m) | Trouble::Unavailable(m) => super::Outcome::Unavailable(m),
            Trouble::Failed(m) => super::Outcome::Failed(m),
        }
    }
}

impl Trouble {
    fn message(self) -> String {
        match self {
            Trouble::Unsent(m) | Trouble::Unavailable(m) | Trouble::Failed(m) => m,
        }
    }
}

/// Runs `op` once more when Redis was not reached — a connection Redis dropped is found
/// dead only when used, and the second try waits for the reconnection — or, for a read
/// (`read`), when it may not have been. A write that may have reached Redis is never sent
/// twice.
async fn again<T, F: Future<Output = Result<T, Trouble>>>(read: bool, op: impl Fn() -> F) -> Result<T, Trouble> {
    match op().await {
        Err(Trouble::Unsent(_)) => op().await,
        Err(Trouble::Unavailable(_)) if read => op().await,
        done => done,
    }
}

/// Whether `url` names a Redis server rather than a state file.
pub(crate) fn is_url(state: &str) -> bool {
    ["redis://", "rediss://", "redis+unix://", "unix://"].iter().any(|scheme| state.starts_with(scheme))
}

impl Shared {
    /// The sandbox `sandbox` on the Redis at `url`, not yet connected; `shapes` are the
    /// resources it holds.
    pub(crate) fn new(url: &str, sandbox: String, shapes: Vec<Shape>, ttl: Duration) -> Result<Shared, SharedError> {
        let shown = keys::shown(url);
        let bad =
            |e: RedisError| SharedError { message: format!("--state {shown}: not a Redis URL this can use: {e}") };
        let info = redis::IntoConnectionInfo::into_connection_info(url).map_err(bad)?;
        // Small commands go out at once (no Nagle delay: that alone halves throughput), and a
        // Redis host that vanished without a word is noticed.
        let keepalive = TcpKeepalive::new().with_time(Duration::from_secs(30)).with_interval(Duration::from_secs(10));
        let info = info.set_tcp_settings(TcpSettings::default().set_nodelay(true).set_keepalive(keepalive));
        let client = redis::Client::open(info).map_err(bad)?;
        let space = Space::new(&sandbox);
        let keys = shapes.iter().map(|s| (s.key.clone(), space.resource(&s.key))).collect();
        Ok(Shared {
            client,
            shown,
            sandbox,
            space,
            shapes,
            keys,
            connection: OnceLock::new(),
            ttl,
            scripts: Arc::new(Scripts::new()),
        })
    }

    /// `redis://host:6379/0, sandbox 'clerk'`, for the start-up banner.
    pub(crate) fn location(&self) -> String {
        format!("on {}, sandbox '{}'", self.shown, self.sandbox)
    }

    /// Connects, and seeds the sandbox with `seed` if no replica has started it before.
    /// Returns whether this replica seeded it.
    pub(crate) async fn connect(&self, seed: &Data) -> Result<bool, SharedError> {
        // rediss:// uses rustls with the same crypto provider as specmock's HTTP client.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let fail = |why: String| SharedError { message: format!("cannot use Redis at {}: {why}", self.shown) };
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            // One attempt per reconnection: a request during an outage fails at once (503)
            // instead of waiting out a back-off, and the next request tries again.
            .set_number_of_retries(0);
        let manager = match self.connection.get() {
            Some(manager) => manager.clone(),
            None => {
                let connecting = ConnectionManager::new_with_config(self.client.clone(), config);
                let manager = tokio::time::timeout(CONNECT_TIMEOUT * 2, connecting)
                    .await
                    .map_err(|_| fail(format!("no answer within {} s", (CONNECT_TIMEOUT * 2).as_secs())))?
                    .map_err(|e| fail(with_hint(&e)))?;
                self.connection.get_or_init(|| manager).clone()
            }
        };
        let seeded = self.load("seed", seed, manager).await.map_err(|t| SharedError { message: t.message() })?;
        Ok(seeded)
    }

    fn connection(&self) -> Result<ConnectionManager, Trouble> {
        self.connection
            .get()
            .cloned()
            .ok_or_else(|| Trouble::Unavailable(format!("the shared sandbox on {} is not connected yet", self.shown)))
    }

    fn keys_of(&self, shape: &Shape) -> ResourceKeys {
        self.keys.get(&shape.key).cloned().unwrap_or_else(|| self.space.resource(&shape.key))
    }

    /// Sorts a Redis error into "retry shortly" and the rest.
    fn trouble(&self, e: &RedisError) -> Trouble {
        let busy = matches!(
            e.kind(),
            ErrorKind::Io
                | ErrorKind::AuthenticationFailed
                | ErrorKind::Server(
                    ServerErrorKind::BusyLoading
                        | ServerErrorKind::TryAgain
                        | ServerErrorKind::ClusterDown
                        | ServerErrorKind::MasterDown
                        | ServerErrorKind::ReadOnly
                )
        ) || e.is_timeout()
            || e.is_connection_dropped()
            || matches!(e.code(), Some("OOM" | "MISCONF" | "BUSY"));
        if matches!(e.code(), Some("NOAUTH" | "WRONGPASS")) {
            Trouble::Unavailable(format!(
                "Redis at {} refuses this replica ({e}): give the password in the URL, redis://:PASSWORD@HOST:PORT/DB",
                self.shown
            ))
        } else if e.is_connection_refusal() {
            Trouble::Unsent(format!("the shared sandbox on {} is unavailable ({e}); retry shortly", self.shown))
        } else if busy {
            Trouble::Unavailable(format!("the shared sandbox on {} is unavailable ({e}); retry shortly", self.shown))
        } else {
            Trouble::Failed(format!("the shared sandbox on {} answered with an error: {e}", self.shown))
        }
    }

    /// Replaces the sandbox with `data` (`reset`), or seeds it unless a replica did (`seed`).
    async fn load(&self, mode: &str, data: &Data, mut conn: ConnectionManager) -> Result<bool, Trouble> {
        let commands = encode::flatten(encode::writes(&self.space, &self.shapes, data));
        let mut call = self.scripts.load.prepare_invoke();
        call.key(self.space.resources()).key(self.space.epoch()).key(self.space.marker());
        call.arg(mode).arg(&self.space.prefix).arg("1");
        for word in &commands {
            call.arg(word);
        }
        let done: i64 = call.invoke_async(&mut conn).await.map_err(|e| self.trouble(&e))?;
        Ok(done == 1)
    }
}

/// A connection error, with what to check.
fn with_hint(e: &RedisError) -> String {
    let text = e.to_string();
    let hint = match e.kind() {
        ErrorKind::Io => "is redis-server running there, and is the port right?",
        ErrorKind::Parse => "what answered there is not a Redis server",
        ErrorKind::AuthenticationFailed => "check the user and password in the URL: redis://USER:PASSWORD@HOST:PORT/DB",
        _ if e.code() == Some("NOAUTH") || text.contains("Authentication required") => {
            "this Redis wants a password: redis://:PASSWORD@HOST:PORT/DB"
        }
        _ => return text,
    };
    format!("{} ({hint})", text.lines().next().unwrap_or_default())
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("url", &self.shown).field("sandbox", &self.sandbox).finish()
    }
}
