//! The command line: parse arguments, call the library, print, exit.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{ArgAction, Parser, Subcommand};
use specmock::check::proxy::{Proxy, ProxyOptions};
use specmock::check::{self, Destination, ReportTarget, RuleFilter, Verdict};
use specmock::mock::{Mock, MockOptions};
use specmock::mounts::{self, MountError};
use specmock::security::Tokens;
use specmock::server::{self, Limits};
use specmock::store::{Store, StoreOptions};

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

#[derive(Parser)]
#[command(
    name = "specmock",
    version,
    about = "Mock, sandbox and contract-check APIs from their OpenAPI documents",
    long_about = "Mock, sandbox and contract-check APIs from their OpenAPI documents.\n\n\
                  Built-in APIs: scalekit, straddle, clerk, zitadel.\n\
                  Exit codes: 0 success, 1 failure (violations found, or the server failed), 2 usage or document error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve mock APIs: documented examples, generated bodies and documented errors.
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
        /// An OpenAPI 3.0/3.1/3.2 file (YAML or JSON), or a built-in name (scalekit, straddle, clerk, zitadel).
        spec: String,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Documents to serve: built-in names (scalekit, straddle, clerk, zitadel) or OpenAPI files.
    /// None: all four built-ins under /scalekit, /straddle, /clerk and /zitadel.
    /// One: served at the root. Several: each under /<name> (its file stem).
    #[arg(value_name = "SPEC")]
    specs: Vec<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one and prints it).
    #[arg(long, short, default_value_t = 4010)]
    port: u16,
    /// Threads answering requests (default: one per CPU core).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Serve a document under PREFIX. NAME is a built-in name, a file stem, or the file as given
    /// (for two files with the same stem), e.g. --mount clerk=/api/clerk --mount ../specs/bapi/v1.yml=/bapi.
    #[arg(long = "mount", value_name = "NAME=/PREFIX", value_parser = mounts::parse_mount)]
    mounts: Vec<(String, String)>,
    /// Generate bodies from schemas even where examples exist (per request: Prefer: dynamic=true).
    #[arg(long)]
    dynamic: bool,
    /// Seed for generated bodies, so they repeat byte for byte (per request: Prefer: seed=N).
    #[arg(long)]
    seed: Option<u64>,
    /// Validate requests against the document (false: answer even invalid requests).
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    validate_request: bool,
    /// Answer CORS preflight requests and add CORS headers to answers.
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    cors: bool,
    /// YAML/JSON file of tokens and what each may do (see README, "Tokens and 403").
    #[arg(long, value_name = "FILE")]
    tokens: Option<PathBuf>,
    /// Largest request body accepted, e.g. 10MiB, 512KiB, 1000000 (413 beyond it).
    #[arg(long, default_value = "10MiB", value_parser = parse_size, value_name = "SIZE")]
    max_body: usize,
    /// Seconds a connection may wait for its next request (new, slow or idle keep-alive
    /// connections are closed after it), and then for the request's body (408).
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    read_timeout: u64,
    /// Keep state: POST creates, GET reads, PATCH/PUT change, DELETE removes (in memory).
    #[arg(long)]
    stateful: bool,
    /// Keep state in FILE, across restarts (implies --stateful).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Resources to start with, and to go back to on POST /__specmock/reset (JSON or YAML).
    #[arg(long, value_name = "FILE")]
    state_seed: Option<PathBuf>,
    /// Bearer token for /__specmock/ (without it, only loopback clients may use it).
    #[arg(long, value_name = "TOKEN")]
    admin_token: Option<String>,
    /// Seconds an Idempotency-Key is remembered.
    #[arg(long, default_value_t = 86_400, value_name = "SECS")]
    idempotency_ttl: u64,
    /// Check every answer against its documented schema before sending it; answer 500
    /// (problem+json listing the violations) instead of an answer that breaks the document.
    #[arg(long)]
    validate_responses: bool,
    /// Do not log a line per request.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// The document: an OpenAPI file or a built-in name.
    #[arg(long)]
    spec: String,
    /// Fixture files (our JSON/YAML format, see README) or HAR files; directories are searched.
    #[arg(required = true, value_name = "FIXTURE")]
    fixtures: Vec<PathBuf>,
    /// Also write a report: json=FILE or junit=FILE, '-' for standard output (repeatable).
    #[arg(long = "report", value_name = "KIND=FILE")]
    reports: Vec<ReportTarget>,
    /// Print only the exchanges that fail or warn.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    rules: RuleArgs,
}

