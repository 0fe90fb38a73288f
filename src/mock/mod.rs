//! The mock: answers requests the way the documented API would.
//!
//! Order of questions, as a real API asks them: is there such an operation (404/405),
//! are the credentials good (401/403), is the body's type accepted (415), is the request
//! valid (422 in the vendor's style), and only then — which documented answer to give
//! (`decide`: Prefer, rules, the sandbox, paired examples), how late and how broken.
//! Every answer is noted, with its reasons, for the request journal and the access log.

mod admin;
mod conform;
mod cors;
mod decide;
mod documented;
mod negotiate;
mod pairing;
mod prefer;
pub mod rules;
mod timing;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};

use crate::generate;
use crate::reply;
use crate::route::{Lookup, Mount, OperationRef, Router};
use crate::spec::{Api, Operation};

pub use decide::Behaviour;
pub use prefer::Prefer;
pub use timing::{FaultRate, parse_rate};

use crate::events::Events;
use crate::journal::{Chosen, Entry, Exchange, Journal, Reasons};
use crate::redact::Secrets;
use crate::security::Tokens;
use crate::store::Store;
use crate::style::problem;
use crate::units::DelayRange;
use decide::Note;

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
    /// Note each answer and why it was chosen, for the access log (off when nothing logs).
    pub tag_operations: bool,
    /// `--delay`: every answer this much later (or a delay drawn from a range).
    pub delay: Option<DelayRange>,
    /// `--faults`: a share of answers broken on purpose.
    pub faults: Option<FaultRate>,
    /// `--rules FILE`: answers chosen by request content, read with the documents.
    pub rules_file: Option<std::path::PathBuf>,
    /// `--journal N`: the last exchanges, for `/__specmock/requests` and the inspector.
    pub journal: Option<Arc<Journal>>,
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
            delay: None,
            faults: None,
            rules_file: None,
            journal: None,
            validate_responses: false,
        }
    }
}

pub struct Mock {
    mounts: Vec<Mount>,
    router: Router,
    options: MockOptions,
    store: Option<Store>,
    /// Per document and operation: rules and delays.
    behaviours: Vec<Vec<Behaviour>>,
    /// Per document: what the journal redacts; the last one for answers no document gave.
    secrets: Vec<Arc<Secrets>>,
    events: Option<Arc<Events>>,
}

impl Mock {
    /// The mock of these documents; their rules (and the rules file's) are read and checked
    /// against them here, so a rule that breaks a document is reported before serving.
    pub fn new(mounts: Vec<Mount>, options: MockOptions) -> Result<Mock, crate::Error> {
        let router = Router::new(&mounts)?;
        let behaviours = decide::behaviours(&mounts, &options)?;
        let mut secrets: Vec<Arc<Secrets>> = mounts.iter().map(|m| Arc::new(Secrets::of(&m.api))).collect();
        secrets.push(Arc::new(Secrets::default()));
        Ok(Mock { mounts, router, options, store: None, behaviours, secrets, events: None })
    }

    pub fn options(&self) -> &MockOptions {
        &self.options
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
        let noting = self.options.tag_operations || self.options.journal.is_some();
        // One clock read: an entry's wall-clock time is derived from it when shown.
        let started = noting.then(Instant::now);
        // Filled in while answering, and kept in place: the journal takes its reasons by swap.
        let mut note = Note::default();
        let mut response = self.answer(request, peer, &mut note).await;
        if !note.admin && !note.timed {
            decide::flag_delay(self.options.delay, &mut note.reasons).await;
        }
        if self.options.cors {
            cors::cors_headers(request.headers(), response.headers_mut());
        }
        if request.method() == Method::HEAD {
            // The headers GET would send, Content-Length included, without the body.
            let length = HeaderValue::from(response.body().len());
            response.headers_mut().entry(header::CONTENT_LENGTH).or_insert(length);
            *response.body_mut() = Bytes::new();
        }
        if let Some(started) = started.filter(|_| !note.admin) {
            self.record(started, &mut note, request, &mut response);
        }
        response
    }

    /// Keeps the exchange in the journal, and tags the answer with it for the access log.
    fn record(&self, started: Instant, note: &mut Note, request: &Request<Bytes>, response: &mut Response<Bytes>) {
        let secrets =
            note.at.and_then(|at| self.secrets.get(at.mount)).or(self.secrets.last()).cloned().unwrap_or_default();
        let latency = started.elapsed();
        let exchange = Exchange { started, request, response, latency, reasons: &mut note.reasons, secrets };
        let entry = match &self.options.journal {
            Some(journal) => journal.record(exchange),
            None => Arc::new(Entry::of(exchange)),
        };
        // The access log reads it; without a log, the extension is not worth its allocation.
        if self.options.tag_operations {
            response.extensions_mut().insert(entry);
        }
    }

