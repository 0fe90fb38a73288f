//! What judging came to: findings (a broken rule, its severity, where and why) gathered per
//! exchange into verdicts, which the reports print.

use serde::Serialize;

use super::rules::{Rule, RuleFilter, Severity};
use crate::validate::{Part, Violation};

/// One broken rule, with where and why.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    #[serde(flatten)]
    pub violation: Violation,
}

impl Finding {
    /// A finding about the response as a whole.
    pub fn new(rule: Rule, keyword: &str, message: impl Into<String>) -> Finding {
        let mut violation = Violation::new(Part::Message, "", keyword, message);
        violation.location = "response".into();
        Finding::of(rule, violation)
    }

    pub fn of(rule: Rule, violation: Violation) -> Finding {
        Finding { rule, severity: rule.severity(), violation }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// What a verdict is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// One request and its answer.
    #[default]
    Exchange,
    /// An undocumented method on a path: about the path, not one operation.
    PathCheck,
    /// The document itself (a broken example the runner would have sent); nothing was sent.
    Document,
}

/// What one exchange came to.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Verdict {
    pub source: String,
    pub name: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub operation: Option<String>,
    /// What the contract runner was trying (`valid request`, `lifecycle: read after create`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// What a boundary or random case probes (`body/name maxLength=200`, `random #3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// The `--seed` that plans the case again (boundary and random cases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    pub findings: Vec<Finding>,
    /// Commands that send the same request again (a lifecycle: every request that led to
    /// it, one per line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// Why nothing was judged (a lifecycle that could not run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    #[serde(skip)]
    pub(crate) kind: Kind,
}

impl Verdict {
    /// No errors (warnings allowed).
    pub fn passed(&self) -> bool {
        !self.findings.iter().any(Finding::is_error)
    }

    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }

    /// An exchange with a request sent (not a document note, not a skipped lifecycle).
    pub fn is_exchange(&self) -> bool {
        self.kind != Kind::Document && self.skipped.is_none()
    }

    /// Keeps the findings the filter reports, at the severity it gives them.
    pub(crate) fn apply(&mut self, filter: &RuleFilter) {
        self.findings.retain(|f| filter.reports(f.rule));
        // A finding keeps the severity it was given (its rule's, or lowered where the rule
        // cannot be sure); `--strict` makes every one an error.
        if filter.strict {
            for f in &mut self.findings {
                f.severity = Severity::Error;
            }
        }
    }
}

impl Verdict {
    /// Takes the credentials out of everything the verdict shows.
    pub(crate) fn redact(&mut self, secrets: &crate::redact::Secrets) {
        self.path = secrets.scrub(&secrets.target(&self.path));
        self.name = secrets.scrub(&secrets.target(&self.name));
        self.source = secrets.scrub(&self.source);
        if let Some(curl) = &self.curl {
            self.curl = Some(secrets.scrub(curl));
        }
        for f in &mut self.findings {
            f.violation.message = secrets.scrub(&f.violation.message);
        }
    }
}
