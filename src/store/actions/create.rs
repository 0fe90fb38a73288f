//! Create: the client's writable properties, the server's fields stamped, an id allocated.

use super::{Reply, Target};
use crate::store::fields::{self, Clock, Sent};
use crate::store::ids;
use crate::store::state::{IdRule, NewItem, Outcome};

pub(super) async fn create(target: &Target<'_>) -> Reply {
    let (api, facts) = (target.api(), target.facts);
    let id_field = facts.shape.id_field.as_str();
    let mut item = target.written();
    let clock = Clock::now();
    fields::stamp_new(
        api,
        &facts.item_schema,
        &mut item,
        facts.example.as_ref(),
        &clock,
        id_field,
        Sent::By(&target.op.writable),
    );
    let chosen = item.shift_remove(id_field);
    // Kept as its reads will answer it (the request's shape may not be the answer's).
    target.conform(&mut item);
    // An id the client may choose and did: the only one to try.
    if let Some(chosen) = chosen.filter(|c| !c.is_null()) {
        let new = NewItem { item, candidates: vec![chosen], chosen: true };
        return Reply::Done(target.store.state.create(&target.shape(), new).await);
    }
    // Else a few drawn in the documented form (a sequence is counted by the state itself):
    // almost always the first is free. Only when they were all taken — a small id space, a
    // sequence run to its top — are more drawn, once: every spare one of a small range.
    let draw = |all: bool| match facts.shape.ids {
        IdRule::Drawn => {
            ids::candidates(api, facts.id_schema.as_ref(), if all { ids::DRAWS } else { ids::FIRST_DRAWS })
        }
        IdRule::Sequence { min, max, text } if all => ids::spare_integers(min, max, text),
        IdRule::Sequence { .. } => Vec::new(),
    };
    let shape = target.shape();
    let first = NewItem { item: item.clone(), candidates: draw(false), chosen: false };
    match target.store.state.create(&shape, first).await {
        Outcome::Exhausted { .. } => {
            let again = NewItem { item, candidates: draw(true), chosen: false };
            Reply::Done(target.store.state.create(&shape, again).await)
        }
        outcome => Reply::Done(outcome),
    }
}
