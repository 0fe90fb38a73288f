//! The compiled, immutable model of one OpenAPI document.

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::Value;

use super::error_template::ErrorTemplate;
use super::schemas::{SchemaId, Schemas};

/// Which OpenAPI line a document follows; decides how its schemas are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// Swagger 2.0, converted to the 3.0 shape on load; its schemas follow 3.0's rules plus
    /// `x-nullable`, a string `discriminator` and `type: file`.
    V20,
    V30,
    V31,
}

/// One compiled document.
#[derive(Debug)]
pub struct Api {
    pub title: String,
    /// The file as the user named it.
    pub source: String,
    pub version: Version,
    /// The `openapi` (or `swagger`) field as written.
    pub openapi: String,
    pub operations: Vec<Operation>,
    /// Path parts of `servers[].url` (`/v1` for `https://api.clerk.com/v1`): recorded traffic
    /// carries them, the document's paths do not.
    pub base_paths: Vec<String>,
    /// The document names no server at all (no `servers`, no `host`/`basePath`): it may be
    /// called under a base path it does not know.
    pub base_path_unnamed: bool,
    pub security_schemes: Vec<SecurityScheme>,
    /// Document-level `x-specmock-error` template.
    pub error_template: Option<Arc<ErrorTemplate>>,
    pub schemas: Schemas,
    /// What the document gets away with (duplicate `required` entries, `nullable` beside
    /// `$ref`, …), one line per kind, naming the first place: printed at start-up.
    pub warnings: Vec<String>,
    /// `webhooks` and how deliveries are signed.
    pub webhooks: super::webhooks::DocumentWebhooks,
}

impl Api {
    /// `Swagger 2.0`, `OpenAPI 3.1.0`: the version as users call it.
    pub fn version_name(&self) -> String {
        match self.version {
            Version::V20 => format!("Swagger {}", self.openapi),
            _ => format!("OpenAPI {}", self.openapi),
        }
    }

    pub fn scheme(&self, index: usize) -> &SecurityScheme {
        &self.security_schemes[index]
    }
}

#[derive(Debug)]
pub struct Operation {
    pub method: Method,
    /// The path template as documented, e.g. `/v1/organizations/{organization_id}`.
    pub path: String,
    pub operation_id: Option<String>,
    /// `operationId`, else `METHOD /path`: how logs and reports name the operation.
    pub label: Arc<str>,
    pub tags: Vec<String>,
    /// JSON pointer of the operation object, for messages.
    pub pointer: String,
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    pub responses: Vec<Response>,
    /// OR of requirement sets; an empty set inside makes authentication optional.
    /// An empty list means the operation is public.
    pub security: Vec<Requirement>,
    /// Operation-level `x-specmock-error`, overriding the document's.
    pub error_template: Option<Arc<ErrorTemplate>>,
    /// `x-specmock-resource`, as written (read by the sandbox).
    pub resource_hint: Option<Value>,
    /// Callbacks and `x-specmock-event`.
    pub hooks: super::webhooks::OperationHooks,
    /// `x-specmock-rules` and `x-specmock-delay`, as written (read by the mock).
    pub mock_hints: MockHints,
}

/// What an operation tells the mock beyond OpenAPI.
#[derive(Debug, Clone, Default)]
pub struct MockHints {
    /// `x-specmock-rules`: answers chosen by request content.
    pub rules: Option<Value>,
    /// `x-specmock-delay`: `300ms`, or `100ms..400ms`.
    pub delay: Option<Value>,
}

impl Operation {
    /// Responses documented for an exact code, then its `NXX` range, then `default`.
    pub fn response_for(&self, status: StatusCode) -> Option<&Response> {
        let exact = self.responses.iter().find(|r| r.status == StatusKey::Exact(status));
        exact
            .or_else(|| self.responses.iter().find(|r| r.status == StatusKey::Range((status.as_u16() / 100) as u8)))
            .or_else(|| self.responses.iter().find(|r| r.status == StatusKey::Default))
    }

