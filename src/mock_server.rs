//! [`MockServer`]: the mock of an OpenAPI document inside a Rust test, on an ephemeral port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::app::{self, Running, ServeConfig};
use crate::journal::{Entry, Filter};
use crate::mock::Mock;
use crate::mounts::Named;
use crate::server::Limits;
use crate::store::StoreOptions;
use crate::{Contract, Error, spec};

/// A document to mock or to judge traffic against.
#[derive(Debug, Clone)]
pub enum Document {
    /// A built-in API's name (`clerk`) or a document file's path.
    Named(String),
    /// A document's text (YAML or JSON), and the name its errors and sandbox go by.
    Text { name: String, text: String },
}

impl Document {
    /// A document held in memory.
    pub fn text(name: impl Into<String>, text: impl Into<String>) -> Document {
        Document::Text { name: name.into(), text: text.into() }
    }

    pub(crate) fn load(&self) -> Result<Named, Error> {
        match self {
            Document::Named(arg) => {
                let (stem, api) = crate::mounts::load(arg)?;
                Ok(Named { arg: arg.clone(), stem, api })
            }
            Document::Text { name, text } => {
                Ok(Named { arg: name.clone(), stem: name.clone(), api: spec::load_text(name, text)? })
            }
        }
    }
}

impl From<&str> for Document {
    fn from(name: &str) -> Document {
        Document::Named(name.to_string())
    }
}

impl From<String> for Document {
    fn from(name: String) -> Document {
        Document::Named(name)
    }
}

impl From<&std::path::Path> for Document {
    fn from(path: &std::path::Path) -> Document {
        Document::Named(path.display().to_string())
    }
}

/// An in-process mock of an OpenAPI document, answering on `127.0.0.1` at an ephemeral port
/// exactly as `specmock serve` would. It stops when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let _ = rustls::crypto::ring::default_provider().install_default();
/// let server = specmock::MockServer::builder("clerk").stateful().start().await?;
/// let url = format!("{}/v1/organizations", server.url());
/// let client = reqwest::Client::new();
/// // No credentials: Clerk's own 401.
/// assert_eq!(client.get(&url).send().await?.status(), 401);
/// // The sandbox keeps what is created.
/// let created: serde_json::Value =
///     client.post(&url).bearer_auth("t").json(&serde_json::json!({"name": "Acme"})).send().await?.json().await?;
/// let read = client.get(format!("{url}/{}", created["id"].as_str().unwrap())).bearer_auth("t").send().await?;
/// assert_eq!(read.status(), 200);
/// # Ok(()) }
/// ```
pub struct MockServer {
    running: Running<Mock>,
}

impl MockServer {
    /// Mocks one document: a built-in name, a file, or a [`Document::text`].
    pub async fn start(document: impl Into<Document>) -> Result<MockServer, Error> {
        MockServer::builder(document).start().await
    }

    /// A mock with options (a sandbox, a seed, tokens…), of one document or, with
    /// [`MockServerBuilder::and`], several.
    pub fn builder(document: impl Into<Document>) -> MockServerBuilder {
        let config =
            ServeConfig { limits: Limits { access_log: false, ..Limits::default() }, ..ServeConfig::default() };
        MockServerBuilder { documents: vec![document.into()], config }
    }

    /// `http://127.0.0.1:PORT`: the document's paths are served under it.
    pub fn url(&self) -> String {
        self.running.url()
    }

    pub fn addr(&self) -> SocketAddr {
        self.running.addr()
    }

    /// The exchanges the mock has answered, oldest first (the request journal: the last
    /// 1,000 unless the builder says otherwise; empty with `.journal(0)`). Credentials the
    /// document declares are redacted, as in `/__specmock/requests`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let server = specmock::MockServer::start("straddle").await?;
    /// reqwest::get(format!("{}/v1/organizations", server.url())).await?;
    /// let seen = server.requests();
    /// assert_eq!((seen.len(), seen[0].path(), seen[0].status), (1, "/v1/organizations", 401));
    /// # Ok(()) }
    /// ```
    pub fn requests(&self) -> Vec<Arc<Entry>> {
        let Some(journal) = &self.running.handler().options().journal else { return Vec::new() };
        let mut entries = journal.list(&Filter { limit: usize::MAX, ..Filter::default() });
        entries.reverse();
        entries
    }

    /// The documents this server mocks, each under the prefix it is served at: to judge what
    /// it answered (or what your client sent it) with the same compiled documents, without
    /// loading them again.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let server = specmock::MockServer::builder("clerk").and("zitadel").start().await?;
    /// let answer = reqwest::get(format!("{}/clerk/v1/organizations", server.url())).await?;
    /// let status = answer.status();
    /// let response = http::Response::builder().status(status).body(answer.bytes().await?)?;
    /// let verdict = server.contract()?.judge_response(&http::Method::GET, "/clerk/v1/organizations", &response);
    /// assert_eq!(verdict.operation.as_deref(), Some("ListOrganizations"));
    /// # Ok(()) }
    /// ```
    pub fn contract(&self) -> Result<Contract, Error> {
        Contract::of_mounts(self.running.handler().mounts())
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        self.running.shutdown().await
    }
}

