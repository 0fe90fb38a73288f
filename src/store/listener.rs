//! What the sandbox tells whoever listens (webhooks and callbacks) once a request's outcome is
//! known. The sandbox only reports; what is sent where is the listener's business.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response};
use serde_json::Value;

use super::actions::Reply;
use super::state::Outcome;
use crate::route::OperationRef;

/// What a write did to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    Created,
    Updated,
    Deleted,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::Deleted => "deleted",
        }
    }
}

/// One answered sandbox request.
pub struct Acted<'a> {
    pub at: OperationRef,
    /// `None` for reads and lists, and for writes that changed nothing (refused, not found).
    pub change: Option<Change>,
    /// The item acted on, as stored (as it was, for a delete).
    pub item: Option<&'a Arc<Value>>,
    pub request: &'a Request<Bytes>,
    pub params: &'a [(&'a str, Cow<'a, str>)],
    pub response: &'a Response<Bytes>,
}

/// Listens to the sandbox. Called on the request path: it must only take note, quickly.
pub trait Listener: Send + Sync {
    fn acted(&self, acted: Acted<'_>);
}

/// A resource operation, as a listener needs to know it in advance.
#[derive(Debug, Clone)]
pub struct ResourceOperation {
    pub at: OperationRef,
    /// What its success does; `None` for reads and lists.
    pub change: Option<Change>,
    /// `organization`.
    pub noun: String,
    /// Where its items are kept: `scalekit:/api/v1/organizations`.
    pub key: String,
    pub id_field: String,
    /// The item's documented properties.
    pub fields: Vec<String>,
}

/// The change a reply made, and the item it made it to.
pub(super) fn change_of(reply: &Reply) -> (Option<Change>, Option<Arc<Value>>) {
    match reply {
        Reply::Done(Outcome::Created(item)) => (Some(Change::Created), Some(Arc::clone(item))),
        Reply::Done(Outcome::Updated(item)) => (Some(Change::Updated), Some(Arc::clone(item))),
        Reply::Done(Outcome::Deleted(item)) => (Some(Change::Deleted), Some(Arc::clone(item))),
        Reply::Done(Outcome::Found(item)) => (None, Some(Arc::clone(item))),
        _ => (None, None),
    }
}
