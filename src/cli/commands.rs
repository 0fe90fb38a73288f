//! Each subcommand: turn its arguments into the library's configuration, run it, print what
//! the user should see, and say how the process should exit.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use specmock::app::{self, ProxyConfig, ServeConfig};
use specmock::check::proxy::ProxyOptions;
use specmock::check::{self, ReportTarget, Verdict};
use specmock::mock::MockOptions;
use specmock::server::{Limits, shutdown_signal};
use specmock::store::{RedisOptions, StoreOptions, is_redis_url};
use specmock::{Error, mounts};

use super::{CheckArgs, Cli, Command, ProxyArgs, ServeArgs, ValidateArgs};

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

pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Routes { spec } => routes(&spec),
        Command::Serve(args) => serve(args),
        Command::Validate(args) => validate(args),
        Command::Check(args) => check(args),
        Command::Proxy(args) => proxy(args),
    }
}

fn routes(spec: &str) -> Result<ExitCode, Error> {
    let (_, api) = mounts::load(spec)?;
    for op in &api.operations {
        out!(
            "{:<7} {:<50} {:<40} {}",
            op.method.as_str(),
            op.path,
            op.operation_id.as_deref().unwrap_or("-"),
            op.status_labels().join(" ")
        );
    }
    out!("{} operations ({}, OpenAPI {})", api.operations.len(), api.source, api.openapi);
    Ok(ExitCode::SUCCESS)
}

fn serve(args: ServeArgs) -> Result<ExitCode, Error> {
    let _guard = init_logging();
    let stateful = args.stateful || args.state.is_some() || args.state_seed.is_some();
    let (state_file, redis) = state_flags(&args)?;
    let config = ServeConfig {
        specs: args.specs,
        mounts: args.mounts,
        host: args.host,
        port: args.port,
        mock: MockOptions {
            validate_requests: args.validate_request,
            dynamic: args.dynamic,
            seed: args.seed,
            cors: args.cors,
            tokens: None,
            admin_token: args.admin_token,
            tag_operations: !args.quiet,
        },
        tokens_file: args.tokens,
        store: stateful.then(|| StoreOptions {
            state_file,
            redis,
            seed_file: args.state_seed,
            idempotency_ttl: Duration::from_secs(args.idempotency_ttl),
        }),
        limits: Limits {
            max_body: args.max_body,
            read_timeout: Duration::from_secs(args.read_timeout.max(1)),
            access_log: !args.quiet,
        },
    };
    // Documents load before the runtime starts: a broken one is reported without a server.
    let mock = Arc::new(app::mock(&config)?);
    in_runtime(args.workers, async move {
        app::start(&mock).await?;
        let running = app::listen(&config.host, config.port, Arc::clone(&mock), config.limits.clone()).await?;
        let mut stop = std::pin::pin!(shutdown_signal());
        // Polled once, so the signal handlers are in place before the banner tells anyone the
        // server is up (a SIGTERM right after it must stop the server cleanly, not kill it).
        let stopped = futures_util::FutureExt::now_or_never(stop.as_mut()).is_some();
        say!("specmock listening on {}", running.url());
        for line in app::banner(&mock) {
            say!("{line}");
        }
        match stopped {
            true => running.until(std::future::ready(())).await?,
            false => running.until(stop).await?,
        }
        say!("specmock stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// `--state FILE` or `--state redis://…`, and `--sandbox` (which only a Redis sandbox has).
fn state_flags(args: &ServeArgs) -> Result<(Option<PathBuf>, Option<RedisOptions>), Error> {
    let state = args.state.as_deref();
    let redis = state.filter(|s| is_redis_url(s));
    if let (Some(name), None) = (&args.sandbox, redis) {
        return Err(Error::Usage(format!(
            "--sandbox {name} names a sandbox shared on Redis: use it with --state redis://HOST:PORT/DB"
        )));
    }
    match state {
        Some(url) if redis.is_some() => {
            Ok((None, Some(RedisOptions { url: url.to_string(), sandbox: args.sandbox.clone() })))
        }
        Some(other) if other.contains("://") => Err(Error::Usage(format!(
            "--state {}: a URL must be redis://, rediss:// or redis+unix:// (anything else is a state file's path)",
            other.split("://").next().unwrap_or_default().to_string() + "://…"
        ))),
        Some(file) => Ok((Some(PathBuf::from(file)), None)),
        None => Ok((None, None)),
    }
}

fn proxy(args: ProxyArgs) -> Result<ExitCode, Error> {
    let _guard = init_logging();
    let upstream = args.upstream.clone();
    let config = ProxyConfig {
        spec: args.spec,
        host: args.host,
        port: args.port,
        options: ProxyOptions {
            upstream: args.upstream,
            strict: args.strict,
            record: args.record,
            timeout: Duration::from_secs(args.timeout.max(1)),
            tokens: None,
        },
        tokens_file: args.tokens,
        limits: Limits { max_body: args.max_body, access_log: !args.quiet, ..Limits::default() },
    };
    in_runtime(args.workers, async move {
        let running = app::proxy(config).await?;
        say!("specmock proxy listening on {}, forwarding to {upstream}", running.url());
        running.until(shutdown_signal()).await?;
        say!("specmock stopped");
        Ok(ExitCode::SUCCESS)
    })
}

fn validate(args: ValidateArgs) -> Result<ExitCode, Error> {
    let (_, api) = mounts::load(&args.spec)?;
    let exchanges = check::load_all(&args.fixtures).map_err(|e| Error::Usage(e.to_string()))?;
    let judge = check::Judge::new(Arc::new(api))?;
    let verdicts: Vec<Verdict> = exchanges.iter().map(|e| judge.exchange(e)).collect();
    print!("{}", check::human(&verdicts, !args.quiet));
    verdict_exit(&verdicts, write_reports(&args.reports, "specmock validate", &verdicts))
}

fn check(args: CheckArgs) -> Result<ExitCode, Error> {
    let (_, api) = mounts::load(&args.spec)?;
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
    let api = Arc::new(api);
    let result = app::runtime(None)?.block_on(check::run(api, &options, &progress));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let verdicts = result?;
    print!("{}", check::human(&verdicts, false));
    verdict_exit(&verdicts, write_reports(&args.reports, "specmock check", &verdicts))
}

fn write_reports(reports: &[ReportTarget], suite: &str, verdicts: &[Verdict]) -> Result<(), Error> {
    for report in reports {
        match report.write(suite, verdicts) {
            Ok(path) => say!("report written to {}", path.display()),
            Err(e) => return Err(Error::Usage(format!("cannot write the report: {e}"))),
        }
    }
    Ok(())
}

fn verdict_exit(verdicts: &[Verdict], reports: Result<(), Error>) -> Result<ExitCode, Error> {
    reports?;
    Ok(if verdicts.iter().all(Verdict::passed) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Runs a server to completion on a runtime of `workers` threads; work that ignores the
/// grace period (a blocking task) is not waited for.
fn in_runtime(
    workers: Option<usize>,
    work: impl std::future::Future<Output = Result<ExitCode, Error>>,
) -> Result<ExitCode, Error> {
    let runtime = app::runtime(workers)?;
    let result = runtime.block_on(work);
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// Logging to stderr, written by a background thread so requests never wait on it.
fn init_logging() -> tracing_appender::non_blocking::WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_writer(writer).with_target(false).with_ansi(ansi).init();
    guard
}
