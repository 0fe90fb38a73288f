//! `specmock proxy`: forwards every request to the real server, judges the request and the
//! response against the document, and says what it found in a `specmock-violations`
//! header (and the log). `--strict` answers invalid requests itself; `--record` keeps
//! every exchange as a fixture that `specmock validate` reads.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, header};
use serde_json::Value;

use super::exchange::{Recorded, to_fixture};
use super::judge::{Finding, Judge, Rule};
use crate::mock::OperationTag;
use crate::security::{self, Auth, Tokens};
use crate::spec::Api;
use crate::style::{Voice, problem, render_error, validation_status};
use crate::validate::{Part, RequestInput, Violation, check_request};

pub const VIOLATIONS_HEADER: &str = "specmock-violations";

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
    client: reqwest::Client,
    strict: bool,
    record: Option<PathBuf>,
    tokens: Option<Tokens>,
    recorded: AtomicUsize,
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
        Ok(Proxy {
            judge: Judge::new(api).map_err(|e| e.to_string())?,
            upstream,
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
        let mut findings: Vec<Finding> = Vec::new();
        let routed = self.judge.route(&method, &path);
        let mut tag = None;

        if let Some((op, params)) = &routed {
            tag = Some(OperationTag(Arc::clone(&op.label)));
            let api = self.judge.api();
            if self.strict {
                if let Some(refusal) = self.refuse(api, op, &request, params) {
                    return self.finish(&request, &target, refusal, &[], tag);
                }
            } else {
                let input = RequestInput {
                    method: &method,
                    query: request.uri().query(),
                    headers: request.headers(),
                    path_params: params,
                    body: request.body(),
                };
                let violations = match check_request(api, op, &input, true) {
                    Ok(checked) => checked.violations,
                    Err(unsupported) => {
                        vec![unsupported.violation()]
                    }
                };
                findings.extend(violations.into_iter().map(|mut v| {
                    v.location = format!("request/{}", v.location);
                    Finding { rule: Rule::InvalidRequestRejected, violation: v }
                }));
            }
        } else {
            findings.push(Finding::new(
                Rule::OperationDocumented,
                "operation",
                format!("no documented operation matches {method} {path}"),
            ));
        }

        let upstream = match self.forward(&request, &target).await {
            Ok(r) => r,
            Err(e) => {
                let answer = problem(502, format!("the upstream {} did not answer: {e}", self.upstream), &[]);
                return self.finish(&request, &target, answer, &findings, tag);
            }
        };
        if let Some((op, _)) = &routed {
            findings.extend(self.judge.response(
                op,
                &method,
                upstream.status().as_u16(),
                upstream.headers(),
                upstream.body(),
            ));
        }
        self.finish(&request, &target, upstream, &findings, tag)
    }

    /// Strict mode: credentials, content type and validity, answered in the document's style.
    fn refuse(
        &self,
        api: &Api,
        op: &crate::spec::Operation,
        request: &Request<Bytes>,
        params: &[(&str, std::borrow::Cow<'_, str>)],
    ) -> Option<Response<Bytes>> {
        let path = request.uri().path();
        match security::check(api, op, request.headers(), request.uri().query(), self.tokens.as_ref()) {
            Auth::Allowed => {}
            Auth::Unauthorized { challenges, reason } => {
                let mut r = render_error(
                    api,
                    op,
                    401,
                    &[Violation::new(Part::Message, "", "unauthorized", reason)],
                    Voice::Example,
                    path,
                );
                for c in challenges {
                    if let Ok(v) = HeaderValue::from_str(&c) {
                        r.headers_mut().append(header::WWW_AUTHENTICATE, v);
                    }
                }
                return Some(r);
            }
            Auth::Forbidden { reason } => {
                return Some(render_error(
                    api,
                    op,
                    403,
                    &[Violation::new(Part::Message, "", "forbidden", reason)],
                    Voice::Example,
                    path,
                ));
            }
        }
        let input = RequestInput {
            method: request.method(),
            query: request.uri().query(),
            headers: request.headers(),
            path_params: params,
            body: request.body(),
        };
        match check_request(api, op, &input, true) {
            Err(unsupported) => Some(render_error(api, op, 415, &[unsupported.violation()], Voice::Framework, path)),
            Ok(checked) if !checked.violations.is_empty() => {
                Some(render_error(api, op, validation_status(op), &checked.violations, Voice::Template, path))
            }
            Ok(_) => None,
        }
    }

    async fn forward(&self, request: &Request<Bytes>, target: &str) -> Result<Response<Bytes>, String> {
        let mut headers = HeaderMap::new();
        for (name, value) in request.headers() {
            if !hop_by_hop(name) && name != header::HOST && name != header::CONTENT_LENGTH {
                headers.append(name.clone(), value.clone());
            }
        }
        let sent = self
            .client
            .request(request.method().clone(), format!("{}{target}", self.upstream))
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

    /// Adds the verdict header, logs, records.
    fn finish(
        &self,
        request: &Request<Bytes>,
        target: &str,
        mut response: Response<Bytes>,
        findings: &[Finding],
        tag: Option<OperationTag>,
    ) -> Response<Bytes> {
        for f in findings {
            tracing::warn!(
                "{} {target}: {}: {}: {}",
                request.method(),
                f.rule.as_str(),
                f.violation.location,
                f.violation.message
            );
        }
        let list: Vec<Value> = findings.iter().map(|f| serde_json::to_value(f).unwrap_or_default()).collect();
        let text = ascii_json(&Value::Array(list));
        if let Ok(v) = HeaderValue::from_str(&text) {
            response.headers_mut().insert(HeaderName::from_static(VIOLATIONS_HEADER), v);
        }
        if let Some(dir) = &self.record {
            self.save(dir, request, target, &response);
        }
        if let Some(tag) = tag {
            response.extensions_mut().insert(tag);
        }
        response
    }

    fn save(&self, dir: &std::path::Path, request: &Request<Bytes>, target: &str, response: &Response<Bytes>) {
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
        let mut response_headers = response.headers().clone();
        response_headers.remove(VIOLATIONS_HEADER);
        let fixture = to_fixture(
            &format!("{} {target}", request.method()),
            request.method(),
            target,
            &Recorded { headers: request.headers().clone(), body: request.body().clone(), ..Recorded::default() },
            response.status().as_u16(),
            &Recorded { headers: response_headers, body: response.body().clone(), ..Recorded::default() },
        );
        let text = serde_json::to_string_pretty(&fixture).unwrap_or_default();
        // Written whole to a temporary name and renamed, so a reader never sees half a file.
        let partial = file.with_extension("json.partial");
        let written = std::fs::write(&partial, text).and_then(|_| std::fs::rename(&partial, &file));
        if let Err(e) = written {
            tracing::warn!("cannot record {}: {e}", file.display());
        }
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

/// JSON that fits in a header: non-ASCII escaped as `\uXXXX`.
fn ascii_json(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}
