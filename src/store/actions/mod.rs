//! What each resource operation does to the state, one file per action. Actions prepare
//! everything that takes work (filtering the body, stamping fields, drawing ids) before the
//! state is asked, and hand back a [`Reply`] for `answers` to render.

mod create;
mod delete;
mod list;
mod read;
mod update;

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::conform::Conform;
use super::facts::{Facts, OpFacts};
use super::infer::{Action, IdSource};
use super::render::Page;
use super::state::{Lookup, Outcome, Shape};
use super::{Call, Store};
use crate::spec::{Api, Operation, ParamIn};

/// Between a resource's key and the ids of the items it is nested in.
pub(crate) const SCOPE: char = '@';

/// One request to one resource operation.
pub(crate) struct Target<'a> {
    pub store: &'a Store,
    pub facts: &'a Facts,
    pub op: &'a OpFacts,
    pub call: Call<'a>,
}

impl Target<'_> {
    pub fn api(&self) -> &Api {
        &self.store.mounts[self.call.at.mount].api
    }

    pub fn operation(&self) -> &Operation {
        &self.api().operations[self.call.at.index]
    }

    /// The resource as this request sees it: items under `/orgs/{org_id}/members` are kept
    /// per organization, so the shape's key carries the parents' ids (`…@org_1`).
    fn shape(&self) -> Cow<'_, Shape> {
        let item = self.op.binding.id.as_ref().filter(|s| s.location == ParamIn::Path).map(|s| s.name.as_str());
        let parents: Vec<&str> =
            self.call.params.iter().filter(|(name, _)| Some(*name) != item).map(|(_, value)| value.as_ref()).collect();
        if parents.is_empty() {
            return Cow::Borrowed(&self.facts.shape);
        }
        let mut shape = self.facts.shape.clone();
        shape.key = format!("{}{SCOPE}{}", shape.key, parents.join("/"));
        Cow::Owned(shape)
    }

    /// Mends an item so that the resource's reads and this operation's own answer (a create
    /// may show more: Clerk's machine secret key) validate.
    fn conform(&self, item: &mut Map<String, Value>) {
        let api = self.api();
        let Some(reads) = self.facts.conform(api) else { return };
        reads.item(item);
        let others = [self.op.answer.as_ref(), self.facts.list_plan.as_ref()];
        for plan in others.into_iter().flatten().filter(|p| p.schema != reads.plan.schema) {
            Conform { plan, ..reads }.item(item);
        }
    }

    /// The request body's writable properties (a list's body is its search, not this).
    fn written(&self) -> Map<String, Value> {
        match &self.call.body {
            Some(Value::Object(map)) => self.op.writable.filter(map.clone()),
            _ => Map::new(),
        }
    }
}

/// What an action came to.
pub(crate) enum Reply {
    Done(Outcome),
    Page(Box<Page>),
    /// A list parameter the sandbox cannot use (a page token it never handed out).
    BadQuery {
        name: String,
        message: String,
    },
    /// The operation names no item (the document gives it no id parameter).
    Unnamed,
    /// The request left the item's id empty.
    NotNamed(String),
}

pub(crate) async fn run(target: &Target<'_>) -> Reply {
    match target.op.binding.action {
        Action::Create => create::create(target).await,
        Action::Read => read::read(target).await,
        Action::List => list::list(target).await,
        Action::Update | Action::Replace => update::update(target).await,
        Action::Delete => delete::delete(target).await,
    }
}

/// The item the request names, by its id or by another property (`by`).
fn lookup(target: &Target<'_>) -> Result<Lookup, Reply> {
    let binding = &target.op.binding;
    let Some(source) = &binding.id else { return Err(Reply::Unnamed) };
    let value = id_value(&target.call, source).ok_or_else(|| Reply::NotNamed(source.name.clone()))?;
    Ok(Lookup { value, by: binding.by.clone() })
}

fn id_value(call: &Call<'_>, source: &IdSource) -> Option<String> {
    let request = call.request;
    match source.location {
        ParamIn::Path => call.params.iter().find(|(k, _)| *k == source.name).map(|(_, v)| v.to_string()),
        ParamIn::Header => {
            request.headers().get(source.name.as_str()).and_then(|v| v.to_str().ok()).map(str::to_string)
        }
        ParamIn::Query => request.uri().query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes()).find(|(k, _)| *k == source.name).map(|(_, v)| v.into_owned())
        }),
        ParamIn::Cookie => None,
    }
    .filter(|v| !v.is_empty())
}
