//! Update (PATCH, a JSON merge patch) and replace (PUT: what the server owns stays, the rest
//! is the body); update times move.

use serde_json::{Map, Value};

use super::{Reply, Target, lookup};
use crate::store::fields::{self, Clock};
use crate::store::infer::Action;
use crate::store::writes::merge_patch;

pub(super) async fn update(target: &Target<'_>) -> Reply {
    let found = match lookup(target) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let (api, facts) = (target.api(), target.facts);
    let body = target.written();
    let replace = target.op.binding.action == Action::Replace;
    let clock = Clock::now();
    let change = |old: &Map<String, Value>| {
        let mut new = if replace {
            old.iter().filter(|(k, _)| facts.owned.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
        } else {
            old.clone()
        };
        merge_patch(&mut new, body.clone());
        fields::stamp_update(api, &facts.item_schema, &mut new, &clock);
        new
    };
    Reply::Done(target.store.state.update(&target.shape(), &found, &change).await)
}
