use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "specmock", version, about = "Mock, sandbox and contract-check APIs from their OpenAPI documents")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print every operation of a document: method, path, operationId, documented statuses.
    Routes {
        /// An OpenAPI 3.0/3.1 file (YAML or JSON), or a built-in name (scalekit, straddle, clerk, zitadel).
        file: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Routes { file } => {
            let api = match specmock::spec::Builtin::find(&file) {
                Some(b) => b.load(),
                None => specmock::spec::load_file(&PathBuf::from(&file)),
            };
            match api {
                Ok(api) => { let t = std::time::Instant::now(); if let Err(e) = api.schemas.compile_all() { eprintln!("compile: {e}"); } eprintln!("compile_all {:?}", t.elapsed());
                    for op in &api.operations {
                        println!("{:7} {} {} [{}]", op.method, op.path, op.operation_id.as_deref().unwrap_or("-"), op.status_labels().join(", "));
                    }
                    println!("{} operations", api.operations.len());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
