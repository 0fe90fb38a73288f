//! Named examples paired, as Microcks pairs them: a request equal to the request example
//! `wrongPassword` (its body, or the values of parameters' examples of that name) gets the
//! response example `wrongPassword`, in whichever status it is documented.

use std::borrow::Cow;

use http::HeaderMap;
use serde_json::Value;

use super::rules::text_of;
use crate::spec::{MediaType, Operation, ParamIn};

/// Names that are not names: a lone `example` and a schema's own example.
const UNNAMED: [&str; 2] = ["default", "schema"];

/// What the request is made of, as far as pairing looks.
pub struct Sent<'a> {
    pub body: Option<&'a Value>,
    /// The request body's media type, as validation matched it.
    pub media: Option<&'a MediaType>,
    pub params: &'a [(&'a str, Cow<'a, str>)],
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
}

/// The response the request's named example pairs with: (status, example name), and how
/// the request matched (for the journal).
pub fn pair(op: &Operation, sent: &Sent<'_>) -> Option<(http::StatusCode, String, String)> {
    if let Some(name) = body_example(sent) {
        let status = documented_status(op, &name)?;
        return Some((status, name.clone(), format!("the request body equals request example '{name}'")));
    }
    let name = param_example(op, sent)?;
    let status = documented_status(op, &name)?;
    Some((status, name.clone(), format!("the parameters equal the examples named '{name}'")))
}

fn body_example(sent: &Sent<'_>) -> Option<String> {
    let (body, media) = (sent.body?, sent.media?);
    media.examples.iter().find(|e| !UNNAMED.contains(&&*e.name) && &e.value == body).map(|e| e.name.to_string())
}

/// A name every parameter example of which the request's values equal (one at least).
fn param_example(op: &Operation, sent: &Sent<'_>) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    for param in &op.params {
        for (name, _) in &param.named_examples {
            if !UNNAMED.contains(&name.as_str()) && !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    names
        .into_iter()
        .find(|name| {
            op.params.iter().all(|param| match param.named_examples.iter().find(|(n, _)| n == name) {
                None => true,
                Some((_, expected)) => {
                    value_of(param.location, &param.name, sent).as_deref() == Some(&*text_of(expected))
                }
            })
        })
        .map(str::to_string)
}

/// The value a parameter was sent with, as text.
fn value_of<'a>(location: ParamIn, name: &str, sent: &'a Sent<'_>) -> Option<Cow<'a, str>> {
    match location {
        ParamIn::Path => sent.params.iter().find(|(n, _)| *n == name).map(|(_, v)| Cow::Borrowed(v.as_ref())),
        ParamIn::Query => form_urlencoded::parse(sent.query.unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| Cow::Owned(v.into_owned())),
        ParamIn::Header => sent.headers.get(name).and_then(|v| v.to_str().ok()).map(Cow::Borrowed),
        ParamIn::Cookie => {
            crate::validate::cookies(sent.headers).find(|(k, _)| *k == name).map(|(_, v)| Cow::Borrowed(v))
        }
    }
}

/// The first documented status with a response example of this name.
fn documented_status(op: &Operation, name: &str) -> Option<http::StatusCode> {
    op.responses
        .iter()
        .find(|r| r.content.iter().any(|m| m.examples.iter().any(|e| &*e.name == name)))
        .map(|r| r.status.code())
}
