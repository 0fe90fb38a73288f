//! Delete: the item goes; the answer shows it as it was at its removal.

use std::sync::Arc;

use super::{Reply, Target, lookup};
use crate::store::fields::{self, Clock};
use crate::store::state::Outcome;

pub(super) async fn delete(target: &Target<'_>) -> Reply {
    let found = match lookup(target) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    match target.store.state.delete(&target.shape(), &found).await {
        // The removal is a change too: its answer carries the removal's time and sequence.
        Outcome::Deleted(mut value) => {
            if let Some(item) = Arc::make_mut(&mut value).as_object_mut() {
                fields::stamp_update(target.api(), &target.facts.item_schema, item, &Clock::now());
            }
            Reply::Done(Outcome::Deleted(value))
        }
        other => Reply::Done(other),
    }
}
