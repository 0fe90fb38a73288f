//! Each subcommand: turn its arguments into the library's configuration, run it, print what
//! the user should see, and say how the process should exit.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::app::{self, ProxyConfig, ServeConfig};
use crate::check::proxy::ProxyOptions;
use crate::events::WebhookOptions;
use crate::mock::{FaultRate, MockOptions};
use crate::server::{Limits, LogFormat, shutdown_signal};
use crate::store::{RedisOptions, StoreOptions, is_redis_url};
use crate::{Error, mounts};

use super::{Cli, Command, ProxyArgs, ServeArgs};

pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Routes { spec } => routes(&spec),
        Command::Serve(args) => serve(args),
        Command::Validate(args) => super::verdicts::validate(args),
        Command::Check(args) => super::verdicts::check(args),
        Command::Lint(args) => super::verdicts::lint(args),
        Command::Proxy(args) => proxy(args),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "specmock", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What a document got away with, said before anything else is printed.
pub(super) fn warn_about(api: &crate::spec::Api) {
    api.warnings.iter().for_each(|w| say!("warning: {w}"));
}

fn routes(spec: &str) -> Result<ExitCode, Error> {
    let (_, api) = mounts::load(spec)?;
    warn_about(&api);
    for op in &api.operations {
        out!(
            "{:<7} {:<50} {:<40} {}",
            op.method.as_str(),
            op.path,
            op.operation_id.as_deref().unwrap_or("-"),
            op.status_labels().join(" ")
        );
    }
    out!("{} ({}, {})", crate::check::count(api.operations.len(), "operation"), api.source, api.version_name());
    Ok(ExitCode::SUCCESS)
}

fn serve(args: ServeArgs) -> Result<ExitCode, Error> {
    let log_format: LogFormat = args.log_format.parse().map_err(Error::Usage)?;
    let _guard = super::logging::init(log_format);
    let stateful = args.stateful || args.state.is_some() || args.state_seed.is_some();
    // Without --seed, faults are drawn from a seed of their own, shown so a run can be repeated.
    let faults = args.faults.map(|rate| FaultRate::new(rate, args.seed.unwrap_or_else(crate::generate::random_seed)));
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
            validate_responses: args.validate_responses,
            delay: args.delay,
            faults,
            rules_file: args.rules,
            journal: None,
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
            log_format,
        },
        webhooks: WebhookOptions {
            urls: args.webhook_urls,
            secrets: args.webhook_secrets,
            retries: args.webhook_retries,
            ..WebhookOptions::default()
        },
        watch: args.watch,
        journal: args.journal,
    };
    // Documents load before the runtime starts: a broken one is reported without a server.
    let prepared = app::prepare(&config)?;
    in_runtime(args.workers, async move {
        let running = app::start(prepared, &config).await?;
        let mock = running.handler().current();
        let mut stop = std::pin::pin!(shutdown_signal());
        // Polled once, so the signal handlers are in place before the banner tells anyone the
        // server is up (a SIGTERM right after it must stop the server cleanly, not kill it).
        let stopped = futures_util::FutureExt::now_or_never(stop.as_mut()).is_some();
        say!("specmock listening on {}", running.url());
        for line in app::banner(&mock) {
            say!("{line}");
        }
        for line in app::devloop_banner(&mock, &running) {
            say!("{line}");
        }
        warn_of_broken_examples(mock.mounts().iter().map(|m| m.api.source.clone()).collect());
        match stopped {
            true => running.until(std::future::ready(())).await?,
            false => running.until(stop).await?,
        }
        // Deliveries under way get a few seconds; a receiver that is down must not hold Ctrl-C.
        let unsent = app::settle(&mock, crate::server::GRACE).await;
        if unsent > 0 {
            say!("{unsent} webhook deliveries were not finished");
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
    let _guard = super::logging::init(LogFormat::Text);
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

/// One warning line per example that breaks its schema, from a thread of its own: the
/// documents are read again and their examples' schemas compiled, which should not delay
/// the first request.
fn warn_of_broken_examples(sources: Vec<String>) {
    std::thread::spawn(move || {
        for source in sources {
            for issue in crate::lint::broken_examples(&source) {
                say!("warning: {}#{}: {}", issue.file, issue.pointer, issue.message);
            }
        }
    });
}

/// Runs a server to completion on a runtime of `workers` threads; work that ignores the
/// grace period (a blocking task) is not waited for.
pub(super) fn in_runtime(
    workers: Option<usize>,
    work: impl std::future::Future<Output = Result<ExitCode, Error>>,
) -> Result<ExitCode, Error> {
    let runtime = app::runtime(workers)?;
    let result = runtime.block_on(work);
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}