/// Which rules count, and how much (check and validate).
#[derive(clap::Args)]
struct RuleArgs {
    /// Only these rules, e.g. --checks body-schema,status-documented (repeatable).
    #[arg(long = "checks", value_name = "RULE,...")]
    checks: Vec<String>,
    /// Leave out these rules, e.g. --exclude-checks error-documented (repeatable).
    #[arg(long = "exclude-checks", value_name = "RULE,...")]
    exclude_checks: Vec<String>,
    /// Warnings (gaps in the document) fail the run too.
    #[arg(long)]
    strict: bool,
}

impl RuleArgs {
    fn filter(&self) -> Result<RuleFilter, String> {
        RuleFilter::new(&self.checks, &self.exclude_checks, self.strict)
    }
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The document: an OpenAPI file or a built-in name.
    #[arg(long)]
    spec: String,
    /// Where the server under test listens, including any base path (https://api.example.com/v1).
    #[arg(long, value_name = "URL")]
    base_url: String,
    /// Authorization header for requests that should be allowed, e.g. 'Bearer sk_test_123'.
    #[arg(long, value_name = "VALUE")]
    auth: Option<String>,
    /// An extra header on every request, e.g. --header 'X-API-Key: abc' (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE", value_parser = parse_header)]
    headers: Vec<(String, String)>,
    /// Only these operations (operationId or 'METHOD /path'; repeatable).
    #[arg(long = "operation", value_name = "ID")]
    operations: Vec<String>,
    /// Only operations with this tag (repeatable).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Send at most this many requests (valid requests for every operation come first).
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    max_requests: Option<usize>,
    /// Seed for generated requests: the same seed sends the same requests.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = at_least_one)]
    concurrency: usize,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    timeout: u64,
    /// Also write a report: json=FILE or junit=FILE, '-' for standard output (repeatable).
    #[arg(long = "report", value_name = "KIND=FILE")]
    reports: Vec<ReportTarget>,
    #[command(flatten)]
    rules: RuleArgs,
    /// Skip the lifecycle checks (create → read → update → list → delete of each resource).
    #[arg(long)]
    no_stateful: bool,
}

#[derive(clap::Args)]
struct LintArgs {
    /// An OpenAPI file (YAML or JSON), or a built-in name.
    #[arg(value_name = "DOC")]
    spec: String,
    /// Also write a report: json=FILE or junit=FILE, '-' for standard output (repeatable).
    #[arg(long = "report", value_name = "KIND=FILE")]
    reports: Vec<ReportTarget>,
    /// Warnings (missing 401s, 4xxs, 2xxs) fail too.
    #[arg(long)]
    strict: bool,
}

#[derive(clap::Args)]
struct ProxyArgs {
    /// The document: an OpenAPI file or a built-in name.
    #[arg(long)]
    spec: String,
    /// The real server to forward to, including any base path.
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one and prints it).
    #[arg(long, short, default_value_t = 4011)]
    port: u16,
    /// Threads answering requests (default: one per CPU core).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Answer invalid requests here (401/403/415/422 in the document's style) instead of forwarding them.
    #[arg(long)]
    strict: bool,
    /// With --strict: tokens and what each may do (see README, "Tokens and 403").
    #[arg(long, value_name = "FILE")]
    tokens: Option<PathBuf>,
    /// Write every exchange into DIR as a fixture that `specmock validate` reads.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Seconds to wait for the upstream.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    timeout: u64,
    /// Largest request body accepted, e.g. 10MiB.
    #[arg(long, default_value = "10MiB", value_parser = parse_size, value_name = "SIZE")]
    max_body: usize,
    /// Do not log a line per request.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Routes { spec } => routes(&spec),
        Command::Serve(args) => serve(args),
        Command::Validate(args) => validate(args),
        Command::Check(args) => check(args),
        Command::Proxy(args) => proxy(args),
        Command::Lint(args) => lint(args),
    }
}

