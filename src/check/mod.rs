//! Holding a real API to its document: judge recorded traffic (`validate`), send requests to
//! a live server (`check`), or sit between a client and a server (`proxy`). One validator —
//! the one the mock judges itself with — decides everything here.

mod client;
mod exchange;
mod judge;
mod plan;
pub mod proxy;
pub(crate) mod redact;
mod report;
mod request;
mod runner;

pub use exchange::{Exchange, FixtureError, Recorded, load, load_all, to_fixture};
pub use judge::{Finding, Judge, Rule, Verdict};
pub use report::{ReportTarget, human, json, junit, summary};
pub use request::RequestVerdict;
pub use runner::{CheckError, CheckOptions, Progress, run};
