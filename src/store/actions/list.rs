//! List: filtered, searched, sorted and paged as the document's own parameters say.

use std::sync::Arc;

use serde_json::Value;

use super::{Reply, Target};
use crate::store::paging::Listing;
use crate::store::render::Page;
use crate::store::state::Outcome;

pub(super) async fn list(target: &Target<'_>) -> Reply {
    let request = target.call.request;
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default();
    let listing = match Listing::read(
        target.api(),
        target.operation(),
        &target.facts.properties,
        &query,
        target.call.body.as_ref(),
    ) {
        Ok(listing) => listing,
        Err((name, message)) => return Reply::BadQuery { name, message },
    };
    let items = match target.store.state.list(&target.shape()).await {
        Outcome::Listed(items) => items,
        other => return Reply::Done(other),
    };
    Reply::Page(Box::new(page(&listing, items, &target.facts.shape.id_field)))
}

fn page(listing: &Listing, items: Vec<Arc<Value>>, id_field: &str) -> Page {
    let (offset, size) = (listing.offset, listing.size);
    let selected = listing.select(items, id_field);
    let total = selected.len();
    let items: Vec<Arc<Value>> = selected.into_iter().skip(offset).take(size).collect();
    let next_token = (offset.saturating_add(size) < total).then(|| (offset + size).to_string());
    let prev_token = (offset > 0).then(|| offset.saturating_sub(size).to_string());
    Page { items, total, offset, size, next_token, prev_token, sort: listing.sort.clone() }
}
