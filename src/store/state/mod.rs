//! The sandbox's state: resources, their items and remembered idempotent answers, behind a
//! trait so that one process (the embedded store) or many (a shared store) can keep them.
//! Nothing here knows HTTP: operations return [`Outcome`]s, which `answers` renders.
//!
//! # The contract every backend keeps
//!
//! - Each operation is atomic: no other operation observes half of it, and the checks it
//!   makes (the item exists, a unique value is free, the resource is below its maximum, an
//!   id is unused) hold at the moment it applies its change. No check-then-set races.
//! - An operation completes only once its change is durable for that backend (on disk for a
//!   state file, accepted by the server for a shared store); a change that cannot be made
//!   durable is reported as [`Outcome::Failed`] and the client is told so.
//! - Work done while a backend holds a lock is bounded by the size of the request and of one
//!   resource (never a loop that waits for luck): ids are drawn before the call, and an id
//!   space that runs out is [`Outcome::Exhausted`] at once.
//! - Items are stored as given (the caller has filtered and stamped them); a backend adds
//!   only the id it allocates.
//! - Integer ids are allocated as a database sequence would: one above the largest the
//!   resource has ever held in this state (seeds and restarts included), within the bounds.
//! - A backend that cannot be reached answers [`Outcome::Unavailable`] (never a guess from
//!   what it saw last), and recovers by itself once it can be reached again.

mod memory;
mod redis;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

pub(crate) use memory::{Embedded, duplicate, text, with_id};
pub use redis::SharedError;
pub(crate) use redis::{Shared, check_name, default_name, is_url as redis_url};

use super::idempotency::{Begin, Remembered};
use super::journal::Data;

/// How a resource's ids are made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum IdRule {
    /// The next integer after the largest held, within `min..=max`; `text` when the
    /// document writes the integer as a string.
    Sequence { min: i64, max: i64, text: bool },
    /// Drawn by the caller (pattern, format, enum): the state takes the first candidate
    /// that is free.
    Drawn,
}

/// What a backend needs to know of a resource to keep its rules.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// Where its items are kept: `clerk:/v1/organizations`.
    pub key: String,
    /// The identifying property (`id`, `thing_id`, `code`…).
    pub id_field: String,
    pub ids: IdRule,
    /// Properties no two items may share.
    pub unique: Vec<String>,
    /// At most this many items.
    pub max: Option<usize>,
}

/// An item to create.
pub(crate) struct NewItem {
    /// The item without its id, filtered and stamped.
    pub item: Map<String, Value>,
    /// Ids to try in order, for [`IdRule::Drawn`] and for a sequence that has run out; an id
    /// the client chose is the only one.
    pub candidates: Vec<Value>,
    /// The client chose the id: a taken one is a conflict, not a reason to draw again.
    pub chosen: bool,
}

/// Which item an operation acts on.
#[derive(Debug, Clone)]
pub(crate) struct Lookup {
    /// The value the request named it by.
    pub value: String,
    /// The property it is found by; `None`: the id.
    pub by: Option<String>,
}

/// A change to an item: the new item from the old one. Called with the backend's lock held
/// (or, on a shared store, possibly more than once): it must be quick and pure.
pub(crate) type Change<'a> = &'a (dyn Fn(&Map<String, Value>) -> Map<String, Value> + Sync);

/// What became of an operation.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Created(Arc<Value>),
    Found(Arc<Value>),
    Updated(Arc<Value>),
    /// The item as it was when it was removed.
    Deleted(Arc<Value>),
    Listed(Vec<Arc<Value>>),
    /// No item has `field` equal to `value`.
    NotFound {
        field: String,
        value: String,
    },
    /// Another item already has `field` equal to `value`.
    Conflict {
        field: String,
        value: String,
    },
    /// The resource holds its maximum number of items.
    Limit {
        max: usize,
    },
    /// Every id tried was taken: the id space is used up.
    Exhausted {
        tried: usize,
    },
    /// The change could not be made durable; nothing is acknowledged.
    Failed(String),
    /// The shared store cannot be reached (or cannot take writes) now; nothing was done, or
    /// nothing is acknowledged. Worth retrying shortly.
    Unavailable(String),
}

/// A sandbox's state. See the module documentation for the contract.
pub(crate) trait State: Send + Sync {
    fn create<'a>(&'a self, shape: &'a Shape, new: NewItem) -> BoxFuture<'a, Outcome>;
    fn read<'a>(&'a self, shape: &'a Shape, lookup: &'a Lookup) -> BoxFuture<'a, Outcome>;
    /// Every item, in creation order.
    fn list<'a>(&'a self, shape: &'a Shape) -> BoxFuture<'a, Outcome>;
    fn update<'a>(&'a self, shape: &'a Shape, lookup: &'a Lookup, change: Change<'a>) -> BoxFuture<'a, Outcome>;
    fn delete<'a>(&'a self, shape: &'a Shape, lookup: &'a Lookup) -> BoxFuture<'a, Outcome>;

    /// Replaces everything with `data` and forgets every idempotency key; returns how many
    /// items there are now.
    fn reset<'a>(&'a self, data: &'a Data) -> BoxFuture<'a, Result<usize, String>>;
    /// Everything stored.
    fn dump(&self) -> BoxFuture<'_, Result<Data, String>>;

    /// Claims an idempotency key for a request with this fingerprint.
    fn begin<'a>(&'a self, scope: &'a str, fingerprint: u64) -> BoxFuture<'a, Begin>;
    /// Keeps the answer to a claimed key.
    fn finish<'a>(&'a self, scope: &'a str, answer: Remembered) -> BoxFuture<'a, Result<(), String>>;
    /// Gives a claimed key up: its request was abandoned or failed, a retry may run it.
    fn release(&self, scope: &str);
}

/// The largest integer id a resource holds (ids kept as text included).
pub(crate) fn largest_id(items: impl Iterator<Item = String>) -> Option<i64> {
    items.filter_map(|id| id.parse::<i64>().ok()).max()
}
