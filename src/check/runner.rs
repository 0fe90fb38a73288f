//! `specmock check`: send a plan of requests to a live server, concurrently, and judge
//! every answer against the document.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue};

use super::judge::{Finding, Judge, Rule, Verdict};
use super::plan::{Case, Expect, PlanOptions, curl, plan};
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
}

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
    #[error(transparent)]
    Route(#[from] crate::route::RouteError),
}

/// Called after each answer with (answered so far, total).
pub type Progress<'a> = dyn Fn(usize, usize) + Send + Sync + 'a;

pub async fn run(api: Arc<Api>, options: &CheckOptions, progress: &Progress<'_>) -> Result<Vec<Verdict>, CheckError> {
    let base = options.base_url.trim_end_matches('/').to_string();
    if !(base.starts_with("http://") || base.starts_with("https://")) || reqwest::Url::parse(&base).is_err() {
        return Err(CheckError::BaseUrl(options.base_url.clone()));
    }
    if options.max_requests == Some(0) {
        return Err(CheckError::Usage("--max-requests must be at least 1: with 0 nothing would be checked"));
    }
    let judge = Judge::new(Arc::clone(&api))?;
    let plan_options = PlanOptions {
        operations: &options.operations,
        tags: &options.tags,
        seed: options.seed,
        auth: options.auth.as_deref(),
        headers: &options.headers,
    };
    let mut cases = plan(&api, &plan_options);
    if cases.is_empty() {
        return Err(CheckError::NothingSelected);
    }
    if let Some(max) = options.max_requests {
        cases.truncate(max);
    }
    let client = super::client::build(options.timeout).map_err(CheckError::Client)?;
    let total = cases.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let verdicts = futures_util::stream::iter(cases)
        .map(|case| {
            let (client, base, judge, done) = (&client, &base, &judge, &done);
            async move {
                let verdict = exchange(client, base, judge, case).await;
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(n, total);
                verdict
            }
        })
        .buffered(options.concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    Ok(verdicts)
}

async fn exchange(client: &reqwest::Client, base: &str, judge: &Judge, case: Case) -> Verdict {
    let op = &judge.api().operations[case.operation];
    let mut verdict = Verdict {
        source: String::new(),
        name: case.description.clone(),
        method: case.method.to_string(),
        path: case.target(),
        status: 0,
        operation: Some(op.label.to_string()),
        case: Some(case.description.clone()),
        findings: Vec::new(),
        curl: Some(curl(base, &case)),
        path_check: case.expect == Expect::MethodNotAllowed,
    };
    if verdict.path_check {
        verdict.operation = Some(format!("{} (any method)", op.path));
    }
    let mut request = client.request(case.method.clone(), case.url(base));
    let mut headers = HeaderMap::new();
    for (k, v) in &case.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            headers.append(k, v);
        }
    }
    if let Some((content_type, body)) = &case.body {
        if let Ok(v) = HeaderValue::from_str(content_type) {
            headers.insert(http::header::CONTENT_TYPE, v);
        }
        request = request.body(body.clone());
    }
    let answer = async {
        let response = request.headers(headers).send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok::<_, reqwest::Error>((status, headers, body))
    };
    let (status, headers, body) = match answer.await {
        Ok(answer) => answer,
        Err(e) => {
            let why = if e.is_timeout() { "timed out".to_string() } else { describe(&e) };
            verdict.findings.push(Finding::new(Rule::Answered, "transport", format!("no answer: {why}")));
            return verdict;
        }
    };
    verdict.status = status;
    verdict.findings = judge_case(judge, &case, status, &headers, &body);
    verdict
}

/// reqwest's top-level message hides the cause ("error sending request"); show it.
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

fn judge_case(judge: &Judge, case: &Case, status: u16, headers: &HeaderMap, body: &[u8]) -> Vec<Finding> {
    let op = &judge.api().operations[case.operation];
    let success = (200..300).contains(&status);
    match case.expect {
        Expect::Documented => judge.response(op, &case.method, status, headers, body),
        Expect::Refused => {
            let mut findings = judge.response(op, &case.method, status, headers, body);
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
            let mut findings = judge.response(op, &case.method, status, headers, body);
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
