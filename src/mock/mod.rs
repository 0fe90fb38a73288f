//! The mock: answers requests the way the documented API would.
//!
//! Order of questions, as a real API asks them: is there such an operation (404/405),
//! are the credentials good (401/403), is the body's type accepted (415), is the request
//! valid (422 in the vendor's style), and only then — which documented answer to give.

mod admin;
mod conform;
mod negotiate;
mod prefer;

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};

use crate::gate;
use crate::generate;
use crate::route::{Lookup, Mount, Router};
use crate::spec::{Api, Operation, Response as Documented, StatusKey};
use crate::validate::{RequestInput, Violation};

pub use prefer::Prefer;

use crate::events::Events;
use crate::security::Tokens;
use crate::store::{Acted, Call, Listener, Store};
use crate::style::{VIOLATIONS_HEADER, header_json, problem, validation_status};

/// How the mock behaves; the CLI flags of `serve`.
#[derive(Debug, Clone)]
pub struct MockOptions {
    /// Validate requests (`--validate-request false` turns it off).
    pub validate_requests: bool,
    /// Generate bodies from schemas even where examples exist (`--dynamic`).
    pub dynamic: bool,
    /// Seed for generated bodies (`--seed`); without one, dynamic answers differ each time.
    pub seed: Option<u64>,
    /// Answer CORS preflights and add CORS headers (`--cors false` turns it off).
    pub cors: bool,
    /// `--tokens FILE`.
    pub tokens: Option<Tokens>,
    /// `--admin-token`: required (as a bearer token) on `/__specmock/`; without it only
    /// loopback clients may use the admin surface.
    pub admin_token: Option<String>,
    /// Tag each answer with its operation, for the access log (off when nothing logs).
    pub tag_operations: bool,
    /// Judge every answer before sending it; one that breaks the document becomes a 500
    /// (`--validate-responses`).
    pub validate_responses: bool,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            validate_requests: true,
            dynamic: false,
            seed: None,
            cors: true,
            tokens: None,
            admin_token: None,
            tag_operations: true,
            validate_responses: false,
        }
    }
}

/// Which operation answered, for the access log.
#[derive(Debug, Clone)]
pub struct OperationTag(pub Arc<str>);

pub struct Mock {
    mounts: Vec<Mount>,
    router: Router,
    options: MockOptions,
    store: Option<Store>,
    events: Option<Arc<Events>>,
}

impl Mock {
    pub fn new(mounts: Vec<Mount>, options: MockOptions) -> Result<Mock, crate::route::RouteError> {
        let router = Router::new(&mounts)?;
        Ok(Mock { mounts, router, options, store: None, events: None })
    }

    /// Makes the mock a stateful sandbox.
    pub fn with_store(mut self, store: Store) -> Mock {
        self.store = Some(store);
        self
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// Fires the documents' webhooks and callbacks (the sandbox is told separately).
    pub fn with_events(mut self, events: Arc<Events>) -> Mock {
        self.events = Some(events);
        self
    }

    pub fn events(&self) -> Option<&Arc<Events>> {
        self.events.as_ref()
    }

    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    /// Answers one request whose body has been read.
    pub async fn respond(&self, request: &Request<Bytes>, peer: std::net::SocketAddr) -> Response<Bytes> {
        let mut response = self.answer(request, peer).await;
        if self.options.cors {
            cors_headers(request.headers(), response.headers_mut());
        }
        if request.method() == Method::HEAD {
            // The headers GET would send, Content-Length included, without the body.
            let length = HeaderValue::from(response.body().len());
            response.headers_mut().entry(header::CONTENT_LENGTH).or_insert(length);
            *response.body_mut() = Bytes::new();
        }
        response
    }

    async fn answer(&self, request: &Request<Bytes>, peer: std::net::SocketAddr) -> Response<Bytes> {
        let method = request.method();
        let path = request.uri().path();
        let headers = request.headers();
        if self.options.cors && method == Method::OPTIONS && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return self.preflight(path);
        }
        if let Some(action) = path.strip_prefix(admin::PREFIX) {
            // Boxed, like the sandbox below: rare paths should not grow every request's future.
            return Box::pin(admin::answer(
                self.store.as_ref(),
                self.events.as_deref(),
                self.options.admin_token.as_deref(),
                request,
                peer,
                action,
            ))
            .await;
        }
        let (route, operation, params) = match self.router.lookup(method, path) {
            Lookup::Found { route, operation, params } => (route, operation, params),
            // OPTIONS asks what a path allows; unless documented, the answer is `Allow` itself.
            Lookup::MethodNotAllowed { route } if method == Method::OPTIONS => {
                let mut response = Response::new(Bytes::new());
                *response.status_mut() = StatusCode::NO_CONTENT;
                response.headers_mut().insert(header::ALLOW, route.allow.clone());
                return response;
            }
            Lookup::MethodNotAllowed { route } => {
                let mut response = problem(405, format!("{method} is not documented for {path}"), &[]);
                response.headers_mut().insert(header::ALLOW, route.allow.clone());
                return response;
            }
            Lookup::NotFound => return problem(404, format!("no documented operation matches {method} {path}"), &[]),
            Lookup::BadPath { reason } => return problem(400, reason, &[]),
        };
        let api = &self.mounts[route.mount].api;
        let op = &api.operations[operation];
        let mut response = self.operation(route.mount, operation, request, &params).await;
        if self.options.validate_responses {
            response = conform::conforming(api, op, method, response);
        }
        if self.options.tag_operations {
            response.extensions_mut().insert(OperationTag(Arc::clone(&op.label)));
        }
        response
    }

