//! What became of a sandbox action, as the operation documents it: items and pages in its
//! own answer shape, refusals (404, 409, limits, a used-up id space) in its own error style.

use bytes::Bytes;
use http::{Response, StatusCode, header};

use super::Call;
use super::actions::{Reply, Target};
use super::render::{Body, Plan};
use super::state::Outcome;
use crate::reply;
use crate::spec::{Api, Operation, StatusKey};
use crate::style::{Voice, problem, render_error, validation_status};
use crate::validate::{Part, Violation};

pub(super) fn render(target: &Target<'_>, reply: Reply) -> Response<Bytes> {
    let op = target.operation();
    let noun = target.facts.noun.as_str();
    match reply {
        Reply::Page(page) => answer(target, op, Body::List(*page)),
        Reply::Done(
            Outcome::Created(item) | Outcome::Found(item) | Outcome::Updated(item) | Outcome::Deleted(item),
        ) => answer(target, op, Body::Item(&item)),
        Reply::Done(Outcome::Listed(_)) => answer(target, op, Body::List(Default::default())),
        Reply::Done(Outcome::NotFound { field, value }) => {
            let named_by = target.op.binding.id.as_ref().map(|s| s.name.as_str()).unwrap_or("id");
            error(target, StatusCode::NOT_FOUND, "not_found", named_by, format!("no {noun} with {field} '{value}'"))
        }
        Reply::Done(Outcome::Conflict { field, value }) => {
            conflict(target, &field, format!("{} {noun} with {field} '{value}' already exists", article(noun)))
        }
        Reply::Done(Outcome::Limit { max }) => {
            let status = [StatusCode::FORBIDDEN, StatusCode::TOO_MANY_REQUESTS]
                .into_iter()
                .find(|s| documents(op, *s))
                .unwrap_or_else(|| validation_status(op));
            error(target, status, "limit", "", format!("you cannot create more than {max} {noun}s"))
        }
        Reply::Done(Outcome::Exhausted { tried }) => {
            let id_field = &target.facts.shape.id_field;
            let message = format!(
                "the id space of {} is exhausted: every id its schema allows is taken ({tried} tried); delete some, or reset the sandbox",
                target.facts.shape.key
            );
            // An id the client may send is the client's to choose: taken ones are a conflict,
            // as a duplicate is. One only the server makes running out is the server's failure.
            if target.op.writable.allows(id_field) {
                return conflict(target, id_field, message);
            }
            match [StatusCode::INSUFFICIENT_STORAGE, StatusCode::INTERNAL_SERVER_ERROR]
                .into_iter()
                .find(|s| documents(op, *s))
            {
                Some(status) => error(target, status, "exhausted", "", message),
                None => problem(StatusCode::INSUFFICIENT_STORAGE, message, &[]),
            }
        }
        Reply::Done(Outcome::Failed(message)) => problem(StatusCode::INTERNAL_SERVER_ERROR, message, &[]),
        Reply::Done(Outcome::Unavailable(message)) => unavailable_answer(target.api(), op, message, path(&target.call)),
        Reply::BadQuery { name, message } => {
            let v = Violation::new(Part::Query, &name, "format", message);
            render_error(target.api(), op, validation_status(op), &[v], Voice::Template, path(&target.call))
        }
        Reply::Unnamed => {
            error(target, StatusCode::BAD_REQUEST, "required", "id", format!("the {noun} to act on is not named"))
        }
        Reply::NotNamed(name) => {
            error(target, StatusCode::NOT_FOUND, "not_found", &name, format!("no {noun} is named by {name}"))
        }
    }
}

/// The same idempotency key with a different request, or while the first is still answered.
pub(super) fn idempotency_conflict(store: &super::Store, call: &Call<'_>, why: String) -> Response<Bytes> {
    let api = &store.mounts[call.at.mount].api;
    let op = &api.operations[call.at.index];
    let violation = Violation::new(Part::Header, "idempotency-key", "idempotency", why);
    let status = if documents(op, StatusCode::CONFLICT) { StatusCode::CONFLICT } else { validation_status(op) };
    render_error(api, op, status, &[violation], Voice::Template, path(call))
}

/// The shared store could not be asked (idempotency keys live there too).
pub(super) fn unavailable(store: &super::Store, call: &Call<'_>, why: String) -> Response<Bytes> {
    let api = &store.mounts[call.at.mount].api;
    unavailable_answer(api, &api.operations[call.at.index], why, path(call))
}

/// 503 with `Retry-After`: in the document's error style when it has one (a template, or a
/// documented 503), else problem+json. Each request tries to reach the store again, so a
/// second later is a fair time to retry.
fn unavailable_answer(api: &Api, op: &Operation, message: String, path: &str) -> Response<Bytes> {
    let styled =
        op.error_template.is_some() || api.error_template.is_some() || documents(op, StatusCode::SERVICE_UNAVAILABLE);
    let mut response = if styled {
        let v = Violation::new(Part::Message, "", "unavailable", message);
        render_error(api, op, StatusCode::SERVICE_UNAVAILABLE, &[v], Voice::Framework, path)
    } else {
        problem(StatusCode::SERVICE_UNAVAILABLE, message, &[])
    };
    response.headers_mut().insert(header::RETRY_AFTER, http::HeaderValue::from_static("1"));
    response
}

/// A write that clashes with what the sandbox holds at `field`: 409 where documented, else the
/// operation's validation status, in its error style.
fn conflict(target: &Target<'_>, field: &str, message: String) -> Response<Bytes> {
    let op = target.operation();
    let status = if documents(op, StatusCode::CONFLICT) { StatusCode::CONFLICT } else { validation_status(op) };
    let mut v = Violation::new(Part::Body, field, "conflict", message);
    v.pointer = format!("/{field}");
    render_error(target.api(), op, status, &[v], Voice::Template, path(&target.call))
}

fn path<'a>(call: &'a Call<'_>) -> &'a str {
    call.request.uri().path()
}

fn error(target: &Target<'_>, status: StatusCode, keyword: &str, field: &str, message: String) -> Response<Bytes> {
    let mut v = Violation::new(Part::Message, field, keyword, message);
    if !field.is_empty() {
        v.location = field.to_string();
    }
    render_error(target.api(), target.operation(), status, &[v], Voice::Template, path(&target.call))
}

fn answer(target: &Target<'_>, op: &Operation, body: Body<'_>) -> Response<Bytes> {
    match &target.op.answer {
        Some(plan) => json_response(plan, plan.to_bytes(body)),
        None => reply::empty(success_status(op)),
    }
}

fn documents(op: &Operation, status: StatusCode) -> bool {
    op.responses.iter().any(|r| r.status == StatusKey::Exact(status))
}

fn success_status(op: &Operation) -> StatusCode {
    op.responses
        .iter()
        .map(|r| r.status)
        .find(|s| matches!(s, StatusKey::Exact(c) if c.is_success()))
        .map(StatusKey::code)
        .unwrap_or(StatusCode::NO_CONTENT)
}

fn json_response(plan: &Plan, body: Vec<u8>) -> Response<Bytes> {
    reply::reply(plan.status, Some(plan.content_type.clone()), body)
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}
