//! The `specmock` command line: what each subcommand takes (clap), and how it runs
//! (`commands.rs`). The binary's `main` is [`parse`], then [`run`], then
//! [`Error::exit_code`](crate::Error::exit_code).

/// Writes a line to stderr, ignoring a closed pipe: a server whose banner went to
/// `| head -1` must keep serving, not panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Writes a line to stdout, ignoring a closed pipe (`specmock routes x | head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod commands;
mod logging;
mod verdicts;

use std::path::PathBuf;

use crate::check::ReportTarget;
use crate::units::DelayRange;
use clap::{ArgAction, Parser, Subcommand};

pub use commands::run;

/// Parses the command line. `-h` is help, as everywhere; someone who typed `-h 0.0.0.0`
/// meant `--host`, and is told so instead of being shown the help.
pub fn parse() -> Result<Cli, String> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(host) = host_after_dash_h(&args) {
        return Err(format!(
            "-h is help; to listen on {host}, write --host {host}\n\n  specmock serve --host {host} [SPEC]..."
        ));
    }
    Ok(Cli::parse_from(args))
}

/// The value after `-h`, when it looks like an address rather than anything else.
fn host_after_dash_h(args: &[std::ffi::OsString]) -> Option<String> {
    let at = args.iter().position(|a| a == "-h")?;
    let next = args.get(at + 1)?.to_str()?;
    let hostname = next.contains('.')
        && next.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && ![".yaml", ".yml", ".json"].iter().any(|ext| next.ends_with(ext));
    let address = next.parse::<std::net::IpAddr>().is_ok() || next == "localhost" || hostname;
    address.then(|| next.to_string())
}

