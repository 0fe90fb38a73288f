//! `specmock proxy`: forwards every request to the real server, judges the request and the
//! response against the document, and says what it found in a `specmock-violations`
//! header (and the log). `--strict` answers invalid requests itself; `--record` keeps
//! every exchange the upstream answered as a fixture that `specmock validate` reads, with
//! credentials redacted.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, header};
use serde_json::Value;

use super::exchange::{Recorded, to_fixture};
use super::judge::Judge;
use super::request::RequestVerdict;
use super::rules::Rule;
use super::verdict::Finding;
use crate::gate;
use crate::redact::Secrets;
use crate::security::Tokens;
use crate::server::OperationTag;
use crate::spec::Api;
use crate::style::problem;
use crate::validate::RequestInput;

pub use crate::style::VIOLATIONS_HEADER;
/// `upstream`, or `proxy` when the proxy answered itself (strict refusals, 502): then the
/// violations header lists what was wrong with the request, and the upstream never saw it.
pub const ANSWERED_BY_HEADER: &str = "specmock-answered-by";

/// Who produced an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    Upstream,
    Proxy,
}

impl By {
    fn as_str(self) -> &'static str {
        match self {
            By::Upstream => "upstream",
            By::Proxy => "proxy",
        }
    }
}

pub struct ProxyOptions {
    pub upstream: String,
    pub strict: bool,
    pub record: Option<PathBuf>,
    pub timeout: Duration,
    pub tokens: Option<Tokens>,
}

pub struct Proxy {
    judge: Judge,
    upstream: String,
    /// The upstream's path (`/v2` of `http://host/v2`), which clients may send too.
    upstream_path: String,
    client: reqwest::Client,
    strict: bool,
    record: Option<PathBuf>,
    tokens: Option<Tokens>,
    recorded: AtomicUsize,
    secrets: Secrets,
}

impl Proxy {
    pub fn new(api: Arc<Api>, options: ProxyOptions) -> Result<Proxy, String> {
        let upstream = options.upstream.trim_end_matches('/').to_string();
        if !(upstream.starts_with("http://") || upstream.starts_with("https://"))
            || reqwest::Url::parse(&upstream).is_err()
        {
            return Err(format!("--upstream '{}' must be an http:// or https:// URL", options.upstream));
        }
        if let Some(dir) = &options.record {
            std::fs::create_dir_all(dir).map_err(|e| format!("--record {}: {e}", dir.display()))?;
        }
        // The upstream's own path, when it is written as the URL's last part (no query).
        let upstream_path = reqwest::Url::parse(&upstream)
            .map(|u| u.path().trim_end_matches('/').to_string())
            .ok()
            .filter(|p| upstream.ends_with(p.as_str()))
            .unwrap_or_default();
        Ok(Proxy {
            secrets: Secrets::of(&api),
            judge: Judge::new(api).map_err(|e| e.to_string())?.also_under(&upstream_path),
            upstream,
            upstream_path,
            client: super::client::build(options.timeout)?,
            strict: options.strict,
            record: options.record,
            tokens: options.tokens,
            recorded: AtomicUsize::new(0),
        })
    }

