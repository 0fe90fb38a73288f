//! Assembly: a serve or proxy configuration → a running server. The binary, the tests and
//! [`crate::MockServer`] all start servers through here, so they start the same way.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Error;
use crate::check::proxy::{Proxy, ProxyOptions};
use crate::mock::{Mock, MockOptions};
use crate::route::{Mount, shown};
use crate::security::Tokens;
use crate::server::{self, Handler, Limits};
use crate::store::{Store, StoreOptions};

/// Everything `specmock serve` is told.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Built-in names or document files; none serves the four built-ins.
    pub specs: Vec<String>,
    /// `NAME=/prefix` overrides.
    pub mounts: Vec<(String, String)>,
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    pub mock: MockOptions,
    /// `--tokens FILE`, read at start-up.
    pub tokens_file: Option<PathBuf>,
    /// A sandbox, and how to keep it; `None` serves statelessly.
    pub store: Option<StoreOptions>,
    pub limits: Limits,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            specs: Vec::new(),
            mounts: Vec::new(),
            host: "127.0.0.1".into(),
            port: 0,
            mock: MockOptions::default(),
            tokens_file: None,
            store: None,
            limits: Limits::default(),
        }
    }
}

/// A server accepting connections.
pub struct Running<H> {
    addr: SocketAddr,
    handler: Arc<H>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl<H> Running<H> {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn handler(&self) -> &Arc<H> {
        &self.handler
    }

    /// Serves until `signal` completes, then shuts down gracefully.
    pub async fn until(mut self, signal: impl Future<Output = ()>) -> Result<(), Error> {
        signal.await;
        self.shutdown().await
    }

    /// Stops accepting, lets requests in flight finish (within the grace period).
    pub async fn shutdown(&mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => match task.await {
                Ok(result) => result.map_err(|e| Error::Runtime(e.to_string())),
                Err(e) => Err(Error::Runtime(format!("the server task failed: {e}"))),
            },
            None => Ok(()),
        }
    }
}

impl<H> Drop for Running<H> {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds and starts serving `handler` in the background.
pub async fn listen<H: Handler>(host: &str, port: u16, handler: Arc<H>, limits: Limits) -> Result<Running<H>, Error> {
    let address = format!("{host}:{port}");
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .map_err(|source| Error::Bind { address: address.clone(), source })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind { address, source })?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(listener, Arc::clone(&handler), limits, async move {
        let _ = stopped.await;
    }));
    Ok(Running { addr, handler, stop: Some(stop), task: Some(task) })
}

/// The mock (and its sandbox) a configuration describes, ready to serve.
pub fn mock(config: &ServeConfig) -> Result<Mock, Error> {
    assemble(crate::mounts::mounts(&config.specs, &config.mounts)?, config)
}

/// The mock of documents already loaded, as the configuration says (its `specs` aside).
pub fn assemble(mounts: Vec<Mount>, config: &ServeConfig) -> Result<Mock, Error> {
    if let Some(empty) = mounts.iter().find(|m| m.api.operations.is_empty()) {
        return Err(Error::Usage(format!(
            "{}: the document has no operations (its paths are empty), so there is nothing to serve",
            empty.api.source
        )));
    }
    let mut options = config.mock.clone();
    if let Some(file) = &config.tokens_file {
        options.tokens = Some(Tokens::load(file).map_err(Error::Usage)?);
    }
    let store = config.store.as_ref().map(|store| Store::open(&mounts, store)).transpose()?;
    let mock = Mock::new(mounts, options)?;
    Ok(match store {
        Some(store) => mock.with_store(store),
        None => mock,
    })
}

/// Starts `specmock serve` as configured.
pub async fn serve(config: &ServeConfig) -> Result<Running<Mock>, Error> {
    let mock = Arc::new(mock(config)?);
    start(&mock).await?;
    listen(&config.host, config.port, mock, config.limits.clone()).await
}

/// Readies what the mock needs before it serves: a sandbox on Redis connects (and is seeded
/// by the first replica). Unreachable, it is a start-up error.
pub async fn start(mock: &Mock) -> Result<(), Error> {
    match mock.store() {
        Some(store) => Ok(store.start().await?),
        None => Ok(()),
    }
}

/// What the start-up banner says under "listening on": each document and the sandbox.
pub fn banner(mock: &Mock) -> Vec<String> {
    let mut lines: Vec<String> = mock
        .mounts()
        .iter()
        .map(|mount: &Mount| {
            let count = mount.api.operations.len();
            let noun = if count == 1 { "operation" } else { "operations" };
            format!("  {:<12} {} ({count} {noun}, {})", shown(&mount.prefix), mount.api.title, mount.api.source)
        })
        .collect();
    if let Some(store) = mock.store() {
        let described = store.describe();
        let kept = store.kept();
        let served: Vec<String> =
            described.iter().filter(|d| d.stateless.is_none()).map(|d| format!("{}:{}", d.mount, d.resource)).collect();
        let served = if served.is_empty() { "no resources".to_string() } else { served.join(", ") };
        lines.push(format!("  stateful sandbox ({kept}): {served}"));
        for d in described.iter().filter(|d| d.stateless.is_some()) {
            lines.push(format!(
                "  served statelessly: {}:{} — {}",
                d.mount,
                d.resource,
                d.stateless.as_deref().unwrap_or("")
            ));
        }
    }
    lines
}

/// Everything `specmock proxy` is told.
pub struct ProxyConfig {
    pub spec: String,
    pub host: String,
    pub port: u16,
    pub options: ProxyOptions,
    pub tokens_file: Option<PathBuf>,
    pub limits: Limits,
}

/// Starts `specmock proxy` as configured.
pub async fn proxy(mut config: ProxyConfig) -> Result<Running<Proxy>, Error> {
    let (_, api) = crate::mounts::load(&config.spec)?;
    if let Some(file) = &config.tokens_file {
        config.options.tokens = Some(Tokens::load(file).map_err(Error::Usage)?);
    }
    let proxy = Proxy::new(Arc::new(api), config.options).map_err(Error::Usage)?;
    listen(&config.host, config.port, Arc::new(proxy), config.limits).await
}

/// An async runtime with `workers` threads (one per core when not given).
pub fn runtime(workers: Option<usize>) -> Result<tokio::runtime::Runtime, Error> {
    if workers == Some(0) {
        return Err(Error::Usage("--workers must be at least 1".into()));
    }
    let workers = workers.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the runtime: {e}")))
}
