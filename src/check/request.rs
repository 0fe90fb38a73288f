//! The request side of an exchange: what the client got wrong, and whether it carried
//! credentials at all. Findings here blame the client; the server is blamed only for how it
//! answered such a request (see [`super::judge::Judge::answered`]).

use super::rules::Rule;
use super::verdict::Finding;
use crate::security;
use crate::spec::{Api, Operation};
use crate::validate::{RequestInput, Violation, check_request};

/// What the request side came to.
#[derive(Debug, Default)]
pub struct RequestVerdict {
    /// What the request breaks, located as the mock names it (`body/name`), so a strict
    /// proxy can answer with them as they are.
    pub violations: Vec<Violation>,
    /// The operation requires credentials and none of its schemes' were sent.
    pub credentials_missing: bool,
}

impl RequestVerdict {
    pub fn invalid(&self) -> bool {
        !self.violations.is_empty()
    }

    /// The violations as `request-valid` findings, located under `request/`.
    pub fn findings(&self) -> Vec<Finding> {
        self.violations
            .iter()
            .map(|v| {
                let mut violation = v.clone();
                violation.location = format!("request/{}", v.location);
                Finding::of(Rule::RequestValid, violation)
            })
            .collect()
    }
}

/// Validates the request against its operation with the mock's own validator.
pub fn judge(api: &Api, op: &Operation, request: &RequestInput<'_>) -> RequestVerdict {
    let violations = match check_request(api, op, request, true) {
        Ok(checked) => checked.violations,
        Err(unsupported) => vec![unsupported.violation()],
    };
    let credentials_missing = needs_credentials(op) && !security::sent(api, op, request.headers, request.query);
    RequestVerdict { violations, credentials_missing }
}

/// Every requirement set names at least one scheme: anonymous calls are not allowed.
pub fn needs_credentials(op: &Operation) -> bool {
    !op.security.is_empty() && op.security.iter().all(|set| !set.schemes.is_empty())
}
