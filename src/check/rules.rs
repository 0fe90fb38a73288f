//! The contract rules, what breaking each one means (an `error`: the server broke the
//! contract; a `warning`: the document is incomplete or contradicts itself), and which of
//! them a run reports (`--checks`, `--exclude-checks`, `--strict`).

use serde::Serialize;

/// How much a broken rule counts: only errors fail a run (unless `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The contract rules a finding can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The server answered at all (within the timeout).
    Answered,
    /// The request matches no documented operation.
    OperationDocumented,
    /// The response status is documented for the operation.
    StatusDocumented,
    /// The response Content-Type is documented for that status.
    ContentTypeDocumented,
    /// The request conforms to the operation (the client's mistake, not the server's).
    RequestValid,
    /// The response body is valid against the documented schema.
    BodySchema,
    /// Documented required response headers are present and valid.
    ResponseHeaders,
    /// No 5xx, whatever was sent.
    NoServerError,
    /// Without credentials an operation with security answers 401 or 403.
    AuthEnforced,
    /// An invalid request is refused with a documented 4xx, never accepted.
    InvalidRequestRejected,
    /// A boundary or random request the document says is valid is not refused as invalid
    /// (400 or 422), unless the refusal is about state (see `confirm.rs`).
    ValidRequestAccepted,
    /// An undocumented method gets 405 with an Allow header.
    MethodNotAllowed,
    /// A right refusal (401/403 without credentials, 400/422 to an invalid request, 404 for
    /// an id that does not exist) with a status the document does not list: a gap in the
    /// document, not a server bug.
    ErrorDocumented,
    /// A documented example conforms to its own schema.
    ExampleValid,
    /// What a create answered can be read back by its id.
    CreatedReadable,
    /// The values written (create, update) are the values answered and read back.
    ReadMatchesWrite,
    /// After an update, a read shows the change.
    UpdateVisible,
    /// After a create, the list contains the new item.
    ListedAfterCreate,
    /// After a delete, a read answers 404.
    DeletedNotReadable,
    /// What the document lets a client write, its answer can hold (Clerk's BAPI takes an API
    /// key's `subject` as `scim_…` and answers only `user_|org_|mch_…`).
    WriteRepresentable,
}

impl Rule {
    pub const ALL: [Rule; 20] = [
        Rule::Answered,
        Rule::OperationDocumented,
        Rule::StatusDocumented,
        Rule::ContentTypeDocumented,
        Rule::RequestValid,
        Rule::BodySchema,
        Rule::ResponseHeaders,
        Rule::NoServerError,
        Rule::AuthEnforced,
        Rule::InvalidRequestRejected,
        Rule::ValidRequestAccepted,
        Rule::MethodNotAllowed,
        Rule::ErrorDocumented,
        Rule::ExampleValid,
        Rule::CreatedReadable,
        Rule::ReadMatchesWrite,
        Rule::UpdateVisible,
        Rule::ListedAfterCreate,
        Rule::DeletedNotReadable,
        Rule::WriteRepresentable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Answered => "answered",
            Rule::OperationDocumented => "operation-documented",
            Rule::StatusDocumented => "status-documented",
            Rule::ContentTypeDocumented => "content-type-documented",
            Rule::RequestValid => "request-valid",
            Rule::BodySchema => "body-schema",
            Rule::ResponseHeaders => "response-headers",
            Rule::NoServerError => "no-server-error",
            Rule::AuthEnforced => "auth-enforced",
            Rule::InvalidRequestRejected => "invalid-request-rejected",
            Rule::ValidRequestAccepted => "valid-request-accepted",
            Rule::MethodNotAllowed => "method-not-allowed",
            Rule::ErrorDocumented => "error-documented",
            Rule::ExampleValid => "example-valid",
            Rule::CreatedReadable => "created-readable",
            Rule::ReadMatchesWrite => "read-matches-write",
            Rule::UpdateVisible => "update-visible",
            Rule::ListedAfterCreate => "listed-after-create",
            Rule::DeletedNotReadable => "deleted-not-readable",
            Rule::WriteRepresentable => "write-representable",
        }
    }

    /// Warnings are about the document; everything else is the server breaking it.
    pub fn severity(self) -> Severity {
        match self {
            // A refusal of a valid request is the server's bug: refusals that state explains
            // (a repeated unique value, a made-up cursor) are excused by `confirm` first.
            Rule::ErrorDocumented | Rule::ExampleValid | Rule::WriteRepresentable => Severity::Warning,
            _ => Severity::Error,
        }
    }

    pub fn parse(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// Which rules a run reports, and whether warnings count as errors.
#[derive(Debug, Clone, Default)]
pub struct RuleFilter {
    /// Only these (empty: all).
    pub only: Vec<Rule>,
    pub except: Vec<Rule>,
    /// `--strict`: warnings fail the run too.
    pub strict: bool,
}

impl RuleFilter {
    /// Reads `--checks a,b` and `--exclude-checks c` (each repeatable, comma-separated).
    pub fn new(only: &[String], except: &[String], strict: bool) -> Result<RuleFilter, String> {
        let parse = |lists: &[String], flag: &str| -> Result<Vec<Rule>, String> {
            let mut out = Vec::new();
            for name in lists.iter().flat_map(|l| l.split(',')).map(str::trim).filter(|n| !n.is_empty()) {
                let rule = Rule::parse(name).ok_or_else(|| {
                    let known: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
                    format!("{flag}: no rule is called '{name}' (rules: {})", known.join(", "))
                })?;
                out.push(rule);
            }
            Ok(out)
        };
        Ok(RuleFilter { only: parse(only, "--checks")?, except: parse(except, "--exclude-checks")?, strict })
    }

    pub fn reports(&self, rule: Rule) -> bool {
        (self.only.is_empty() || self.only.contains(&rule)) && !self.except.contains(&rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Finding, Verdict};

    /// The severity a finding of `rule` has once `filter` is applied.
    fn severity(filter: &RuleFilter, rule: Rule) -> Severity {
        let mut verdict = Verdict { findings: vec![Finding::new(rule, "status", "x")], ..Verdict::default() };
        verdict.apply(filter);
        verdict.findings[0].severity
    }

    #[test]
    fn every_rule_parses_back_from_its_name() {
        for rule in Rule::ALL {
            assert_eq!(Rule::parse(rule.as_str()), Some(rule));
        }
    }

    #[test]
    fn filters_select_and_strict_promotes() {
        let filter = RuleFilter::new(&["body-schema, error-documented".into()], &[], false).unwrap();
        assert!(filter.reports(Rule::BodySchema) && filter.reports(Rule::ErrorDocumented));
        assert!(!filter.reports(Rule::StatusDocumented));
        assert_eq!(severity(&filter, Rule::ErrorDocumented), Severity::Warning);
        let strict = RuleFilter::new(&[], &["status-documented".into()], true).unwrap();
        assert!(!strict.reports(Rule::StatusDocumented) && strict.reports(Rule::BodySchema));
        assert_eq!(severity(&strict, Rule::ErrorDocumented), Severity::Error);
        let wrong = RuleFilter::new(&["body-shape".into()], &[], false).unwrap_err();
        assert!(wrong.contains("'body-shape'") && wrong.contains("body-schema"), "{wrong}");
    }
}