/// Loads the one document `validate`, `check` and `proxy` work with; prints the error.
fn load_spec(spec: &str) -> Option<Arc<specmock::spec::Api>> {
    match mounts::load(spec) {
        Ok((_, api)) => Some(Arc::new(api)),
        Err(e) => {
            say!("error: {e}");
            None
        }
    }
}

/// Prints the verdicts for people and writes the reports; the exit code they come to:
/// 1 when an error was found, 2 when a report could not be written.
fn finish(verdicts: &[Verdict], reports: &[ReportTarget], suite: &str, mut style: check::Human) -> ExitCode {
    let to_stdout = reports.iter().filter(|r| *r.destination() == Destination::Stdout).count();
    if to_stdout > 1 {
        say!("error: only one --report can go to standard output ('-')");
        return ExitCode::from(2);
    }
    // With a report on standard output, the human report moves to standard error.
    if to_stdout == 1 {
        style.color &= colors(&std::io::stderr());
        say!("{}", check::human(verdicts, &style).trim_end());
    } else {
        style.color &= colors(&std::io::stdout());
        out!("{}", check::human(verdicts, &style).trim_end());
    }
    let mut ok = true;
    for report in reports {
        match report.write(suite, verdicts) {
            Ok(Some(path)) => say!("report written to {}", path.display()),
            Ok(None) => out!("{}", report.render(suite, verdicts).trim_end()),
            Err(e) => {
                say!("error: cannot write the report: {e}");
                ok = false;
            }
        }
    }
    if !ok {
        ExitCode::from(2)
    } else if verdicts.iter().all(Verdict::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Colours on a terminal, unless NO_COLOR is set (https://no-color.org).
fn colors(stream: &impl std::io::IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn validate(args: ValidateArgs) -> ExitCode {
    let rules = match args.rules.filter() {
        Ok(rules) => rules,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(api) = load_spec(&args.spec) else { return ExitCode::from(2) };
    let loaded = match check::load_all(&args.fixtures) {
        Ok(loaded) => loaded,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for (file, why) in &loaded.skipped {
        say!("skipped {file}: not a fixture ({why})");
    }
    let mut secrets = check::Secrets::of(&api);
    let judge = match check::Judge::new(api) {
        Ok(j) => j,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for exchange in &loaded.exchanges {
        secrets.remember(&exchange.request.headers, &exchange.request.target);
    }
    let verdicts: Vec<Verdict> = loaded
        .exchanges
        .iter()
        .map(|e| {
            let mut verdict = judge.exchange(e);
            verdict.apply(&rules);
            secrets.verdict(&mut verdict);
            verdict
        })
        .collect();
    let style = check::Human { show_passed: !args.quiet, color: true, variables: Vec::new() };
    finish(&verdicts, &args.reports, "specmock validate", style)
}

fn check(args: CheckArgs) -> ExitCode {
    let rules = match args.rules.filter() {
        Ok(rules) => rules,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(api) = load_spec(&args.spec) else { return ExitCode::from(2) };
    let options = check::CheckOptions {
        base_url: args.base_url,
        auth: args.auth,
        headers: args.headers,
        operations: args.operations,
        tags: args.tags,
        max_requests: args.max_requests,
        seed: args.seed,
        concurrency: args.concurrency,
        timeout: Duration::from_secs(args.timeout.max(1)),
        rules,
        stateful: !args.no_stateful,
    };
    let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} requests {wide_bar} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let Some(runtime) = runtime(None) else { return ExitCode::FAILURE };
    let result = runtime.block_on(check::run(api, &options, &progress));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(outcome) if outcome.note.is_some() => {
            say!("{}", outcome.note.unwrap_or_default());
            ExitCode::SUCCESS
        }
        Ok(outcome) => {
            let style = check::Human { show_passed: false, color: true, variables: outcome.variables };
            finish(&outcome.verdicts, &args.reports, "specmock check", style)
        }
        Err(e) => {
            say!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn lint(args: LintArgs) -> ExitCode {
    let mut issues = match specmock::lint::lint(&args.spec) {
        Ok(issues) => issues,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.strict {
        for issue in &mut issues {
            issue.severity = check::Severity::Error;
        }
    }
    let to_stdout = args.reports.iter().filter(|r| *r.destination() == Destination::Stdout).count();
    if to_stdout > 1 {
        say!("error: only one --report can go to standard output ('-')");
        return ExitCode::from(2);
    }
    let file = issues.first().map(|i| i.file.clone()).unwrap_or_else(|| args.spec.clone());
    if to_stdout == 1 {
        say!("{}", specmock::lint::human(&file, &issues, colors(&std::io::stderr())).trim_end());
    } else {
        out!("{}", specmock::lint::human(&file, &issues, colors(&std::io::stdout())).trim_end());
    }
    let mut ok = true;
    for report in &args.reports {
        let text = match report {
            ReportTarget::Json(_) => specmock::lint::json(&file, &issues),
            ReportTarget::Junit(_) => specmock::lint::junit(&file, &issues),
        };
        match report.destination() {
            Destination::Stdout => out!("{}", text.trim_end()),
            Destination::File(path) => match std::fs::write(path, text) {
                Ok(()) => say!("report written to {}", path.display()),
                Err(e) => {
                    say!("error: cannot write the report {}: {e}", path.display());
                    ok = false;
                }
            },
        }
    }
    if !ok {
        ExitCode::from(2)
    } else if issues.iter().any(|i| i.is_error()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn proxy(args: ProxyArgs) -> ExitCode {
    let _guard = init_logging();
    let Some(api) = load_spec(&args.spec) else { return ExitCode::from(2) };
    let tokens = match args.tokens.as_deref().map(Tokens::load).transpose() {
        Ok(tokens) => tokens,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let options = ProxyOptions {
        upstream: args.upstream.clone(),
        strict: args.strict,
        record: args.record,
        timeout: Duration::from_secs(args.timeout.max(1)),
        tokens,
    };
    let proxy = match Proxy::new(api, options) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let limits = Limits { max_body: args.max_body, access_log: !args.quiet, ..Limits::default() };
    run_server(&args.host, args.port, args.workers, proxy, limits, |local| {
        say!("specmock proxy listening on http://{local}, forwarding to {}", args.upstream);
    })
}

/// Binds, prints where, serves until Ctrl-C or SIGTERM.
fn run_server<H: server::Handler>(
    host: &str,
    port: u16,
    workers: Option<usize>,
    handler: Arc<H>,
    limits: Limits,
    announce: impl FnOnce(SocketAddr),
) -> ExitCode {
    let Some(runtime) = runtime(workers) else { return ExitCode::FAILURE };
    runtime.block_on(async move {
        let address = format!("{host}:{port}");
        let listener = match tokio::net::TcpListener::bind(&address).await {
            Ok(l) => l,
            Err(e) => {
                say!("error: cannot listen on {address}: {e} (choose another with --port)");
                return ExitCode::FAILURE;
            }
        };
        let local: SocketAddr = listener.local_addr().unwrap_or_else(|_| ([127, 0, 0, 1], port).into());
        announce(local);
        match server::serve(listener, handler, limits, server::shutdown_signal()).await {
            Ok(()) => {
                say!("specmock stopped");
                ExitCode::SUCCESS
            }
            Err(e) => {
                say!("error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Logging to stderr, written by a background thread so requests never wait on it.
fn init_logging() -> tracing_appender::non_blocking::WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_writer(writer).with_target(false).with_ansi(ansi).init();
    guard
}

/// The async runtime with `workers` threads (one per core when not given); prints why not.
fn runtime(workers: Option<usize>) -> Option<tokio::runtime::Runtime> {
    let workers = workers.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    match tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build() {
        Ok(r) => Some(r),
        Err(e) => {
            say!("error: cannot start the runtime: {e}");
            None
        }
    }
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

fn routes(spec: &str) -> ExitCode {
    match mounts::load(spec) {
        Ok((_, api)) => {
            for op in &api.operations {
                out!(
                    "{:<7} {:<50} {:<40} {}",
                    op.method.as_str(),
                    op.path,
                    op.operation_id.as_deref().unwrap_or("-"),
                    op.status_labels().join(" ")
                );
            }
            out!("{} ({}, OpenAPI {})", check::count(api.operations.len(), "operation"), api.source, api.openapi);
            ExitCode::SUCCESS
        }
        Err(e) => {
            say!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let _guard = init_logging();

    let mounts = match mounts::mounts(&args.specs, &args.mounts) {
        Ok(m) => m,
        Err(MountError::Spec(e)) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
        Err(MountError::Usage(e)) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let tokens = match args.tokens.as_deref().map(Tokens::load).transpose() {
        Ok(tokens) => tokens,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let options = MockOptions {
        validate_requests: args.validate_request,
        dynamic: args.dynamic,
        seed: args.seed,
        cors: args.cors,
        tokens,
        admin_token: args.admin_token.clone(),
        tag_operations: !args.quiet,
        validate_responses: args.validate_responses,
    };
    let stateful = args.stateful || args.state.is_some() || args.state_seed.is_some();
    let store = if stateful {
        let store_options = StoreOptions {
            state_file: args.state.clone(),
            seed_file: args.state_seed.clone(),
            idempotency_ttl: Duration::from_secs(args.idempotency_ttl),
        };
        match Store::open(&mounts, &store_options) {
            Ok(store) => Some(store),
            Err(e) => {
                say!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        None
    };
    let mock = match Mock::new(mounts, options) {
        Ok(m) => m,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mock = Arc::new(match store {
        Some(store) => mock.with_store(store),
        None => mock,
    });
    let limits = Limits {
        max_body: args.max_body,
        read_timeout: Duration::from_secs(args.read_timeout.max(1)),
        access_log: !args.quiet,
    };
    run_server(&args.host, args.port, args.workers, Arc::clone(&mock), limits, |local| {
        say!("specmock listening on http://{local}");
        for mount in mock.mounts() {
            let prefix = specmock::route::shown(&mount.prefix);
            say!(
                "  {prefix:<12} {} ({}, {})",
                mount.api.title,
                check::count(mount.api.operations.len(), "operation"),
                mount.api.source
            );
        }
        if let Some(store) = mock.store() {
            let resources: Vec<String> = store.describe().into_iter().map(|(m, r, _)| format!("{m}:{r}")).collect();
            let kept = args.state.as_ref().map(|p| format!("in {}", p.display())).unwrap_or_else(|| "in memory".into());
            say!("  stateful sandbox ({kept}): {}", resources.join(", "));
        }
        warn_of_broken_examples(mock.mounts().iter().map(|m| m.api.source.clone()).collect());
    })
}

/// One warning line per example that breaks its schema, from a thread of its own: the
/// documents are read again and their examples' schemas compiled, which should not delay
/// the first request.
fn warn_of_broken_examples(sources: Vec<String>) {
    std::thread::spawn(move || {
        for source in sources {
            for issue in specmock::lint::broken_examples(&source) {
                say!("warning: {}#{}: {}", issue.file, issue.pointer, issue.message);
            }
        }
    });
}

/// `10MiB`, `512KiB`, `1MB`, `1000`.
fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: usize = digits.parse().map_err(|_| format!("'{text}' is not a size (e.g. 10MiB, 512KiB, 1000)"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit '{other}' (use B, KiB, MiB, GiB, KB, MB, GB)")),
    };
    n.checked_mul(factor).ok_or_else(|| format!("'{text}' is too large"))
}
