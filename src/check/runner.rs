//! `specmock check`: send a plan of requests to a live server, concurrently, judge every
//! answer against the document, then walk each resource's lifecycle.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use http::HeaderMap;

use super::build::Credentials;
use super::confirm::{confirm, refused};
use super::curl::Reproducer;
use super::judge::{Judge, Refusal};
use super::lifecycle;
use super::minimize::minimize;
use super::plan::{Case, Expect, PlanOptions, plan, unknown_operations};
use super::report::Pace;
use super::rules::{Rule, RuleFilter};
use super::send::{Answer, send};
use super::verdict::{Finding, Kind, Verdict};
use crate::redact::Secrets;
use crate::spec::Api;

pub struct CheckOptions {
    pub base_url: String,
    /// `Authorization` for requests that should be allowed, e.g. `Bearer sk_test_…`.
    pub auth: Option<String>,
    pub headers: Vec<(String, String)>,
    pub operations: Vec<String>,
    pub tags: Vec<String>,
    pub max_requests: Option<usize>,
    pub seed: u64,
    pub concurrency: usize,
    pub timeout: Duration,
    /// `--checks`, `--exclude-checks`, `--strict`.
    pub rules: RuleFilter,
    /// Walk each resource's lifecycle (create → read → update → list → delete).
    pub stateful: bool,
    /// Random valid requests per operation (`--max-examples`), besides the boundary cases.
    pub max_examples: usize,
}

/// `--max-examples` unless given: with the boundary cases, a 250-operation document
/// checks in well under a minute against a local server.
pub const DEFAULT_MAX_EXAMPLES: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("--base-url '{0}' must be an http:// or https:// URL")]
    BaseUrl(String),
    #[error("{0}")]
    Client(String),
    #[error("{0}")]
    Usage(&'static str),
    #[error("no operation matches the --operation/--tag filters")]
    NothingSelected,
    #[error("--operation {}: no such operation in the document; its operations are: {}", .unknown.join(", "), .known.join(", "))]
    UnknownOperation { unknown: Vec<String>, known: Vec<String> },
    #[error("cannot reach {url}: {why}")]
    Unreachable { url: String, why: String },
    #[error("{0} documents no operations (its `paths` is empty): nothing to check")]
    NoOperations(String),
    #[error(transparent)]
    Route(#[from] crate::route::RouteError),
    #[error(transparent)]
    Resources(#[from] crate::store::HintError),
}

/// What a run came to.
#[derive(Debug, Default)]
pub struct Outcome {
    pub verdicts: Vec<Verdict>,
    /// Environment variables the `curl` reproducers read, with the flag each stands for.
    pub variables: Vec<(String, String)>,
    /// Why nothing was sent although all is well (a document of webhooks only).
    pub note: Option<String>,
    /// How many requests were sent, how long it took, and the seed.
    pub pace: Option<Pace>,
}

/// Called after each answer with (answered so far, total).
pub type Progress<'a> = dyn Fn(usize, usize) + Send + Sync + 'a;

/// Everything a run's requests share.
pub struct Context<'a> {
    pub client: reqwest::Client,
    pub base: String,
    pub judge: Judge,
    pub reproducer: Reproducer<'a>,
    pub credentials: &'a Credentials,
    /// Requests that may still be sent (`--max-requests`).
    pub budget: AtomicUsize,
    /// Requests sent so far (for the pace).
    pub sent: AtomicUsize,
}

impl Context<'_> {
    /// Takes one request from the budget; false when it is spent.
    pub fn spend(&self) -> bool {
        self.budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(1)).is_ok()
    }

    /// Sends one case and judges the answer.
    pub async fn try_case(&self, case: &Case) -> Verdict {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let answer = send(&self.client, &self.base, case).await;
        judged(self, case, answer)
    }
}

