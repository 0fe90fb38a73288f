//! Holding a real API to its document: judge recorded traffic (`validate`), send requests to
//! a live server (`check`), or sit between a client and a server (`proxy`). One validator —
//! the one the mock judges itself with — decides everything here.

mod boundary;
mod build;
mod client;
mod compare;
mod confirm;
mod curl;
mod exchange;
mod judge;
mod keys;
mod lifecycle;
mod links;
mod minimize;
mod oracle;
mod plan;
pub mod proxy;
mod random;
mod report;
mod request;
mod rules;
mod runner;
mod send;
mod shrink;
mod variants;
mod verdict;

pub use crate::redact::{REDACTED, Secrets};
pub use curl::{AUTH_VARIABLE, header_variable};
pub use exchange::{Exchange, FixtureError, Loaded, Recorded, load, load_all, to_fixture};
pub use judge::{Judge, Refusal};
pub use report::{Destination, Human, Pace, ReportTarget, count, human, json, junit, summary, xml};
pub use request::RequestVerdict;
pub use rules::{Rule, RuleFilter, Severity};
pub use runner::{CheckError, CheckOptions, DEFAULT_MAX_EXAMPLES, Outcome, Progress, run};
pub use verdict::{Finding, Kind, Verdict};
