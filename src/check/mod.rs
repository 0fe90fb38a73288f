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

pub use crate::redact::Secrets;
pub use exchange::{Exchange, Recorded, load_all};
pub use judge::Judge;
pub use report::{Destination, Human, ReportTarget, count, human, xml};
pub use rules::{Rule, RuleFilter, Severity};
pub use runner::{CheckError, CheckOptions, DEFAULT_MAX_EXAMPLES, run};
pub use verdict::{Finding, Verdict};
