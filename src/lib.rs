//! specmock: one compiled model of an OpenAPI document, used to mock it, to sandbox it,
//! and to hold a real server to it.
//!
//! For Rust test suites: [`MockServer`] starts the mock of a document in process (a built-in
//! name, a file, or text) on an ephemeral port, and [`Contract`] judges an exchange your own
//! client made against the document, giving a [`Verdict`] to snapshot with insta.
//!
//! [`cli`] is the `specmock` command itself, for the binary (`main.rs` parses, runs and
//! maps errors to exit codes); everything else is private to the crate.

pub(crate) mod app;
pub(crate) mod check;
pub mod cli;
mod contract;
mod error;
pub(crate) mod events;
pub(crate) mod gate;
pub(crate) mod generate;
pub(crate) mod journal;
pub(crate) mod lint;
pub(crate) mod mock;
mod mock_server;
pub(crate) mod mounts;
#[cfg(feature = "profiling")]
pub mod profiling;
pub(crate) mod redact;
pub(crate) mod reload;
pub(crate) mod reply;
pub(crate) mod route;
pub(crate) mod security;
pub(crate) mod server;
pub(crate) mod spec;
pub(crate) mod store;
pub(crate) mod style;
pub(crate) mod units;
pub(crate) mod validate;
pub(crate) mod yaml;

// The crate's own tests of its compiled model (src/tests/) share the integration tests'
// helpers, which name the crate `specmock`.
#[cfg(test)]
extern crate self as specmock;
#[cfg(test)]
mod tests;

pub use check::{Finding, Rule, Severity, Verdict};
pub use contract::Contract;
pub use error::Error;
pub use journal::Entry as JournalEntry;
pub use mock_server::{Document, MockServer, MockServerBuilder};
pub use validate::{Keyword, Part, Violation};
