//! specmock: one compiled model of an OpenAPI document, used to mock it, to sandbox it,
//! and to hold a real server to it.
//!
//! For Rust test suites: [`MockServer`] starts the mock of a document in process (a built-in
//! name, a file, or text) on an ephemeral port, and [`Contract`] judges an exchange your own
//! client made against the document, giving a [`Verdict`] to snapshot with insta.
//!
//! The modules hidden from these docs are the parts the `specmock` binary and the project's
//! own tests are built from; they are public because the binary is a crate of its own, and
//! they change without notice: depend on what is documented here.

#[doc(hidden)]
pub mod app;
#[doc(hidden)]
pub mod check;
mod contract;
mod error;
#[doc(hidden)]
pub mod events;
#[doc(hidden)]
pub mod gate;
#[doc(hidden)]
pub mod generate;
#[doc(hidden)]
pub mod journal;
#[doc(hidden)]
pub mod lint;
#[doc(hidden)]
pub mod mock;
mod mock_server;
#[doc(hidden)]
pub mod mounts;
#[doc(hidden)]
pub mod redact;
#[doc(hidden)]
pub mod reload;
#[doc(hidden)]
pub mod reply;
#[doc(hidden)]
pub mod route;
#[doc(hidden)]
pub mod security;
#[doc(hidden)]
pub mod server;
#[doc(hidden)]
pub mod spec;
#[doc(hidden)]
pub mod store;
#[doc(hidden)]
pub mod style;
#[doc(hidden)]
pub mod units;
#[doc(hidden)]
pub mod validate;
#[doc(hidden)]
pub mod yaml;

pub use check::{Finding, Rule, Severity, Verdict};
pub use contract::Contract;
pub use error::Error;
pub use journal::Entry as JournalEntry;
pub use mock_server::{Document, MockServer, MockServerBuilder};