#[derive(Parser)]
#[command(
    name = "specmock",
    version,
    about = "Mock, sandbox and contract-check APIs from their OpenAPI documents",
    long_about = "Mock, sandbox and contract-check APIs from their OpenAPI documents.\n\n\
                  Built-in APIs: scalekit, straddle, clerk, zitadel.\n\
                  Exit codes: 0 success, 1 failure (violations found, or the server failed), 2 usage or document error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Serve mock APIs: documented examples, generated bodies and documented errors.
    #[command(visible_alias = "mock")]
    Serve(ServeArgs),
    /// Judge recorded exchanges (fixtures or HAR files) against a document.
    Validate(ValidateArgs),
    /// Send requests to a live server and judge every answer against the document.
    Check(CheckArgs),
    /// Forward traffic to a real server and judge every request and response on the way.
    Proxy(ProxyArgs),
    /// Check a document against itself: examples against their schemas, $refs, documented
    /// statuses (2xx, 401, 4xx), path parameters, operationIds.
    Lint(LintArgs),
    /// Print every operation of a document: method, path, operationId, documented statuses.
    Routes {
        /// A Swagger 2.0 or OpenAPI 3.0/3.1/3.2 file or http(s) URL (YAML or JSON), or a built-in name.
        spec: String,
    },
    /// Print a shell completion script: specmock completions bash > /etc/bash_completion.d/specmock
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Documents to serve: built-in names (scalekit, straddle, clerk, zitadel), files or http(s) URLs.
    /// None: all four built-ins under /scalekit, /straddle, /clerk and /zitadel.
    /// One: served at the root. Several: each under /<name> (its file stem).
    #[arg(value_name = "SPEC")]
    pub specs: Vec<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one and prints it).
    #[arg(long, short, default_value_t = 4010)]
    pub port: u16,
    /// Threads answering requests (default: one per CPU core).
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub workers: Option<usize>,
    /// Serve a document under PREFIX. NAME is a built-in name, a file stem, or the file as given
    /// (for two files with the same stem), e.g. --mount clerk=/api/clerk --mount ../specs/bapi/v1.yml=/bapi.
    #[arg(long = "mount", value_name = "NAME=/PREFIX", value_parser = crate::mounts::parse_mount)]
    pub mounts: Vec<(String, String)>,
    /// Generate bodies from schemas even where examples exist (per request: Prefer: dynamic=true).
    #[arg(long, short)]
    pub dynamic: bool,
    /// Seed for generated bodies (per request: Prefer: seed=N) and for --faults: the same seed
    /// gives the same bodies and breaks the same requests.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Reload when a document, a file it $refs, or the rules file changes.
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub watch: bool,
    /// Delay every answer: 200ms, or a range drawn from uniformly: 100ms..400ms
    /// (per request: Prefer: delay=300, ?__delay=300; per operation: x-specmock-delay).
    #[arg(long, value_name = "DELAY")]
    pub delay: Option<DelayRange>,
    /// Break this share of answers (0.05 or 5%) with a random fault: reset, close, empty,
    /// malformed or slow-body (per request: Prefer: fault=NAME). Reproducible with --seed.
    #[arg(long, value_name = "RATE", value_parser = crate::mock::parse_rate)]
    pub faults: Option<f64>,
    /// YAML/JSON file of rules choosing answers by request content (see README, "Rules").
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Keep the last N exchanges for /__specmock/requests and the inspector (0: none).
    #[arg(long, value_name = "N", default_value_t = crate::app::JOURNAL)]
    pub journal: usize,
    /// Access log lines as text, or as one JSON object per line.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    /// Validate requests against the document (false: answer even invalid requests).
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub validate_request: bool,
    /// Answer CORS preflight requests and add CORS headers to answers.
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub cors: bool,
    /// YAML/JSON file of tokens and what each may do (see README, "Tokens and 403").
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Largest request body accepted, e.g. 10MiB, 512KiB, 1000000 (413 beyond it).
    #[arg(long, default_value = "10MiB", value_parser = crate::units::parse_size, value_name = "SIZE")]
    pub max_body: usize,
    /// Seconds a connection may wait for its next request (new, slow or idle keep-alive
    /// connections are closed after it), and then for the request's body (408).
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub read_timeout: u64,
    /// Keep state: POST creates, GET reads, PATCH/PUT change, DELETE removes (in memory).
    #[arg(long)]
    pub stateful: bool,
    /// Keep state in FILE, across restarts; or on Redis, shared by every replica given the same
    /// URL and sandbox: redis://[:PASSWORD@]HOST:PORT/DB, rediss://… for TLS (implies --stateful).
    #[arg(long, value_name = "FILE|URL")]
    pub state: Option<String>,
    /// With --state redis://…: the sandbox's name. Replicas with the same name share one
    /// sandbox; other names are isolated on the same Redis (default: the served documents' names).
    #[arg(long, value_name = "NAME")]
    pub sandbox: Option<String>,
    /// Resources to start with, and to go back to on POST /__specmock/reset (JSON or YAML).
    #[arg(long, value_name = "FILE")]
    pub state_seed: Option<PathBuf>,
    /// Bearer token for /__specmock/ (without it, only loopback clients may use it).
    #[arg(long, value_name = "TOKEN")]
    pub admin_token: Option<String>,
    /// Send the documents' webhooks (fired by sandbox writes, or POST /__specmock/webhooks/NAME)
    /// to URL; NAME=URL for one document's only (repeatable).
    #[arg(long = "webhook-url", value_name = "URL|NAME=URL")]
    pub webhook_urls: Vec<String>,
    /// Secret that signs webhooks as each document says (x-specmock-webhook-signature; Svix and
    /// Standard Webhooks take whsec_<base64>); NAME=SECRET for one document's (repeatable).
    #[arg(long = "webhook-secret", value_name = "SECRET|NAME=SECRET")]
    pub webhook_secrets: Vec<String>,
    /// Retries of a webhook delivery that fails or answers non-2xx, with exponential backoff.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub webhook_retries: u32,
    /// Seconds an Idempotency-Key is remembered.
    #[arg(long, default_value_t = 86_400, value_name = "SECS")]
    pub idempotency_ttl: u64,
    /// Check every answer against its documented schema before sending it; answer 500
    /// (problem+json listing the violations) instead of an answer that breaks the document.
    #[arg(long)]
    pub validate_responses: bool,
    /// Do not log a line per request.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Args)]
