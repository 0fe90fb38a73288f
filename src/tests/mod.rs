//! Tests that look inside: what the loader and the generator make of real documents (the
//! compiled model is private to the crate), and walks that use the model to decide what to
//! send. They still speak HTTP to a real server where they serve; everything a user can
//! reach is tested from outside, in tests/.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: a failure should stop it

#[path = "../../tests/common/server.rs"]
#[allow(dead_code)] // shared with tests/, which use other parts
pub(crate) mod common;

mod documented;
mod documents;
mod examples;
mod fixtures;
mod generation;
mod loading;
mod sandbox_walk;
mod webhooks;

/// The command line, run in process as the binary runs it (`args[0]` is the program name):
/// its exit code, or the error the binary would print.
fn run_cli(args: &[String]) -> Result<std::process::ExitCode, String> {
    use clap::Parser as _;
    let cli = crate::cli::Cli::try_parse_from(args).map_err(|e| e.to_string())?;
    crate::cli::run(cli).map_err(|e| e.to_string())
}
