//! The refusal order a real API follows, shared by the mock and the strict proxy:
//! credentials (401, then 403), then the body's type (415), then validity (422 or whatever
//! the operation documents) — as typed refusals, rendered in the document's error style by
//! one function.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use crate::security::{self, Auth, Tokens};
use crate::spec::{Api, Operation};
use crate::style::{Voice, render_error, validation_status};
use crate::validate::{CheckedRequest, Part, RequestInput, Violation, check_request};

/// Why a request is not answered as asked.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// 401: credentials missing or malformed; one `WWW-Authenticate` challenge per scheme.
    Unauthorized { challenges: Vec<String>, reason: String },
    /// 403: credentials fine, permission not.
    Forbidden { reason: String },
    /// 415: a body of a type the operation does not take.
    Unsupported(Box<Violation>),
    /// The request breaks the document.
    Invalid(Vec<Violation>),
}

impl Refusal {
    /// What the client got wrong, as violations (one for credentials and content types).
    pub fn violations(&self) -> Vec<Violation> {
        match self {
            Refusal::Unauthorized { reason, .. } => {
                vec![Violation::new(Part::Message, "", "unauthorized", reason.clone())]
            }
            Refusal::Forbidden { reason } => vec![Violation::new(Part::Message, "", "forbidden", reason.clone())],
            Refusal::Unsupported(v) => vec![(**v).clone()],
            Refusal::Invalid(violations) => violations.clone(),
        }
    }
}

/// Judges a routed request: `Ok` with what validation made of it, or the first refusal in
/// the order a real API refuses. With `validate` off, only credentials are checked.
pub fn judge<'o>(
    api: &Api,
    op: &'o Operation,
    request: &RequestInput<'_>,
    tokens: Option<&Tokens>,
    validate: bool,
) -> Result<CheckedRequest<'o>, Refusal> {
    match security::check(api, op, request.headers, request.query, tokens) {
        Auth::Allowed => {}
        Auth::Unauthorized { challenges, reason } => return Err(Refusal::Unauthorized { challenges, reason }),
        Auth::Forbidden { reason } => return Err(Refusal::Forbidden { reason }),
    }
    let checked =
        check_request(api, op, request, validate).map_err(|u| Refusal::Unsupported(Box::new(u.violation())))?;
    if checked.violations.is_empty() { Ok(checked) } else { Err(Refusal::Invalid(checked.violations)) }
}

/// The refusal as the operation documents it (its examples for credentials, its error
/// template for the rest), else problem+json.
pub fn render(api: &Api, op: &Operation, refusal: &Refusal, path: &str) -> Response<Bytes> {
    let violations = refusal.violations();
    match refusal {
        Refusal::Unauthorized { challenges, .. } => {
            let mut response = render_error(api, op, StatusCode::UNAUTHORIZED, &violations, Voice::Example, path);
            for challenge in challenges {
                if let Ok(v) = HeaderValue::from_str(challenge) {
                    response.headers_mut().append(header::WWW_AUTHENTICATE, v);
                }
            }
            response
        }
        Refusal::Forbidden { .. } => render_error(api, op, StatusCode::FORBIDDEN, &violations, Voice::Example, path),
        // Vendors never document their 415: their template is used even so.
        Refusal::Unsupported(_) => {
            render_error(api, op, StatusCode::UNSUPPORTED_MEDIA_TYPE, &violations, Voice::Framework, path)
        }
        Refusal::Invalid(_) => render_error(api, op, validation_status(op), &violations, Voice::Template, path),
    }
}