pub(crate) struct ValidateArgs {
    /// The document: a file, an http(s) URL or a built-in name.
    #[arg(long)]
    pub spec: String,
    /// Fixture files (our JSON/YAML format, see README) or HAR files; directories are searched.
    #[arg(required = true, value_name = "FIXTURE")]
    pub fixtures: Vec<PathBuf>,
    /// Also write a report: json=FILE or junit=FILE, '-' for standard output (repeatable).
    #[arg(long = "report", value_name = "KIND=FILE")]
    pub reports: Vec<ReportTarget>,
    /// Print only the exchanges that fail or warn.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// Which rules count, and how much (check and validate).
#[derive(clap::Args)]
pub(crate) struct RuleArgs {
    /// Only these rules, e.g. --checks body-schema,status-documented (repeatable).
    #[arg(long = "checks", value_name = "RULE,...")]
    pub checks: Vec<String>,
    /// Leave out these rules, e.g. --exclude-checks error-documented (repeatable).
    #[arg(long = "exclude-checks", value_name = "RULE,...")]
    pub exclude_checks: Vec<String>,
    /// Warnings (gaps in the document) fail the run too.
    #[arg(long)]
    pub strict: bool,
}

impl RuleArgs {
    pub fn filter(&self) -> Result<crate::check::RuleFilter, crate::Error> {
        crate::check::RuleFilter::new(&self.checks, &self.exclude_checks, self.strict).map_err(crate::Error::Usage)
    }
}

#[derive(clap::Args)]
pub(crate) struct LintArgs {
    /// An OpenAPI file (YAML or JSON), an http(s) URL, or a built-in name.
    #[arg(value_name = "DOC")]
    pub spec: String,
    /// Also write a report: json=FILE or junit=FILE, '-' for standard output (repeatable).
    #[arg(long = "report", value_name = "KIND=FILE")]
    pub reports: Vec<ReportTarget>,
    /// Warnings (missing 401s, 4xxs, 2xxs) fail too.
    #[arg(long)]
    pub strict: bool,
}

#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// The document: a file, an http(s) URL or a built-in name.
    #[arg(long)]
    pub spec: String,
    /// Where the server under test listens, including any base path (https://api.example.com/v1).
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    /// Authorization header for requests that should be allowed, e.g. 'Bearer sk_test_123'.
    #[arg(long, value_name = "VALUE")]
    pub auth: Option<String>,
    /// An extra header on every request, e.g. --header 'X-API-Key: abc' (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// Only these operations (operationId or 'METHOD /path'; repeatable).
    #[arg(long = "operation", value_name = "ID")]
    pub operations: Vec<String>,
    /// Only operations with this tag (repeatable).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Send at most this many requests (valid requests for every operation come first).
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub max_requests: Option<usize>,
    /// Seed for generated requests: the same seed sends the same requests.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Random valid requests per operation, besides the boundary cases (0: none).
    #[arg(long, value_name = "N", default_value_t = crate::check::DEFAULT_MAX_EXAMPLES)]
    pub max_examples: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = at_least_one)]
    pub concurrency: usize,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub timeout: u64,
    /// Also write a report: json=FILE or junit=FILE, '-' for standard output (repeatable).
    #[arg(long = "report", value_name = "KIND=FILE")]
    pub reports: Vec<ReportTarget>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Skip the lifecycle checks (create → read → update → list → delete of each resource).
    #[arg(long)]
    pub no_stateful: bool,
}

#[derive(clap::Args)]
pub(crate) struct ProxyArgs {
    /// The document: a file, an http(s) URL or a built-in name.
    #[arg(long)]
    pub spec: String,
    /// The real server to forward to, including any base path.
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one and prints it).
    #[arg(long, short, default_value_t = 4011)]
    pub port: u16,
    /// Threads answering requests (default: one per CPU core).
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub workers: Option<usize>,
    /// Answer invalid requests here (401/403/415/422 in the document's style) instead of forwarding them.
    #[arg(long)]
    pub strict: bool,
    /// With --strict: tokens and what each may do (see README, "Tokens and 403").
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Write every exchange into DIR as a fixture that `specmock validate` reads.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Seconds to wait for the upstream.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// Largest request body accepted, e.g. 10MiB.
    #[arg(long, default_value = "10MiB", value_parser = crate::units::parse_size, value_name = "SIZE")]
    pub max_body: usize,
    /// Do not log a line per request.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A count that must not be zero (`--concurrency 0` would never send, `--max-requests 0` checks nothing).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{text}' is not a whole number")),
    }
}

/// `Name: value` (or `Name:value`).
fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) =
        text.split_once(':').ok_or_else(|| format!("--header '{text}' must look like 'Name: value'"))?;
    let name = name.trim();
    if name.is_empty() || http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(format!("--header '{text}': '{name}' is not a header name"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}
