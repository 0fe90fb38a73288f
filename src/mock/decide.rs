//! Which answer a routed request gets, in the order a user expects to be able to override
//! it: the gate refuses first (401/403/415/422); then `Prefer`, which overrides everything;
//! then the first matching rule; then the sandbox; then the response example paired with
//! the request's named example; then the documented default. Delays and faults are decided
//! alongside (see `timing`).

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};

use super::rules::{self, Rule, Seen};
use super::timing::{self, Timing};
use super::{Mock, MockOptions, Prefer, pairing};
use crate::gate;
use crate::journal::{Chosen, Reasons};
use crate::reply::reply;
use crate::route::{Mount, OperationRef};
use crate::spec::Operation;
use crate::store::{Acted, Call, Listener};
use crate::style::{problem, validation_status};
use crate::units::DelayRange;
use crate::validate::RequestInput;

/// What an operation adds to the mock's choice: its rules (the rules file's first, then the
/// document's own) and its `x-specmock-delay`.
#[derive(Debug, Default)]
pub struct Behaviour {
    pub rules: Vec<Rule>,
    pub delay: Option<DelayRange>,
}

/// Each operation's rules (the rules file's first) and `x-specmock-delay`, checked.
pub(super) fn behaviours(mounts: &[Mount], options: &MockOptions) -> Result<Vec<Vec<Behaviour>>, rules::RuleError> {
    let mut from_file = match &options.rules_file {
        Some(path) => rules::read_file(path, mounts)?,
        None => Vec::new(),
    };
    let mut out = Vec::with_capacity(mounts.len());
    for (m, mount) in mounts.iter().enumerate() {
        let mut ops = Vec::with_capacity(mount.api.operations.len());
        for (o, op) in mount.api.operations.iter().enumerate() {
            let mut rules = from_file.get_mut(m).and_then(|ops| ops.get_mut(o)).map(std::mem::take).unwrap_or_default();
            rules.extend(rules::for_operation(&mount.api, op)?);
            let delay = match &op.mock_hints.delay {
                Some(value) => Some(crate::units::parse_delay_range(&rules::text_of(value)).map_err(|message| {
                    rules::RuleError {
                        file: mount.api.source.clone(),
                        pointer: crate::spec::pointer::push(&op.pointer, "x-specmock-delay"),
                        message,
                    }
                })?),
                None => None,
            };
            ops.push(Behaviour { rules, delay });
        }
        out.push(ops);
    }
    Ok(out)
}

/// What the journal is told about one answer.
#[derive(Debug, Default)]
pub(super) struct Note {
    pub reasons: Reasons,
    /// The operation that answered (its document's credentials are redacted; its
    /// callbacks are made).
    pub at: Option<OperationRef>,
    /// `/__specmock/` answered: not journaled.
    pub admin: bool,
    /// The delay (if any) has been decided already.
    pub timed: bool,
}

/// The header that marks an answer with a status the operation does not document.
pub const UNDOCUMENTED: &str = "specmock-undocumented";

