//! A boundary or random request the document calls valid, refused with 400 or 422, is the
//! server's bug only when the value is the cause. A made-up page token or cursor is rightly
//! refused; so is a request that repeats what an earlier one created (a name that must be
//! unique): the operation's valid request, sent again with a new idempotency key, is then
//! refused too. Such refusals are excused — an undocumented status for them is a gap in the
//! document, as for any right refusal.

use std::collections::HashMap;

use super::build::text;
use super::keys::{fresh_key, made_up_references};
use super::plan::{Case, Expect};
use super::rules::{Rule, Severity};
use super::runner::Context;
use super::verdict::{Finding, Verdict};

/// Refused as if invalid.
pub fn refused(status: u16) -> bool {
    status == 400 || status == 422
}

/// Settles every `valid-request-accepted` finding of a probe: kept, or excused. Against a
/// server that keeps state (`keeps_state`), a refused write that stays unexplained is a
/// warning: it may repeat a value the server keeps unique that a concurrent probe wrote and
/// another since deleted, which no later request can tell apart from a wrong refusal.
pub async fn confirm(context: &Context<'_>, judged: &mut [(Case, Verdict)], keeps_state: bool) {
    let bases: HashMap<usize, Case> = judged
        .iter()
        .filter(|(c, _)| c.probe.is_none() && c.expect == Expect::Documented && c.description == "valid request")
        .map(|(c, _)| (c.operation, c.clone()))
        .collect();
    // Whether each operation's valid request is refused now: asked once per operation.
    let mut refused_now: HashMap<usize, bool> = HashMap::new();
    for (case, verdict) in judged.iter_mut() {
        if case.probe.is_none() || !verdict.findings.iter().any(|f| f.rule == Rule::ValidRequestAccepted) {
            continue;
        }
        let op = &context.judge.api().operations[case.operation];
        let Some(base) = bases.get(&case.operation) else { continue };
        let reference =
            made_up_references(op, &case.query, &base.query) || made_up_references(op, &case.headers, &base.headers);
        let state = if reference {
            true
        } else {
            match refused_now.get(&case.operation) {
                Some(known) => *known,
                None => {
                    let known = base_refused(context, base).await;
                    refused_now.insert(case.operation, known);
                    known
                }
            }
        };
        if state {
            excuse(verdict, reference);
        } else if keeps_state && writes(&case.method) {
            for f in verdict.findings.iter_mut().filter(|f| f.rule == Rule::ValidRequestAccepted) {
                f.severity = Severity::Warning;
                f.violation.message.push_str(
                    "; the server keeps state and this request writes, so it may repeat a value kept \
                     unique: confirm with the reproducer",
                );
            }
        }
    }
}

fn writes(method: &http::Method) -> bool {
    matches!(*method, http::Method::POST | http::Method::PUT | http::Method::PATCH)
}

/// Sends the operation's valid request again, with a new idempotency key.
async fn base_refused(context: &Context<'_>, base: &Case) -> bool {
    if !context.spend() {
        return false;
    }
    let api = context.judge.api();
    let op = &api.operations[base.operation];
    let mut again = base.clone();
    if let Some((index, value)) = fresh_key(api, op, base.operation as u64, "confirm") {
        let name = &op.params[index].name;
        for (k, v) in again.headers.iter_mut() {
            if k.eq_ignore_ascii_case(name) {
                *v = text(&value);
            }
        }
    }
    let verdict = context.try_case(&again).await;
    refused(verdict.status) || verdict.status == 409
}

/// A right refusal: no `valid-request-accepted`, and an undocumented status a warning.
fn excuse(verdict: &mut Verdict, reference: bool) {
    verdict.findings.retain(|f| f.rule != Rule::ValidRequestAccepted);
    let why = if reference {
        "a page token or cursor the server never handed out"
    } else {
        "a request that repeats what an earlier one created (the operation's valid request is refused now too)"
    };
    for f in verdict.findings.iter_mut().filter(|f| f.rule == Rule::StatusDocumented) {
        f.violation.message =
            format!("{} is a right refusal of {why}, but the document does not list it; document it", verdict.status);
        *f = Finding::of(Rule::ErrorDocumented, f.violation.clone());
    }
}
