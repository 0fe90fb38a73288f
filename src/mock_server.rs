//! [`MockServer`]: the mock of an OpenAPI document inside a Rust test, on an ephemeral port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::app::{self, Running, ServeConfig};
use crate::journal::{Entry, Filter};
use crate::mock::Mock;
use crate::route::Mount;
use crate::server::Limits;
use crate::store::StoreOptions;
use crate::{Error, spec};

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

    pub(crate) fn load(&self) -> Result<(String, spec::Api), Error> {
        match self {
            Document::Named(name) => Ok(crate::mounts::load(name)?),
            Document::Text { name, text } => Ok((name.clone(), spec::load_text(name, text)?)),
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

    /// A mock with options (a sandbox, a seed, tokens…).
    pub fn builder(document: impl Into<Document>) -> MockServerBuilder {
        let config =
            ServeConfig { limits: Limits { access_log: false, ..Limits::default() }, ..ServeConfig::default() };
        MockServerBuilder { document: document.into(), config }
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

    /// Stops the server, letting requests in flight finish.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        self.running.shutdown().await
    }
}

/// Options for a [`MockServer`], as `specmock serve`'s flags give them.
pub struct MockServerBuilder {
    document: Document,
    config: ServeConfig,
}

impl MockServerBuilder {
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

    /// Exchanges [`MockServer::requests`] keeps (default 1,000; 0 keeps none).
    pub fn journal(mut self, capacity: usize) -> Self {
        self.config.journal = capacity;
        self
    }

    pub async fn start(self) -> Result<MockServer, Error> {
        let (name, api) = self.document.load()?;
        let mounts = vec![Mount { name, prefix: String::new(), api: Arc::new(api) }];
        let mock = Arc::new(app::assemble(mounts, &self.config)?);
        app::connect(&mock).await?;
        let running = app::listen("127.0.0.1", 0, mock, self.config.limits.clone()).await?;
        Ok(MockServer { running })
    }
}
