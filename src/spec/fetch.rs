//! Reading the bytes of a document's files: from disk, or over HTTP(S). Each read is
//! bounded in size (a mistyped path to `/dev/zero` or a URL that streams forever stops
//! with an error) and, for URLs, in time.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;

/// The largest file a document may consist of (each file of a multi-file document).
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// How long one URL may take, from connecting to the last byte, unless the environment
/// variable `SPECMOCK_FETCH_TIMEOUT` gives another number of seconds.
pub const URL_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REDIRECTS: usize = 5;

/// Where a file of a document lives; also what its relative `$ref`s start from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// A canonical path on disk.
    File(PathBuf),
    Url(Url),
    /// A document held in memory (the built-ins): it may not refer to other files.
    Embedded,
}

impl Address {
    /// The file at `path`, canonical when it exists (so two spellings of one file are one file).
    pub fn file(path: &Path) -> Address {
        Address::File(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()))
    }

    /// Where `reference` (the part of a `$ref` before `#`) written in this file points.
    pub fn join(&self, reference: &str) -> Result<Address, String> {
        if let Ok(url) = Url::parse(reference)
            && url.scheme().len() > 1
        {
            return match url.scheme() {
                "http" | "https" => Ok(Address::Url(without_fragment(url))),
                "file" if !matches!(self, Address::Url(_)) => url
                    .to_file_path()
                    .map(|p| Address::file(&p))
                    .map_err(|()| format!("'{reference}' is not a file path")),
                "file" => Err(format!("a document read from a URL may not refer to the local file '{reference}'")),
                other => {
                    Err(format!("'{reference}': `{other}:` references cannot be read (only files and http(s) URLs)"))
                }
            };
        }
        match self {
            Address::File(path) => {
                let decoded = percent_encoding::percent_decode_str(reference).decode_utf8_lossy();
                let dir = path.parent().unwrap_or(Path::new(""));
                Ok(Address::file(&dir.join(decoded.as_ref())))
            }
            Address::Url(base) => base
                .join(reference)
                .map(|url| Address::Url(without_fragment(url)))
                .map_err(|e| format!("'{reference}' is not a URL relative to {base}: {e}")),
            Address::Embedded => Err(format!("$ref to file '{reference}' is not allowed in an embedded document")),
        }
    }
}

fn without_fragment(mut url: Url) -> Url {
    url.set_fragment(None);
    url
}

/// Reads files and URLs; the HTTP client and its runtime are made on first use.
#[derive(Default)]
pub struct Fetcher {
    remote: Option<(tokio::runtime::Runtime, reqwest::Client)>,
}

/// The time allowed per URL: `SPECMOCK_FETCH_TIMEOUT` seconds (at least 1), else [`URL_TIMEOUT`].
fn url_timeout() -> Duration {
    std::env::var("SPECMOCK_FETCH_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(URL_TIMEOUT, |secs| Duration::from_secs(secs.max(1)))
}

/// A file's text, and the address its relative references start from (after redirects).
pub struct Fetched {
    pub text: String,
    pub address: Address,
}

impl Fetcher {
    /// Reads one file. Must not run on an async runtime's thread: the loader calls it from
    /// a thread of its own (see `load.rs`).
    pub fn read(&mut self, address: &Address) -> Result<Fetched, String> {
        match address {
            Address::File(path) => Ok(Fetched { text: read_file(path)?, address: address.clone() }),
            Address::Url(url) => self.read_url(url),
            Address::Embedded => Err("an embedded document has no file to read".into()),
        }
    }

    fn read_url(&mut self, url: &Url) -> Result<Fetched, String> {
        if self.remote.is_none() {
            self.remote = Some(remote()?);
        }
        let Some((runtime, client)) = &self.remote else { return Err("no HTTP client".into()) };
        runtime.block_on(async {
            let mut response = client.get(url.clone()).send().await.map_err(|e| describe(&e))?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("the server answered HTTP {status}"));
            }
            if response.content_length().is_some_and(|n| n > MAX_FILE_BYTES) {
                return Err(too_large());
            }
            let final_url = response.url().clone();
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
                if (bytes.len() + chunk.len()) as u64 > MAX_FILE_BYTES {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            let text = String::from_utf8(bytes).map_err(|_| "the document is not UTF-8 text".to_string())?;
            Ok(Fetched { text, address: Address::Url(without_fragment(final_url)) })
        })
    }
}

fn remote() -> Result<(tokio::runtime::Runtime, reqwest::Client), String> {
    // rustls needs one crypto provider per process; a second install is a harmless no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start an HTTP runtime: {e}"))?;
    let client = reqwest::Client::builder()
        .timeout(url_timeout())
        .connect_timeout(CONNECT_TIMEOUT.min(url_timeout()))
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        .user_agent(concat!("specmock/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    Ok((runtime, client))
}

/// reqwest's message plus its causes (the useful part, e.g. "Connection refused", is a cause).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        let secs = url_timeout().as_secs();
        return format!(
            "no complete answer within {secs} second{} (SPECMOCK_FETCH_TIMEOUT)",
            if secs == 1 { "" } else { "s" }
        );
    }
    let mut message = String::from("cannot fetch it");
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(e);
    for _ in 0..8 {
        let Some(c) = cause else { break };
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    message
}

fn too_large() -> String {
    format!("the document is larger than {} MiB", MAX_FILE_BYTES >> 20)
}

fn read_file(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())
}