    async fn operation(
        &self,
        mount: usize,
        operation: usize,
        request: &Request<Bytes>,
        params: &[(&str, std::borrow::Cow<'_, str>)],
    ) -> Response<Bytes> {
        let prefer = match Prefer::from_request(request.headers(), request.uri().query()) {
            Ok(p) => p,
            Err(message) => return problem(422, message, &[]),
        };
        // The sandbox spends a delay as work (an idempotency key stays claimed meanwhile);
        // every other answer is simply sent that much later.
        let (response, delay_left) = self.decide(mount, operation, request, params, &prefer).await;
        if let Some(delay) = delay_left {
            tokio::time::sleep(delay).await;
        }
        response
    }

    /// The answer, and the delay still to spend before sending it.
    async fn decide(
        &self,
        mount: usize,
        operation: usize,
        request: &Request<Bytes>,
        params: &[(&str, std::borrow::Cow<'_, str>)],
        prefer: &Prefer,
    ) -> (Response<Bytes>, Option<std::time::Duration>) {
        let api = &self.mounts[mount].api;
        let op = &api.operations[operation];
        let headers = request.headers();
        let query = request.uri().query();
        let path = request.uri().path();
        let later = |response: Response<Bytes>| (response, prefer.delay);

        let input =
            RequestInput { method: request.method(), query, headers, path_params: params, body: request.body() };
        let checked = match gate::judge(api, op, &input, self.options.tokens.as_ref(), self.options.validate_requests) {
            Ok(checked) => checked,
            // A named example of the documented error, when the client asked for one.
            Err(gate::Refusal::Invalid(violations))
                if let Some(name) = &prefer.example
                    && let Some(response) = named_error(api, op, validation_status(op), name, headers, &violations) =>
            {
                return later(response);
            }
            Err(refusal) => return later(gate::render(api, op, &refusal, path)),
        };
        // The sandbox answers resource operations, unless the client asked for a documented answer.
        if let Some(store) = &self.store
            && prefer.code.is_none()
            && prefer.example.is_none()
        {
            let call = Call { mount, operation, request, params, body: checked.body, delay: prefer.delay };
            if let Some(response) = Box::pin(store.answer(call)).await {
                return (response, None);
            }
        }
        let response = self.documented(api, op, prefer, headers);
        // A documented answer still makes the calls its operation documents (callbacks).
        if let Some(events) = &self.events
            && !op.hooks.callbacks.is_empty()
        {
            let item = None;
            events.acted(Acted { mount, operation, change: None, item, request, params, response: &response });
        }
        later(response)
    }

    /// The documented answer the client prefers (or the default one).
    fn documented(&self, api: &Api, op: &Operation, prefer: &Prefer, headers: &HeaderMap) -> Response<Bytes> {
        let (status, documented) = match choose_response(op, prefer.code) {
            Ok(found) => found,
            Err(message) => return problem(404, message, &[]),
        };
        let mut response = Response::new(Bytes::new());
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        // Headers first: bodiless answers (a 302's Location) carry them too.
        add_documented_headers(api, documented, response.headers_mut());
        if documented.content.is_empty() {
            return response;
        }
        let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
        let Ok(media) = negotiate::choose(accept, &documented.content) else {
            let offered: Vec<&str> = documented.content.iter().map(|m| m.name.as_str()).collect();
            return problem(
                406,
                format!("none of the documented media types ({}) is acceptable", offered.join(", ")),
                &[],
            );
        };
        let body = if let Some(name) = &prefer.example {
            match media.examples.iter().find(|e| &e.name == name) {
                Some(example) => example.bytes.clone(),
                None => {
                    let names: Vec<&str> = media.examples.iter().map(|e| e.name.as_str()).collect();
                    let documented = if names.is_empty() { "none".to_string() } else { names.join(", ") };
                    return problem(
                        404,
                        format!(
                            "example '{name}' is not documented for {status} {} (documented: {documented})",
                            media.name
                        ),
                        &[],
                    );
                }
            }
        } else {
            let dynamic = prefer.dynamic.unwrap_or(self.options.dynamic);
            match (media.examples.first(), media.schema) {
                (Some(example), _) if !dynamic => example.bytes.clone(),
                (_, Some(schema)) => {
                    // Without a seed, dynamic answers differ; static ones are stable per operation.
                    let seed = prefer
                        .seed
                        .or(self.options.seed)
                        .unwrap_or_else(|| if dynamic { generate::random_seed() } else { stable_seed(op) });
                    let generated = if dynamic {
                        generate::generate_fresh(&api.schemas, schema, seed)
                    } else {
                        generate::generate(&api.schemas, schema, seed)
                    };
                    match generated.map(|value| generate::agree_status(&api.schemas, schema, value, status)) {
                        Ok(value) => crate::xml::body(&api.schemas, &media.name, Some(schema), &value),
                        Err(e) => return problem(500, format!("cannot generate a body: {e}"), &[]),
                    }
                }
                (Some(example), None) => example.bytes.clone(),
                (None, None) => Bytes::new(),
            }
        };
        response.headers_mut().insert(header::CONTENT_TYPE, media.content_type.clone());
        *response.body_mut() = body;
        response
    }

    fn preflight(&self, path: &str) -> Response<Bytes> {
        let mut response = Response::new(Bytes::new());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let allow = match self.router.lookup(&Method::GET, path) {
            Lookup::Found { route, .. } | Lookup::MethodNotAllowed { route } => route.allow.clone(),
            Lookup::NotFound | Lookup::BadPath { .. } => {
                HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
            }
        };
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_METHODS, allow);
        response.headers_mut().insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
        response
    }
}

impl crate::server::Handler for Mock {
    async fn handle(&self, request: Request<Bytes>, peer: std::net::SocketAddr) -> Response<Bytes> {
        self.respond(&request, peer).await
    }
}

/// The error example the client named (`Prefer: example=…`), when the documented answer for
/// `status` has one by that name; what was wrong rides in the `specmock-violations` header.
fn named_error(
    api: &Api,
    op: &Operation,
    status: u16,
    name: &str,
    headers: &HeaderMap,
    violations: &[Violation],
) -> Option<Response<Bytes>> {
    let documented = op.response_for(status)?;
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let media = negotiate::choose(accept, &documented.content).ok()?;
    let example = media.examples.iter().find(|e| e.name == name)?;
    let mut response = Response::new(example.bytes.clone());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    add_documented_headers(api, documented, response.headers_mut());
    response.headers_mut().insert(header::CONTENT_TYPE, media.content_type.clone());
    if let Some(list) = serde_json::to_value(violations).ok().as_ref().and_then(header_json) {
        response.headers_mut().insert(header::HeaderName::from_static(VIOLATIONS_HEADER), list);
    }
    Some(response)
}

/// `code` (exact, then `NXX`, then `default`), else the lowest documented 2xx.
fn choose_response(op: &Operation, code: Option<u16>) -> Result<(u16, &Documented), String> {
    if let Some(code) = code {
        return op.response_for(code).map(|r| (code, r)).ok_or_else(|| {
            format!("status {code} is not documented for {} (documented: {})", op.label, op.status_labels().join(", "))
        });
    }
    let success = op
        .responses
        .iter()
        .find(|r| matches!(r.status, StatusKey::Exact(c) if (200..300).contains(&c)))
        .or_else(|| op.responses.iter().find(|r| r.status == StatusKey::Range(2)))
        .map(|r| (r.status.code(), r))
        .or_else(|| op.responses.iter().find(|r| r.status == StatusKey::Default).map(|r| (200, r)))
        .or_else(|| op.responses.first().map(|r| (r.status.code(), r)));
    success.ok_or_else(|| format!("{} documents no responses", op.label))
}

/// The same operation gives the same generated body until asked otherwise.
fn stable_seed(op: &Operation) -> u64 {
    op.label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

/// Documented response headers: the example, else the schema's default or example, else a
/// value generated from the schema. Headers that frame the message are HTTP's to set.
fn add_documented_headers(api: &Api, documented: &Documented, headers: &mut HeaderMap) {
    const FRAMING: &[&str] = &["content-length", "transfer-encoding", "connection", "content-encoding", "content-type"];
    for h in &documented.headers {
        if FRAMING.contains(&h.name.as_str()) {
            continue;
        }
        let value = match (&h.example, h.schema) {
            (Some(example), _) => Some(example.clone()),
            // An invented cookie would only confuse a browser.
            (None, Some(_)) if h.name == "set-cookie" => None,
            (None, Some(schema)) => generate::generate_named(&api.schemas, schema, 1, &h.name).ok(),
            _ => None,
        };
        let Some(text) = value.as_ref().map(header_text) else { continue };
        if let (Ok(name), Ok(v)) = (header::HeaderName::from_bytes(h.name.as_bytes()), HeaderValue::from_str(&text)) {
            headers.insert(name, v);
        }
    }
}

/// A header value in the `simple` style: arrays and objects as comma-separated lists.
fn header_text(value: &serde_json::Value) -> String {
    use serde_json::Value;
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        Value::Object(map) => map.iter().flat_map(|(k, v)| [k.clone(), scalar(v)]).collect::<Vec<_>>().join(","),
        other => scalar(other),
    }
}

const EXPOSED: HeaderValue =
    HeaderValue::from_static("Allow, WWW-Authenticate, Location, Idempotent-Replayed, specmock-violations");

/// CORS on every answer to a browser (a request with an Origin).
fn cors_headers(request: &HeaderMap, response: &mut HeaderMap) {
    let Some(origin) = request.get(header::ORIGIN) else { return };
    response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    response.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    response.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
    response.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(requested) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        response.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
}