impl Mock {
    pub(super) async fn operation(
        &self,
        at: OperationRef,
        request: &Request<Bytes>,
        params: &[(&str, Cow<'_, str>)],
        note: &mut Note,
    ) -> Response<Bytes> {
        note.timed = true;
        let prefer = match Prefer::from_request(request.headers(), request.uri().query()) {
            Ok(p) => p,
            Err(refused) => {
                note.reasons.chosen = Chosen::Error;
                note.reasons.because(format!("Prefer cannot be followed: {}", refused.message));
                return problem(refused.status, refused.message, &[]);
            }
        };
        let (mut response, mut timing, spent) = self.decide(at, request, params, &prefer, note).await;
        note.reasons.delay = timing.delay;
        for why in std::mem::take(&mut timing.why) {
            note.reasons.because(why);
        }
        match timing.fault {
            // The body itself is sent over the delay.
            Some(fault @ crate::server::Fault::SlowBody(_)) => {
                note.reasons.fault = Some(fault.name());
                response.extensions_mut().insert(fault);
                return response;
            }
            Some(fault) => {
                note.reasons.fault = Some(fault.name());
                response.extensions_mut().insert(fault);
            }
            None => {}
        }
        // The sandbox spends a delay as work (an idempotency key stays claimed meanwhile);
        // every other answer is simply sent that much later.
        if let (Some(delay), false) = (timing.delay, spent) {
            tokio::time::sleep(delay).await;
        }
        response
    }

    /// The answer, its timing, and whether the delay was spent already.
    async fn decide(
        &self,
        at: OperationRef,
        request: &Request<Bytes>,
        params: &[(&str, Cow<'_, str>)],
        prefer: &Prefer,
        note: &mut Note,
    ) -> (Response<Bytes>, Timing, bool) {
        let api = &self.mounts[at.mount].api;
        let op = &api.operations[at.index];
        let behaviour = &self.behaviours[at.mount][at.index];
        let headers = request.headers();
        let query = request.uri().query();
        let input = RequestInput { query, headers, path_params: params, body: request.body() };
        let checked = gate::judge(api, op, &input, self.options.tokens.as_ref(), self.options.validate_requests);
        let seen_body = checked.as_ref().ok().and_then(|c| c.body.as_ref());
        let rule = rules::first(&behaviour.rules, &Seen { params, query, headers, body: seen_body });
        let timing = self.timing(prefer, rule, behaviour);
        let checked = match checked {
            Ok(checked) => checked,
            // A named example of the documented error, when the client asked for one.
            Err(gate::Refusal::Invalid(violations))
                if let Some(name) = &prefer.example
                    && let Some(response) =
                        super::documented::named_error(api, op, validation_status(op), name, headers, &violations) =>
            {
                note.reasons.chosen = Chosen::Refused;
                note.reasons.because(format!("refused, with the named error example '{name}'"));
                note.reasons.violations = violations;
                return (response, timing, false);
            }
            Err(refusal) => {
                let violations = refusal.violations();
                note.reasons.chosen = Chosen::Refused;
                if let Some(first) = violations.first() {
                    note.reasons.because(format!("refused: {}: {}", first.location, first.message));
                }
                note.reasons.violations = violations;
                return (gate::render(api, op, &refusal, request.uri().path()), timing, false);
            }
        };
        let prefers = prefer.code.is_some() || prefer.example.is_some();
        if prefers {
            let asked: Vec<String> =
                [prefer.code.map(|c| format!("code={c}")), prefer.example.as_ref().map(|e| format!("example={e}"))]
                    .into_iter()
                    .flatten()
                    .collect();
            note.reasons.because(format!("Prefer: {}", asked.join(", ")));
            return (self.documented(api, op, prefer, headers, &mut note.reasons), timing, false);
        }
        if let Some(rule) = rule.filter(|r| r.answer.chooses()) {
            note.reasons.because(rule.label.clone());
            let mut response = match &rule.answer.body {
                Some((body, content_type)) => inline(api, op, rule, body, content_type, &mut note.reasons),
                None => {
                    let chosen =
                        Prefer { code: rule.answer.status, example: rule.answer.example.clone(), ..prefer.clone() };
                    self.documented(api, op, &chosen, headers, &mut note.reasons)
                }
            };
            add_headers(&mut response, rule);
            return (response, timing, false);
        }
        // The sandbox answers resource operations.
        if let Some(store) = self.store.as_ref().filter(|s| s.handles(at)) {
            let slow_body = matches!(timing.fault, Some(crate::server::Fault::SlowBody(_)));
            let delay = if slow_body { None } else { timing.delay };
            let call = Call { at, request, params, body: checked.body, delay };
            if let Some(mut response) = Box::pin(store.answer(call)).await {
                note.reasons.chosen = Chosen::Sandbox;
                note.reasons.because("the stateful sandbox answered");
                if let Some(rule) = rule {
                    add_headers(&mut response, rule);
                }
                return (response, timing, delay.is_some());
            }
            return self.by_example(api, op, prefer, request, params, (None, None), rule, timing, note);
        }
        let sent = (checked.body.as_ref(), checked.media);
        self.by_example(api, op, prefer, request, params, sent, rule, timing, note)
    }

    /// The paired example, else the documented default.
    #[allow(clippy::too_many_arguments)]
    fn by_example(
        &self,
        api: &crate::spec::Api,
        op: &Operation,
        prefer: &Prefer,
        request: &Request<Bytes>,
        params: &[(&str, Cow<'_, str>)],
        (body, media): (Option<&serde_json::Value>, Option<&crate::spec::MediaType>),
        rule: Option<&Rule>,
        timing: Timing,
        note: &mut Note,
    ) -> (Response<Bytes>, Timing, bool) {
        let sent = pairing::Sent { body, media, params, query: request.uri().query(), headers: request.headers() };
        // Generated answers (--dynamic, Prefer: dynamic=true) are not paired with examples.
        let from_examples = !prefer.dynamic.unwrap_or(self.options.dynamic);
        let mut response = match pairing::pair(op, &sent).filter(|_| from_examples) {
            Some((status, example, why)) => {
                note.reasons.because(why);
                let chosen = Prefer { code: Some(status), example: Some(example), ..prefer.clone() };
                self.documented(api, op, &chosen, request.headers(), &mut note.reasons)
            }
            None => self.documented(api, op, prefer, request.headers(), &mut note.reasons),
        };
        if let Some(rule) = rule {
            add_headers(&mut response, rule);
        }
        // A documented answer still makes the calls its operation documents (callbacks).
        if let Some(events) = &self.events
            && !op.hooks.callbacks.is_empty()
            && let Some(at) = note.at
        {
            events.acted(Acted { at, change: None, item: None, request, params, response: &response });
        }
        (response, timing, false)
    }

    fn timing(&self, prefer: &Prefer, rule: Option<&Rule>, behaviour: &Behaviour) -> Timing {
        timing::Sources {
            prefer_delay: prefer.delay,
            prefer_fault: prefer.fault.as_deref(),
            rule: rule.map(|r| (r.label.as_str(), r.answer.delay, r.answer.fault.as_deref())),
            operation_delay: behaviour.delay,
            flag_delay: self.options.delay,
            flag_faults: self.options.faults.as_ref(),
        }
        .decide(rand::random::<f64>)
    }
}

fn add_headers(response: &mut Response<Bytes>, rule: &Rule) {
    for (name, value) in &rule.answer.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
}

/// A rule's own body, under its status (or the lowest documented 2xx).
fn inline(
    api: &crate::spec::Api,
    op: &Operation,
    rule: &Rule,
    body: &Bytes,
    content_type: &HeaderValue,
    reasons: &mut Reasons,
) -> Response<Bytes> {
    let status = rule
        .answer
        .status
        .or_else(|| super::documented::choose_response(op, None).ok().map(|(s, _)| s))
        .unwrap_or(StatusCode::OK);
    let mut response = reply(status, Some(content_type.clone()), body.clone());
    if let Some(documented) = op.response_for(status) {
        super::documented::add_documented_headers(api, documented, response.headers_mut());
    }
    reasons.chosen = Chosen::Rule;
    response
}

/// `Prefer: code=503` on an operation that does not document 503: that status, with a
/// problem+json body saying so, so a client's error handling can be tried on any document.
pub(super) fn undocumented(op: &Operation, code: StatusCode, reasons: &mut Reasons) -> Response<Bytes> {
    reasons.chosen = Chosen::Undocumented;
    let message = format!(
        "status {} is not documented for {} (documented: {}); answered because it was asked for",
        code.as_u16(),
        op.label,
        op.status_labels().join(", ")
    );
    let mut response = problem(code, message, &[]);
    // Statuses that carry no body by definition.
    if matches!(code, StatusCode::NO_CONTENT | StatusCode::RESET_CONTENT | StatusCode::NOT_MODIFIED) {
        response.headers_mut().remove(header::CONTENT_TYPE);
        *response.body_mut() = Bytes::new();
    }
    response.headers_mut().insert(UNDOCUMENTED, HeaderValue::from_static("true"));
    response
}

/// `--delay` for answers that are not an operation's (404, 405, preflights).
pub(super) async fn flag_delay(range: Option<DelayRange>, reasons: &mut Reasons) {
    if let Some(range) = range {
        let delay: Duration = range.at(rand::random::<f64>());
        reasons.delay = Some(delay);
        tokio::time::sleep(delay).await;
    }
}
