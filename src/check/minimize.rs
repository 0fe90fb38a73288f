//! After the planned cases: random requests that failed, one per operation and set of
//! broken rules, shrunk to the smallest request that still breaks one of those rules. That
//! request is the one reported and reproduced; the others that failed the same way are
//! counted in its name rather than listed.

use std::collections::HashMap;

use futures_util::StreamExt;

use super::build::{Builder, Draft};
use super::keys::{fresh_key, is_idempotency_key};
use super::oracle;
use super::plan::{Case, Probe};
use super::rules::Rule;
use super::runner::Context;
use super::shrink::shrink;
use super::verdict::Verdict;
use crate::generate::slot_seed;

/// Random requests that failed alike: the operation and the rules they broke.
type FailureKey = (usize, Vec<Rule>);

/// Requests one shrink may send.
const SHRINK_BUDGET: usize = 64;

/// The verdicts in plan order, failed random requests replaced by one shrunk verdict per
/// operation and broken rules.
pub async fn minimize(context: &Context<'_>, judged: Vec<(Case, Verdict)>, concurrency: usize) -> Vec<Verdict> {
    // (operation, broken rules) → indices of the random requests that failed that way.
    let mut groups: Vec<(FailureKey, Vec<usize>)> = Vec::new();
    let mut random_per_operation: HashMap<usize, usize> = HashMap::new();
    for (i, (case, verdict)) in judged.iter().enumerate() {
        if case.probe.as_ref().is_none_or(|p| p.draft.is_none()) {
            continue;
        }
        *random_per_operation.entry(case.operation).or_default() += 1;
        if verdict.passed() {
            continue;
        }
        let key = (case.operation, broken(verdict));
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    let shrunk: Vec<(usize, Verdict)> = futures_util::stream::iter(groups)
        .map(|((operation, rules), members)| {
            let (case, verdict) = &judged[members[0]];
            let of = random_per_operation.get(&operation).copied().unwrap_or(members.len());
            async move {
                let mut smallest = smallest(context, case, verdict, &rules).await;
                let note = format!("{} of {of} random requests failed this way", members.len());
                smallest.case = smallest.case.map(|c| format!("{c}, {note}"));
                (members[0], smallest)
            }
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut replaced: HashMap<usize, Verdict> = shrunk.into_iter().collect();
    let mut out = Vec::with_capacity(judged.len());
    for (i, (case, verdict)) in judged.into_iter().enumerate() {
        let random = case.probe.as_ref().is_some_and(|p| p.draft.is_some());
        match replaced.remove(&i) {
            Some(shrunk) => out.push(shrunk),
            // Another of a group: counted in its shrunk verdict.
            None if random && !verdict.passed() => {}
            None => out.push(verdict),
        }
    }
    out
}

/// The error rules a verdict breaks, in order.
fn broken(verdict: &Verdict) -> Vec<Rule> {
    let mut rules: Vec<Rule> = verdict.findings.iter().filter(|f| f.is_error()).map(|f| f.rule).collect();
    rules.sort_by_key(|r| r.as_str());
    rules.dedup();
    rules
}

/// The smallest request found that still breaks one of `rules`, with its verdict.
async fn smallest(context: &Context<'_>, case: &Case, verdict: &Verdict, rules: &[Rule]) -> Verdict {
    let Some(probe) = &case.probe else { return verdict.clone() };
    let Some(start) = probe.draft.clone() else { return verdict.clone() };
    let api = context.judge.api();
    let builder = Builder::new(api, context.credentials);
    let op = &api.operations[case.operation];
    let build = |draft: &Draft| {
        // A new idempotency key per candidate (the same key with another body is refused).
        let mut keyed = draft.clone();
        if let Some((i, key)) = fresh_key(api, op, slot_seed(probe.seed, &format!("{draft:?}")), "shrink")
            && keyed.params[i].is_some()
        {
            keyed.params[i] = Some(key);
        }
        let mut candidate = builder.assemble(&keyed);
        candidate.description = case.description.clone();
        candidate.probe = Some(Box::new(Probe { draft: Some(draft.clone()), ..(**probe).clone() }));
        candidate
    };
    let mut last: Option<Verdict> = None;
    let fails = async |draft: &Draft| {
        if !context.spend() {
            return false;
        }
        let candidate = build(draft);
        let answer = context.try_case(&candidate).await;
        let still = answer.findings.iter().any(|f| f.is_error() && rules.contains(&f.rule));
        if still {
            last = Some(answer);
        }
        still
    };
    let valid = |draft: &Draft| oracle::is_valid(api, &build(draft));
    let kept: Vec<usize> = (0..op.params.len()).filter(|i| is_idempotency_key(&op.params[*i])).collect();
    let (_, steps) = shrink(start, &kept, valid, fails, SHRINK_BUDGET).await;
    match last {
        Some(mut shrunk) if steps > 0 => {
            shrunk.case =
                Some(format!("{}, shrunk in {steps} step{}", case.description, if steps == 1 { "" } else { "s" }));
            shrunk
        }
        _ => verdict.clone(),
    }
}