    /// Documented statuses, as written (`200`, `4XX`, `default`).
    pub fn status_labels(&self) -> Vec<String> {
        self.responses.iter().map(|r| r.status.to_string()).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamIn {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamIn {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
            ParamIn::Cookie => "cookie",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Simple,
    Form,
    Label,
    Matrix,
    SpaceDelimited,
    PipeDelimited,
    /// Swagger 2.0's `collectionFormat: tsv` (OpenAPI 3 has no such style).
    TabDelimited,
    DeepObject,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: ParamIn,
    pub required: bool,
    pub style: Style,
    pub explode: bool,
    pub schema: Option<SchemaId>,
    /// For parameters described by `content` (e.g. JSON in a query string).
    pub content_type: Option<String>,
    /// The parameter's example, if documented (used to build requests).
    pub example: Option<Value>,
    /// Where the example is written, as `file: #/pointer`.
    pub example_origin: Option<String>,
    /// Named examples (`examples: {name: {value}}`), for pairing with response examples.
    pub named_examples: Vec<(String, Value)>,
}

#[derive(Debug)]
pub struct RequestBody {
    pub required: bool,
    pub content: Vec<MediaType>,
}

#[derive(Debug)]
pub struct MediaType {
    /// As documented, lower-cased, e.g. `application/json` or `application/*+json`.
    pub name: String,
    /// The Content-Type sent with it (a concrete type for a documented range), built once.
    pub content_type: http::HeaderValue,
    pub schema: Option<SchemaId>,
    pub examples: Vec<Example>,
    /// Form fields whose `encoding` says `allowReserved: false`: reserved characters
    /// (`:/?#[]@!$'()*,;=`) must arrive percent-encoded.
    pub reserved_escaped: Vec<String>,
}

impl MediaType {
    /// JSON or `+json`.
    pub fn is_json(&self) -> bool {
        super::media::is_json_media(&self.name)
    }
}

#[derive(Debug, Clone)]
pub struct Example {
    /// The key in `examples`, or `default` for a lone `example`. Shared: every answer that
    /// serves the example names it in its journal entry.
    pub name: Arc<str>,
    pub value: Value,
    /// The body as sent: serialized once at compile time.
    pub bytes: Bytes,
    /// Where the value is written, as `file: #/pointer` (for messages about a broken example).
    pub origin: String,
}

/// A documented response key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusKey {
    Exact(StatusCode),
    /// `2XX` is `Range(2)`.
    Range(u8),
    Default,
}

impl StatusKey {
    /// The concrete status to answer with: `2XX` answers 200, `default` answers 500 unless told.
    pub fn code(self) -> StatusCode {
        match self {
            StatusKey::Exact(c) => c,
            // A range is 1–5 when compiled, so N00 is a status.
            StatusKey::Range(r) => StatusCode::from_u16(u16::from(r) * 100).unwrap_or(StatusCode::OK),
            StatusKey::Default => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A success written down: an exact 2xx or `2XX` (not `default`).
    pub fn is_success(self) -> bool {
        match self {
            StatusKey::Exact(c) => c.is_success(),
            StatusKey::Range(r) => r == 2,
            StatusKey::Default => false,
        }
    }
}

impl std::fmt::Display for StatusKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusKey::Exact(c) => write!(f, "{}", c.as_u16()),
            StatusKey::Range(r) => write!(f, "{r}XX"),
            StatusKey::Default => f.write_str("default"),
        }
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: StatusKey,
    pub headers: Vec<HeaderDef>,
    pub content: Vec<MediaType>,
    /// OpenAPI `links`: operations this answer leads to (`check` follows them).
    pub links: Vec<Link>,
}

/// A response's `link`: another operation, and where its parameters come from.
#[derive(Debug, Clone)]
pub struct Link {
    pub operation_id: Option<String>,
    /// `operationRef`, as written (`#/paths/~1users~1{id}/get`).
    pub operation_ref: Option<String>,
    /// (parameter name, `path.`-qualified or not; a runtime expression such as
    /// `$response.body#/id`, or a constant)
    pub parameters: Vec<(String, Value)>,
}

#[derive(Debug)]
pub struct HeaderDef {
    pub name: String,
    pub required: bool,
    pub schema: Option<SchemaId>,
    pub example: Option<Value>,
}

/// One set of schemes that must all be satisfied; the `usize`s index `Api::security_schemes`.
#[derive(Debug, Clone, Default)]
pub struct Requirement {
    pub schemes: Vec<(usize, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct SecurityScheme {
    pub name: String,
    pub kind: SchemeKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    Bearer,
    Basic,
    /// Another `http` scheme (e.g. Digest): checked only for presence.
    Http(String),
    ApiKey {
        location: ParamIn,
        name: String,
    },
    /// oauth2 and openIdConnect: bearer tokens carrying scopes.
    OAuth2,
    OpenIdConnect,
    MutualTls,
}
