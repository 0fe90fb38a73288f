//! The command line: parse the arguments, call the library, map errors to exit codes.

use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match specmock::cli::parse() {
        Ok(cli) => cli,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            return ExitCode::from(2);
        }
    };
    match specmock::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