    async fn answer(&self, request: &Request<Bytes>, peer: std::net::SocketAddr, note: &mut Note) -> Response<Bytes> {
        let method = request.method();
        let path = request.uri().path();
        let headers = request.headers();
        note.reasons.chosen = Chosen::Routing;
        if self.options.cors && method == Method::OPTIONS && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            note.reasons.because("CORS preflight");
            return cors::preflight(&self.router, path);
        }
        if let Some(action) = path.strip_prefix(admin::PREFIX) {
            note.admin = true;
            // Boxed, like the sandbox below: rare paths should not grow every request's future.
            return Box::pin(admin::answer(
                self.store.as_ref(),
                self.events.as_deref(),
                self.options.journal.as_ref(),
                self.options.admin_token.as_deref(),
                request,
                peer,
                action,
            ))
            .await;
        }
        if path == admin::PREFIX.trim_end_matches('/') {
            note.admin = true;
            return admin::to_inspector(request);
        }
        let (route, operation, params) = match self.router.lookup(method, path) {
            Lookup::Found { route, operation, params } => (route, operation, params),
            // OPTIONS asks what a path allows; unless documented, the answer is `Allow` itself.
            Lookup::MethodNotAllowed { route } if method == Method::OPTIONS => {
                let mut response = reply::empty(StatusCode::NO_CONTENT);
                response.headers_mut().insert(header::ALLOW, route.allow.clone());
                return response;
            }
            Lookup::MethodNotAllowed { route } => {
                let mut response =
                    problem(StatusCode::METHOD_NOT_ALLOWED, format!("{method} is not documented for {path}"), &[]);
                response.headers_mut().insert(header::ALLOW, route.allow.clone());
                return response;
            }
            Lookup::NotFound => {
                note.reasons.because("no documented operation matches");
                return problem(StatusCode::NOT_FOUND, format!("no documented operation matches {method} {path}"), &[]);
            }
            Lookup::BadPath { reason } => {
                note.reasons.because("the path is not text");
                return problem(StatusCode::BAD_REQUEST, reason, &[]);
            }
        };
        let at = OperationRef { mount: route.mount, index: operation };
        let api = &self.mounts[at.mount].api;
        let op = &api.operations[at.index];
        note.at = Some(at);
        note.reasons.operation = Some(Arc::clone(&op.label));
        note.reasons.chosen = Chosen::Documented;
        let response = self.operation(at, request, &params, note).await;
        match self.options.validate_responses {
            true => conform::conforming(api, op, method, response),
            false => response,
        }
    }

    /// The documented answer the client prefers (or the default one).
    fn documented(
        &self,
        api: &Api,
        op: &Operation,
        prefer: &Prefer,
        headers: &HeaderMap,
        reasons: &mut Reasons,
    ) -> Response<Bytes> {
        let (status, documented) = match documented::choose_response(op, prefer.code) {
            Ok(found) => found,
            Err(message) => {
                return match prefer.code {
                    Some(code) => decide::undocumented(op, code, reasons),
                    None => problem(StatusCode::NOT_FOUND, message, &[]),
                };
            }
        };
        let mut response = reply::empty(status);
        // Headers first: bodiless answers (a 302's Location) carry them too.
        documented::add_documented_headers(api, documented, response.headers_mut());
        if documented.content.is_empty() {
            return response;
        }
        let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
        let Ok(media) = negotiate::choose(accept, &documented.content) else {
            let offered: Vec<&str> = documented.content.iter().map(|m| m.name.as_str()).collect();
            return problem(
                StatusCode::NOT_ACCEPTABLE,
                format!("none of the documented media types ({}) is acceptable", offered.join(", ")),
                &[],
            );
        };
        let body = if let Some(name) = &prefer.example {
            match media.examples.iter().find(|e| *e.name == **name) {
                Some(example) => {
                    reasons.chosen = Chosen::Example;
                    reasons.example = Some(example.name.clone());
                    example.bytes.clone()
                }
                None => {
                    let names: Vec<&str> = media.examples.iter().map(|e| &*e.name).collect();
                    let documented = if names.is_empty() { "none".to_string() } else { names.join(", ") };
                    return problem(
                        StatusCode::NOT_FOUND,
                        format!(
                            "example '{name}' is not documented for {} {} (documented: {documented})",
                            status.as_u16(),
                            media.name
                        ),
                        &[],
                    );
                }
            }
        } else {
            let dynamic = prefer.dynamic.unwrap_or(self.options.dynamic);
            match (media.examples.first(), media.schema) {
                (Some(example), _) if !dynamic => {
                    reasons.chosen = Chosen::Example;
                    reasons.example = Some(example.name.clone());
                    example.bytes.clone()
                }
                (_, Some(schema)) => {
                    reasons.chosen = Chosen::Generated;
                    // Without a seed, dynamic answers differ; static ones are stable per operation.
                    let seed = prefer
                        .seed
                        .or(self.options.seed)
                        .unwrap_or_else(|| if dynamic { generate::random_seed() } else { documented::stable_seed(op) });
                    let generated = if dynamic {
                        generate::generate_fresh(&api.schemas, schema, seed)
                    } else {
                        generate::generate(&api.schemas, schema, seed)
                    };
                    match generated.map(|value| generate::agree_status(&api.schemas, schema, value, status.as_u16())) {
                        Ok(value) => crate::spec::xml::body(&api.schemas, &media.name, Some(schema), &value),
                        Err(e) => {
                            return problem(
                                StatusCode::INTERNAL_SERVER_ERROR,
                                format!("cannot generate a body: {e}"),
                                &[],
                            );
                        }
                    }
                }
                (Some(example), None) => {
                    reasons.chosen = Chosen::Example;
                    reasons.example = Some(example.name.clone());
                    example.bytes.clone()
                }
                (None, None) => Bytes::new(),
            }
        };
        if !reasons.explained() {
            reasons.because("the default: the lowest documented 2xx");
        }
        response.headers_mut().insert(header::CONTENT_TYPE, media.content_type.clone());
        *response.body_mut() = body;
        response
    }
}

impl crate::server::Handler for Mock {
    async fn handle(&self, request: Request<Bytes>, peer: std::net::SocketAddr) -> Response<Bytes> {
        self.respond(&request, peer).await
    }
}