pub async fn run(api: Arc<Api>, options: &CheckOptions, progress: &Progress<'_>) -> Result<Outcome, CheckError> {
    let base = options.base_url.trim_end_matches('/').to_string();
    if !(base.starts_with("http://") || base.starts_with("https://")) || reqwest::Url::parse(&base).is_err() {
        return Err(CheckError::BaseUrl(options.base_url.clone()));
    }
    if options.max_requests == Some(0) {
        return Err(CheckError::Usage("--max-requests must be at least 1: with 0 nothing would be checked"));
    }
    if api.operations.is_empty() {
        if api.webhooks.webhooks.is_empty() {
            return Err(CheckError::NoOperations(api.source.clone()));
        }
        let n = api.webhooks.webhooks.len();
        let note = format!(
            "{} has no paths, only {n} webhook{} (requests the API sends, not answers it gives): nothing to check",
            api.source,
            if n == 1 { "" } else { "s" }
        );
        return Ok(Outcome { note: Some(note), ..Outcome::default() });
    }
    let unknown = unknown_operations(&api, &options.operations);
    if !unknown.is_empty() {
        let known = api.operations.iter().map(|op| op.label.to_string()).collect();
        return Err(CheckError::UnknownOperation { unknown, known });
    }
    let credentials = Credentials { auth: options.auth.clone(), headers: options.headers.clone() };
    let mut secrets = Secrets::of(&api);
    for value in credentials.auth.iter().chain(credentials.headers.iter().map(|(_, v)| v)) {
        secrets.add_value(value);
    }
    let started = Instant::now();
    let plan_options = PlanOptions {
        operations: &options.operations,
        tags: &options.tags,
        seed: options.seed,
        credentials: &credentials,
        max_examples: options.max_examples,
    };
    let planned = plan(&api, &plan_options);
    let mut cases = planned.cases;
    if cases.is_empty() {
        return Err(CheckError::NothingSelected);
    }
    if let Some(max) = options.max_requests {
        cases.truncate(max);
    }
    let context = Context {
        client: super::client::build(options.timeout).map_err(CheckError::Client)?,
        judge: Judge::new(Arc::clone(&api))?,
        reproducer: Reproducer::new(&options.base_url, &credentials, &secrets),
        credentials: &credentials,
        budget: AtomicUsize::new(options.max_requests.map_or(usize::MAX, |max| max - cases.len())),
        sent: AtomicUsize::new(0),
        base,
    };
    let total = cases.len();
    let done = AtomicUsize::new(0);
    let report = |_| progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);

    // The first request alone: a server that is not there is one message, not one per case.
    let mut cases = cases.into_iter();
    let mut judged_cases = Vec::with_capacity(total);
    if let Some(first) = cases.next() {
        context.sent.fetch_add(1, Ordering::Relaxed);
        match send(&context.client, &context.base, &first).await {
            Err(failure) if failure.unreachable => {
                return Err(CheckError::Unreachable { url: context.base.clone(), why: failure.message });
            }
            answer => {
                let verdict = judged(&context, &first, answer);
                judged_cases.push((first, verdict));
            }
        }
        report(());
    }
    // Lifecycles first, while collections hold only what they were seeded with: the probes
    // below create many items, and a list that pages them is no evidence either way.
    let lifecycles = if options.stateful {
        lifecycle::run_all(&context, &plan_options, options.concurrency).await?
    } else {
        lifecycle::Lifecycles { verdicts: Vec::new(), keeps_no_state: false }
    };
    let rest = futures_util::stream::iter(cases)
        .map(|case| {
            let context = &context;
            async move {
                let verdict = context.try_case(&case).await;
                report(());
                (case, verdict)
            }
        })
        .buffered(options.concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    judged_cases.extend(rest);
    // Unless a lifecycle showed the server keeps no state, it may.
    confirm(&context, &mut judged_cases, !lifecycles.keeps_no_state).await;
    // Failed random requests are shrunk to the smallest that still fails.
    let mut verdicts = minimize(&context, judged_cases, options.concurrency).await;
    verdicts.extend(lifecycles.verdicts);
    for (operation, finding) in planned.notes {
        verdicts.push(Verdict {
            operation: Some(api.operations[operation].label.to_string()),
            case: Some("document".into()),
            findings: vec![finding],
            kind: Kind::Document,
            ..Verdict::default()
        });
    }
    for verdict in &mut verdicts {
        verdict.apply(&options.rules);
        verdict.redact(&secrets);
    }
    let pace = Pace { requests: context.sent.load(Ordering::Relaxed), elapsed: started.elapsed(), seed: options.seed };
    Ok(Outcome { verdicts, variables: context.reproducer.variables(), note: None, pace: Some(pace) })
}