/// Options for a [`MockServer`], as `specmock serve`'s flags give them.
pub struct MockServerBuilder {
    documents: Vec<Document>,
    config: ServeConfig,
}

impl MockServerBuilder {
    /// Serves another document beside the first: as with `specmock serve A B`, each is then
    /// served under `/<name>` (the built-in's name or the file stem) instead of at the root.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let server = specmock::MockServer::builder("clerk").and("zitadel").start().await?;
    /// let answer = reqwest::get(format!("{}/clerk/v1/organizations", server.url())).await?;
    /// assert_eq!(answer.status(), 401, "Clerk's own answer, under /clerk");
    /// # Ok(()) }
    /// ```
    pub fn and(mut self, document: impl Into<Document>) -> Self {
        self.documents.push(document.into());
        self
    }

    /// A stateful sandbox in memory (`--stateful`): POST creates, GET reads what was created.
    pub fn stateful(mut self) -> Self {
        self.config.store.get_or_insert_with(StoreOptions::default);
        self
    }

    /// The sandbox kept in a file (`--state FILE`).
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self = self.stateful();
        if let Some(store) = &mut self.config.store {
            store.state_file = Some(path.into());
        }
        self
    }

    /// Resources the sandbox starts with (`--state-seed FILE`).
    pub fn state_seed(mut self, path: impl Into<PathBuf>) -> Self {
        self = self.stateful();
        if let Some(store) = &mut self.config.store {
            store.seed_file = Some(path.into());
        }
        self
    }

    /// Generated bodies repeat byte for byte (`--seed N`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.mock.seed = Some(seed);
        self
    }

    /// Bodies generated from schemas even where examples exist (`--dynamic`).
    pub fn dynamic(mut self, dynamic: bool) -> Self {
        self.config.mock.dynamic = dynamic;
        self
    }

    /// Requests validated against the document (`--validate-request`, on by default).
    pub fn validate_requests(mut self, validate: bool) -> Self {
        self.config.mock.validate_requests = validate;
        self
    }

    /// Tokens and what each may do (`--tokens FILE`).
    pub fn tokens_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.tokens_file = Some(path.into());
        self
    }

    /// The bearer token `/__specmock/` requires (`--admin-token`).
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.config.mock.admin_token = Some(token.into());
        self
    }

    /// Where the document's webhooks go (`--webhook-url`; repeatable).
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.config.webhooks.urls.push(url.into());
        self
    }

    /// The secret webhooks are signed with (`--webhook-secret`).
    pub fn webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.config.webhooks.secrets.push(secret.into());
        self
    }

    /// Answers carry CORS headers and preflights are answered (`--cors`, on by default).
    pub fn cors(mut self, cors: bool) -> Self {
        self.config.mock.cors = cors;
        self
    }

    /// Every answer the mock gives is validated against the document first, and one that
    /// does not conform is a 500 naming why (off by default): for documents whose examples
    /// may be wrong.
    pub fn validate_responses(mut self, validate: bool) -> Self {
        self.config.mock.validate_responses = validate;
        self
    }

    /// The largest request body accepted (`--max-body`); larger ones are answered 413.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.config.limits.max_body = bytes;
        self
    }

    /// How long a request may take to arrive whole (`--read-timeout`).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.config.limits.read_timeout = timeout;
        self
    }

    /// How long the sandbox remembers an `Idempotency-Key` (`--idempotency-ttl`).
    pub fn idempotency_ttl(mut self, ttl: Duration) -> Self {
        self = self.stateful();
        if let Some(store) = &mut self.config.store {
            store.idempotency_ttl = ttl;
        }
        self
    }

    /// The wait before a failed webhook delivery's first retry, doubling for each retry
    /// after (500 ms unless set; a test of retries wants it short).
    pub fn webhook_backoff(mut self, backoff: Duration) -> Self {
        self.config.webhooks.backoff = backoff;
        self
    }

    /// Exchanges [`MockServer::requests`] keeps (default 1,000; 0 keeps none).
    pub fn journal(mut self, capacity: usize) -> Self {
        self.config.journal = capacity;
        self
    }

    pub async fn start(self) -> Result<MockServer, Error> {
        let named = self.documents.iter().map(Document::load).collect::<Result<Vec<_>, _>>()?;
        let mounts = crate::mounts::place(named, &[])?;
        let mock = Arc::new(app::assemble(mounts, &self.config)?);
        app::connect(&mock).await?;
        let running = app::listen("127.0.0.1", 0, mock, self.config.limits.clone()).await?;
        Ok(MockServer { running })
    }
}
