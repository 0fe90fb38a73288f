//! The command line: parse arguments, call the library, print, exit.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{ArgAction, Parser, Subcommand};
use specmock::mock::{Mock, MockOptions};
use specmock::mounts::{self, MountError};
use specmock::security::Tokens;
use specmock::server::{self, Limits};

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
    /// Print every operation of a document: method, path, operationId, documented statuses.
    Routes {
        /// An OpenAPI 3.0/3.1 file (YAML or JSON), or a built-in name (scalekit, straddle, clerk, zitadel).
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
    /// Serve the document NAME (built-in name or file stem) under PREFIX, e.g. --mount clerk=/api/clerk.
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
    /// Seconds a client has to send its request headers, and then its body.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    read_timeout: u64,
    /// Do not log a line per request.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Routes { spec } => routes(&spec),
        Command::Serve(args) => serve(args),
    }
}

fn routes(spec: &str) -> ExitCode {
    match mounts::load(spec) {
        Ok((_, api)) => {
            for op in &api.operations {
                println!(
                    "{:<7} {:<50} {:<40} {}",
                    op.method.as_str(),
                    op.path,
                    op.operation_id.as_deref().unwrap_or("-"),
                    op.status_labels().join(" ")
                );
            }
            println!("{} operations ({}, OpenAPI {})", api.operations.len(), api.source, api.openapi);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let (writer, _guard) = tracing_appender::non_blocking(std::io::stderr());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_writer(writer).with_target(false).with_ansi(ansi).init();

    let mounts = match mounts::mounts(&args.specs, &args.mounts) {
        Ok(m) => m,
        Err(MountError::Spec(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(MountError::Usage(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let tokens = match &args.tokens {
        Some(path) => match Tokens::load(path) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let options = MockOptions {
        validate_requests: args.validate_request,
        dynamic: args.dynamic,
        seed: args.seed,
        cors: args.cors,
        tokens,
    };
    let mock = match Mock::new(mounts, options) {
        Ok(m) => Arc::new(m),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let limits = Limits {
        max_body: args.max_body,
        read_timeout: Duration::from_secs(args.read_timeout.max(1)),
        access_log: !args.quiet,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let address = format!("{}:{}", args.host, args.port);
        let listener = match tokio::net::TcpListener::bind(&address).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {address}: {e} (choose another with --port)");
                return ExitCode::FAILURE;
            }
        };
        let local: SocketAddr = listener.local_addr().unwrap_or_else(|_| ([127, 0, 0, 1], args.port).into());
        eprintln!("specmock listening on http://{local}");
        for mount in mock.mounts() {
            let prefix = if mount.prefix.is_empty() { "/" } else { &mount.prefix };
            eprintln!(
                "  {prefix:<12} {} ({} operations, {})",
                mount.api.title,
                mount.api.operations.len(),
                mount.api.source
            );
        }
        match server::serve(listener, mock, limits, server::shutdown_signal()).await {
            Ok(()) => {
                eprintln!("specmock stopped");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    })
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
