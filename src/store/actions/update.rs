//! Update (PATCH, a JSON merge patch) and replace (PUT: what the server owns stays, the rest
//! is the body); update times move.

use serde_json::{Map, Value};

use super::{Reply, Target, lookup};
use crate::store::fields::{self, Clock};
use crate::store::infer::Action;
use crate::store::state::Outcome;
use crate::store::writes::merge_patch;

pub(super) async fn update(target: &Target<'_>) -> Reply {
    let found = match lookup(target) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let (api, facts) = (target.api(), target.facts);
    let replace = target.op.binding.action == Action::Replace;
    let written = |old: &Map<String, Value>| {
        let mut new = if replace {
            old.iter().filter(|(k, _)| facts.owned.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
        } else {
            old.clone()
        };
        merge_patch(&mut new, target.written());
        new
    };
    // What the change comes to once the item answers as its reads document it, worked out on
    // the item as it is now, away from the state's lock: the edits that get there.
    let shape = target.shape();
    let edits = match target.store.state.read(&shape, &found).await {
        Outcome::Found(old) if facts.read_plan.is_some() => {
            let old = old.as_object().cloned().unwrap_or_default();
            let mut new = written(&old);
            target.conform(&mut new);
            Some(difference(&old, &new))
        }
        Outcome::Found(_) => None,
        other => return Reply::Done(other),
    };
    let clock = Clock::now();
    let change = |old: &Map<String, Value>| {
        let mut new = match &edits {
            Some(edits) => {
                let mut new = old.clone();
                apply(&mut new, edits);
                new
            }
            None => written(old),
        };
        fields::stamp_update(api, &facts.item_schema, &mut new, &clock);
        new
    };
    Reply::Done(target.store.state.update(&shape, &found, &change).await)
}

/// One property's change from an old item to a new one. Not a merge patch: a merge patch
/// cannot set a property to `null` (it removes it), and a nullable property the answer
/// requires must stay, as `null`.
enum Edit {
    Set(Value),
    Remove,
    Within(Edits),
}

type Edits = Vec<(String, Edit)>;

/// The edits that turn `old` into `new`; objects in both as their own edits.
fn difference(old: &Map<String, Value>, new: &Map<String, Value>) -> Edits {
    let mut edits = Vec::new();
    for (key, value) in new {
        match (old.get(key), value) {
            (Some(before), after) if before == after => {}
            (Some(Value::Object(before)), Value::Object(after)) => {
                edits.push((key.clone(), Edit::Within(difference(before, after))));
            }
            _ => {
                edits.push((key.clone(), Edit::Set(value.clone())));
            }
        }
    }
    edits.extend(old.keys().filter(|k| !new.contains_key(*k)).map(|k| (k.clone(), Edit::Remove)));
    edits
}

fn apply(item: &mut Map<String, Value>, edits: &Edits) {
    for (key, edit) in edits {
        match edit {
            Edit::Set(value) => {
                item.insert(key.clone(), value.clone());
            }
            Edit::Remove => {
                item.shift_remove(key);
            }
            Edit::Within(inner) => match item.get_mut(key) {
                Some(Value::Object(nested)) => apply(nested, inner),
                // Changed meanwhile into something else: what the edits built stands alone.
                _ => {
                    let mut nested = Map::new();
                    apply(&mut nested, inner);
                    item.insert(key.clone(), Value::Object(nested));
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_difference_edits_old_into_new() {
        let table = [
            (json!({"a": 1, "b": 2}), json!({"a": 1, "b": 3})),
            (json!({"a": 1, "n": {"x": 1, "y": 2}}), json!({"a": 1, "n": {"x": 1}})),
            (json!({"a": 1}), json!({"c": [1, 2]})),
            (json!({"n": {"x": 1}}), json!({"n": "flat"})),
            // A nullable property set to null stays, as null.
            (json!({"a": "x", "n": {"x": 1}}), json!({"a": null, "n": {"x": null}})),
        ];
        for (old, new) in table {
            let (Value::Object(old), Value::Object(new)) = (old, new) else { unreachable!() };
            let mut patched = old.clone();
            apply(&mut patched, &difference(&old, &new));
            assert_eq!(patched, new);
        }
    }
}