    async fn exchange(&self, request: Request<Bytes>) -> Response<Bytes> {
        let method = request.method().clone();
        let path = request.uri().path().to_string();
        let target = request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| path.clone());
        let Some((op, params)) = self.judge.route(&method, &path) else {
            let findings = vec![Finding::new(
                Rule::OperationDocumented,
                "operation",
                format!("no documented operation matches {method} {path}"),
            )];
            return match self.forward(&request, &target).await {
                Ok(upstream) => self.finish(&request, &target, upstream, &findings, By::Upstream, None).await,
                Err(answer) => self.finish(&request, &target, answer, &findings, By::Proxy, None).await,
            };
        };
        let tag = Some(OperationTag(Arc::clone(&op.label)));
        let seen = RequestInput {
            query: request.uri().query(),
            headers: request.headers(),
            path_params: &params,
            body: request.body(),
        };
        let verdict = self.judge.request(op, &seen);
        if self.strict
            && let Some((refusal, findings)) = self.refuse(op, &seen, &path)
        {
            return self.finish(&request, &target, refusal, &findings, By::Proxy, tag).await;
        }
        let upstream = match self.forward(&request, &target).await {
            Ok(r) => r,
            Err(answer) => return self.finish(&request, &target, answer, &verdict.findings(), By::Proxy, tag).await,
        };
        let findings =
            self.judge.answered(op, &method, verdict, upstream.status().as_u16(), upstream.headers(), upstream.body());
        self.finish(&request, &target, upstream, &findings, By::Upstream, tag).await
    }

    /// Strict mode: the mock's refusal, in the document's style, with the request's own
    /// findings.
    fn refuse(
        &self,
        op: &crate::spec::Operation,
        request: &RequestInput<'_>,
        path: &str,
    ) -> Option<(Response<Bytes>, Vec<Finding>)> {
        let api = self.judge.api();
        let refusal = gate::judge(api, op, request, self.tokens.as_ref(), true).err()?;
        let findings = match &refusal {
            // Credentials concern the request as a whole.
            gate::Refusal::Unauthorized { .. } | gate::Refusal::Forbidden { .. } => {
                refusal.violations().into_iter().map(|violation| Finding::of(Rule::RequestValid, violation)).collect()
            }
            _ => RequestVerdict { violations: refusal.violations(), credentials_missing: false }.findings(),
        };
        Some((gate::render(api, op, &refusal, path), findings))
    }

    /// The upstream's answer, or the proxy's own 502 when it gives none.
    async fn forward(&self, request: &Request<Bytes>, target: &str) -> Result<Response<Bytes>, Response<Bytes>> {
        self.send(request, target).await.map_err(|e| {
            problem(StatusCode::BAD_GATEWAY, format!("the upstream {} did not answer: {e}", self.upstream), &[])
        })
    }

    async fn send(&self, request: &Request<Bytes>, target: &str) -> Result<Response<Bytes>, String> {
        let mut headers = HeaderMap::new();
        for (name, value) in request.headers() {
            if !hop_by_hop(name) && name != header::HOST && name != header::CONTENT_LENGTH {
                headers.append(name.clone(), value.clone());
            }
        }
        let sent = self
            .client
            .request(request.method().clone(), self.upstream_url(target))
            .headers(headers)
            .body(request.body().clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = sent.status();
        let mut answer_headers = HeaderMap::new();
        for (name, value) in sent.headers() {
            if !hop_by_hop(name) && name != header::CONTENT_LENGTH {
                answer_headers.append(name.clone(), value.clone());
            }
        }
        let body = sent.bytes().await.map_err(|e| e.to_string())?;
        let mut response = Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = answer_headers;
        Ok(response)
    }

    /// Where a request goes: the client's path under the upstream URL, without repeating a
    /// base path both have (`/v2/pets` to `http://host/v2` is `http://host/v2/pets`).
    fn upstream_url(&self, target: &str) -> String {
        let base = &self.upstream_path;
        let carries_base = !base.is_empty()
            && target.strip_prefix(base.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']));
        match carries_base {
            true => format!("{}{target}", self.upstream.strip_suffix(base.as_str()).unwrap_or(&self.upstream)),
            false => format!("{}{target}", self.upstream),
        }
    }

    /// Adds the verdict headers, logs, records.
    async fn finish(
        &self,
        request: &Request<Bytes>,
        target: &str,
        mut response: Response<Bytes>,
        findings: &[Finding],
        by: By,
        tag: Option<OperationTag>,
    ) -> Response<Bytes> {
        if !findings.is_empty() {
            // The log is printed: the request's own credentials stay out of it.
            let mut secrets = self.secrets.clone();
            secrets.remember(request.headers(), target);
            let shown = secrets.target(target);
            for f in findings {
                tracing::warn!(
                    "{} {shown}: {}: {}: {}",
                    request.method(),
                    f.rule.as_str(),
                    f.violation.location,
                    secrets.scrub(&f.violation.message)
                );
            }
        }
        let list: Vec<Value> = findings.iter().map(|f| serde_json::to_value(f).unwrap_or_default()).collect();
        if let Some(v) = crate::style::header_json(&Value::Array(list)) {
            response.headers_mut().insert(HeaderName::from_static(VIOLATIONS_HEADER), v);
        }
        response
            .headers_mut()
            .insert(HeaderName::from_static(ANSWERED_BY_HEADER), HeaderValue::from_static(by.as_str()));
        // Fixtures are what the upstream did; the proxy's own answers would misrepresent it.
        if let (Some(dir), By::Upstream) = (&self.record, by) {
            self.save(dir, request, target, &response).await;
        }
        if let Some(tag) = tag {
            response.extensions_mut().insert(tag);
        }
        response
    }

    async fn save(&self, dir: &std::path::Path, request: &Request<Bytes>, target: &str, response: &Response<Bytes>) {
        let n = self.recorded.fetch_add(1, Ordering::Relaxed) + 1;
        let slug: String = request
            .uri()
            .path()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .trim_matches('-')
            .chars()
            .take(60)
            .collect();
        let file = dir.join(format!("{n:05}-{}-{slug}.json", request.method().as_str().to_ascii_lowercase()));
        let mut response_headers = self.secrets.response_headers(response.headers());
        response_headers.remove(VIOLATIONS_HEADER);
        response_headers.remove(ANSWERED_BY_HEADER);
        // Credentials never reach the disk; their presence does (see redact.rs).
        let target = self.secrets.target(target);
        let request_headers = self.secrets.request_headers(request.headers());
        let fixture = to_fixture(
            &format!("{} {target}", request.method()),
            request.method(),
            &target,
            &Recorded { headers: request_headers, body: request.body().clone(), ..Recorded::default() },
            response.status().as_u16(),
            &Recorded { headers: response_headers, body: response.body().clone(), ..Recorded::default() },
        );
        let text = serde_json::to_string_pretty(&fixture).unwrap_or_default();
        // Off the async workers (a slow disk must not hold up other exchanges), but before the
        // answer goes out, so a client that got its answer finds the recording.
        let task = tokio::task::spawn_blocking(move || {
            // Written whole to a temporary name and renamed, so a reader never sees half a file.
            let partial = file.with_extension("json.partial");
            let written = std::fs::write(&partial, text).and_then(|_| std::fs::rename(&partial, &file));
            if let Err(e) = written {
                tracing::warn!("cannot record {}: {e}", file.display());
            }
        });
        let _ = task.await;
    }
}

impl crate::server::Handler for Proxy {
    async fn handle(&self, request: Request<Bytes>, _peer: std::net::SocketAddr) -> Response<Bytes> {
        self.exchange(request).await
    }
}

fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}