/// The verdict on one case's answer (or on its having none).
pub fn judged(context: &Context<'_>, case: &Case, answer: Result<Answer, super::send::Failure>) -> Verdict {
    let op = &context.judge.api().operations[case.operation];
    let mut verdict = Verdict {
        name: case.description.clone(),
        method: case.method.to_string(),
        path: case.target(),
        operation: Some(op.label.to_string()),
        case: Some(case.description.clone()),
        curl: Some(context.reproducer.curl(case)),
        probe: case.probe.as_ref().map(|p| p.label.clone()),
        seed: case.probe.as_ref().map(|p| p.seed),
        ..Verdict::default()
    };
    if case.expect == Expect::MethodNotAllowed {
        verdict.kind = Kind::PathCheck;
        verdict.operation = Some(format!("{} (any method)", op.path));
    }
    match answer {
        Ok(answer) => {
            verdict.status = answer.status;
            verdict.findings = judge_case(&context.judge, case, &answer.headers, &answer);
        }
        Err(failure) => {
            verdict.findings.push(Finding::new(Rule::Answered, "transport", format!("no answer: {}", failure.message)))
        }
    }
    verdict
}

fn judge_case(judge: &Judge, case: &Case, headers: &HeaderMap, answer: &Answer) -> Vec<Finding> {
    let op = &judge.api().operations[case.operation];
    let (status, body) = (answer.status, answer.body.as_ref());
    let success = (200..300).contains(&status);
    match case.expect {
        Expect::Documented => {
            // A made-up id rightly finds nothing.
            let mut findings = if op.path.contains('{') {
                judge.refusal(op, &case.method, Refusal::Missing, status, headers, body)
            } else {
                judge.response(op, &case.method, status, headers, body)
            };
            // The valid request comes from the examples: a server may rightly refuse it when a
            // previous run created the same values. Probes are settled by `confirm`.
            if refused(status) && case.probe.is_some() {
                findings.push(Finding::new(
                    Rule::ValidRequestAccepted,
                    "validation",
                    format!("refused a request the document says is valid with {status} ({})", case.description),
                ));
            }
            findings
        }
        Expect::Refused => {
            let mut findings = judge.refusal(op, &case.method, Refusal::Credentials, status, headers, body);
            if success {
                findings.push(Finding::new(
                    Rule::AuthEnforced,
                    "security",
                    format!("answered {status} without credentials; the operation requires them"),
                ));
            } else if status != 401 && status != 403 && status < 500 {
                findings.push(Finding::new(
                    Rule::AuthEnforced,
                    "security",
                    format!("answered {status} without credentials; expected 401 (or 403)"),
                ));
            }
            findings
        }
        Expect::Rejected => {
            let mut findings = judge.refusal(op, &case.method, Refusal::Invalid, status, headers, body);
            if success || (300..400).contains(&status) {
                findings.push(Finding::new(
                    Rule::InvalidRequestRejected,
                    "validation",
                    format!("accepted an invalid request with {status} ({})", case.description),
                ));
            }
            findings
        }
        Expect::MethodNotAllowed => {
            let mut findings = Vec::new();
            if status >= 500 {
                findings.push(Finding::new(Rule::NoServerError, "status", format!("the server failed with {status}")));
            } else if status != 405 {
                findings.push(Finding::new(
                    Rule::MethodNotAllowed,
                    "status",
                    format!("answered {status} to {}, which the path does not document; expected 405", case.method),
                ));
            } else if !headers.contains_key(http::header::ALLOW) {
                findings.push(Finding::new(Rule::MethodNotAllowed, "allow", "answered 405 without an Allow header"));
            }
            findings
        }
    }
}
