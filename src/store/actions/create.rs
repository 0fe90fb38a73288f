//! Create: the client's writable properties, the server's fields stamped, an id allocated.

use super::{Reply, Target};
use crate::store::fields::{self, Clock, Sent};
use crate::store::ids;
use crate::store::state::{IdRule, NewItem};

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
    // An id the client may choose and did; else one drawn in the documented form (a
    // sequence is counted by the state itself; the spare ids serve once it has run out).
    let new = match chosen {
        Some(chosen) if !chosen.is_null() => NewItem { item, candidates: vec![chosen], chosen: true },
        _ => {
            let candidates = match facts.shape.ids {
                IdRule::Drawn => ids::candidates(api, facts.id_schema.as_ref()),
                IdRule::Sequence { min, max, text } => ids::spare_integers(min, max, text),
            };
            NewItem { item, candidates, chosen: false }
        }
    };
    Reply::Done(target.store.state.create(&target.shape(), new).await)
}
