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
use crate::events::{Events, WebhookOptions};
use crate::journal::Journal;
use crate::mock::{Mock, MockOptions};
use crate::reload::{Live, Watching};
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
    /// Where the documents' webhooks go and how they are signed.
    pub webhooks: WebhookOptions,
    /// Reload when a document file changes (`--watch`).
    pub watch: bool,
    /// Exchanges the request journal keeps (`--journal N`); 0 keeps none.
    pub journal: usize,
}

/// `--journal`'s default.
pub const JOURNAL: usize = 1000;

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
            webhooks: WebhookOptions::default(),
            watch: false,
            journal: JOURNAL,
        }
    }
}

/// A server accepting connections.
pub struct Running<H> {
    addr: SocketAddr,
    handler: Arc<H>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    watching: Option<Watching>,
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

    /// Files watched for hot reload (0 when not watching).
    pub fn watched_files(&self) -> usize {
        self.watching.as_ref().map_or(0, Watching::files)
    }

    /// Serves until `signal` completes, then shuts down gracefully.
    pub async fn until(mut self, signal: impl Future<Output = ()>) -> Result<(), Error> {
        signal.await;
        self.shutdown().await
    }

    /// Stops accepting, lets requests in flight finish (within the grace period).
    pub async fn shutdown(&mut self) -> Result<(), Error> {
        self.watching = None;
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
    Ok(Running { addr, handler, stop: Some(stop), task: Some(task), watching: None })
}

/// A mock ready to serve, and the files it was read from (for hot reload).
pub struct Prepared {
    pub mock: Mock,
    pub files: Vec<PathBuf>,
}

/// Loads and assembles what a configuration describes; nothing listens yet.
pub fn prepare(config: &ServeConfig) -> Result<Prepared, Error> {
    let (mounts, mut files) = crate::mounts::mounts_and_paths(&config.specs, &config.mounts)?;
    let mock = assemble(mounts, config)?;
    files.extend(config.mock.rules_file.iter().map(|p| p.canonicalize().unwrap_or_else(|_| p.clone())));
    // What parsing and converting freed stays resident otherwise (see spec::release_freed).
    crate::spec::release_freed();
    Ok(Prepared { mock, files })
}

/// Documents without operations have nothing to serve.
pub fn check_servable(mounts: &[Mount]) -> Result<(), Error> {
    match mounts.iter().find(|m| m.api.operations.is_empty()) {
        Some(empty) => Err(Error::Usage(format!(
            "{}: the document has no operations (its paths are empty), so there is nothing to serve",
            empty.api.source
        ))),
        None => Ok(()),
    }
}

/// The mock of documents already loaded, as the configuration says (its `specs` aside).
pub fn assemble(mounts: Vec<Mount>, config: &ServeConfig) -> Result<Mock, Error> {
    check_servable(&mounts)?;
    let mut options = config.mock.clone();
    if let Some(file) = &config.tokens_file {
        options.tokens = Some(Tokens::load(file).map_err(Error::Usage)?);
    }
    if options.journal.is_none() && config.journal > 0 {
        options.journal = Some(Arc::new(Journal::new(config.journal)));
    }
    let mut store = config.store.as_ref().map(|store| Store::open(&mounts, store)).transpose()?;
    let resources = store.as_ref().map(Store::resource_operations).unwrap_or_default();
    let events = Arc::new(Events::new(&mounts, &config.webhooks, resources).map_err(Error::Usage)?);
    if let Some(store) = &mut store {
        store.listen(Arc::clone(&events) as Arc<dyn crate::store::Listener>);
    }
    let mock = Mock::new(mounts, options)?.with_events(events);
    Ok(match store {
        Some(store) => mock.with_store(store),
        None => mock,
    })
}

/// Serves a prepared mock, reloading it when its files change if the configuration says so.
pub async fn start(prepared: Prepared, config: &ServeConfig) -> Result<Running<Live>, Error> {
    connect(&prepared.mock).await?;
    let live = Arc::new(Live::new(prepared.mock));
    let mut running = listen(&config.host, config.port, Arc::clone(&live), config.limits.clone()).await?;
    if config.watch && !prepared.files.is_empty() {
        running.watching = Some(crate::reload::watch(live, config.clone(), prepared.files)?);
    }
    Ok(running)
}

/// Readies what the mock needs before it serves: a sandbox on Redis connects (and is seeded
/// by the first replica). Unreachable, it is a start-up error.
pub async fn connect(mock: &Mock) -> Result<(), Error> {
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
        .flat_map(|mount: &Mount| {
            let count = mount.api.operations.len();
            let noun = if count == 1 { "operation" } else { "operations" };
            let line =
                format!("  {:<12} {} ({count} {noun}, {})", shown(&mount.prefix), mount.api.title, mount.api.source);
            // What the document got away with (see spec::Api::warnings), under its line.
            std::iter::once(line).chain(mount.api.warnings.iter().map(|w| format!("    warning: {w}")))
        })
        .collect();
    lines.extend(mock.events().map(|e| e.describe()).unwrap_or_default());
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

/// After the server has stopped: lets webhook deliveries under way finish, for at most
/// `within`; returns how many did not.
pub async fn settle(mock: &Mock, within: std::time::Duration) -> usize {
    match mock.events() {
        Some(events) => events.drain(within).await,
        None => 0,
    }
}

/// What the banner says of the development loop: the inspector, reloads, delays, faults.
pub fn devloop_banner<H>(mock: &Mock, running: &Running<H>) -> Vec<String> {
    let options = mock.options();
    let mut lines = Vec::new();
    if let Some(journal) = &options.journal {
        lines.push(format!(
            "  inspector: {}/__specmock/ (the last {} requests, also as JSON at /__specmock/requests)",
            running.url(),
            journal.capacity()
        ));
    }
    match running.watched_files() {
        0 => {}
        1 => lines.push("  reloading on change: 1 file watched".into()),
        n => lines.push(format!("  reloading on change: {n} files watched")),
    }
    if let Some(delay) = options.delay {
        let shown = if delay.min == delay.max {
            format!("{} ms", delay.min.as_millis())
        } else {
            format!("{}..{} ms", delay.min.as_millis(), delay.max.as_millis())
        };
        lines.push(format!("  every answer delayed {shown}"));
    }
    if let Some(faults) = &options.faults {
        lines.push(format!(
            "  faults in {}% of answers (--seed {} repeats them)",
            (faults.rate * 1000.0).round() / 10.0,
            faults.seed
        ));
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
///
/// One worker gets the single-threaded scheduler: its run queue is one unbounded FIFO, so
/// under many connections each waits its turn. The work-stealing scheduler with one worker
/// moves what overflows its 256-task local queue to a global queue it visits only now and
/// then: at 512 busy connections a few of them waited 10× the median (p99 60 ms against 5 ms
/// for the same throughput; bench/README.md).
pub fn runtime(workers: Option<usize>) -> Result<tokio::runtime::Runtime, Error> {
    let workers = workers.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let mut builder = match workers {
        0 => return Err(Error::Usage("--workers must be at least 1".into())),
        1 => tokio::runtime::Builder::new_current_thread(),
        _ => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(workers);
            builder
        }
    };
    builder.enable_all().build().map_err(|e| Error::Runtime(format!("cannot start the runtime: {e}")))
}
