//! The embedded state: everything in this process's memory, optionally journaled to a state
//! file (see `journal.rs`). One lock guards the items; it is held only for lookups, checks
//! and inserts — ids are drawn, items stamped and records serialized around it, and the wait
//! for the disk happens after it is released.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::BoxFuture;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::{Change, IdRule, Lookup, NewItem, Outcome, Shape, State, largest_id};
use crate::store::idempotency::{Begin, KeyTable, Remembered};
use crate::store::journal::{Data, Journal, Record, durable};

type Items = IndexMap<String, Arc<Value>>;

#[derive(Default)]
struct Inner {
    data: Data,
    /// Per resource: the largest integer id it has held, so deleted ids are not handed out again.
    high: HashMap<String, i64>,
}

pub(crate) struct Embedded {
    inner: Mutex<Inner>,
    keys: KeyTable,
    journal: Option<Journal>,
}

/// A record queued for the disk, to be waited for once the lock is released.
type Pending = Option<tokio::sync::oneshot::Receiver<std::io::Result<()>>>;

impl Embedded {
    pub(crate) fn new(data: Data, journal: Option<Journal>, ttl: Duration) -> Embedded {
        Embedded { inner: Mutex::new(Inner { data, high: HashMap::new() }), keys: KeyTable::new(ttl), journal }
    }

    pub(crate) fn keys(&self) -> &KeyTable {
        &self.keys
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not take the sandbox down with it.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn submit(&self, record: &Record) -> Pending {
        self.journal.as_ref().map(|j| j.submit(record))
    }

    fn put(&self, key: &str, id: &str, value: &Arc<Value>) -> Pending {
        self.submit(&Record::Put { resource: key.to_string(), id: id.to_string(), value: Arc::clone(value) })
    }
}

/// Waits for the disk, then gives the outcome (or says the change was not saved).
async fn saved(pending: Pending, outcome: Outcome) -> Outcome {
    match pending {
        None => outcome,
        Some(ack) => match durable(ack).await {
            Ok(()) => outcome,
            Err(e) => Outcome::Failed(format!("the change could not be saved to the state file: {e}")),
        },
    }
}

/// A value as the text a path or header carries.
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The key of the item a lookup names.
fn find(items: Option<&Items>, lookup: &Lookup) -> Option<String> {
    let items = items?;
    match &lookup.by {
        None => items.contains_key(&lookup.value).then(|| lookup.value.clone()),
        Some(by) => items
            .iter()
            .find(|(_, v)| v.get(by).map(text).as_deref() == Some(lookup.value.as_str()))
            .map(|(k, _)| k.clone()),
    }
}

fn not_found(shape: &Shape, lookup: &Lookup) -> Outcome {
    Outcome::NotFound {
        field: lookup.by.clone().unwrap_or_else(|| shape.id_field.clone()),
        value: lookup.value.clone(),
    }
}

/// The first `unique` property whose value another item already has.
pub(crate) fn duplicate(
    unique: &[String],
    items: &Items,
    item: &Map<String, Value>,
    except: Option<&str>,
) -> Option<Outcome> {
    for field in unique {
        let Some(value) = item.get(field).filter(|v| !v.is_null()) else { continue };
        if items.iter().any(|(id, other)| Some(id.as_str()) != except && other.get(field) == Some(value)) {
            return Some(Outcome::Conflict { field: field.clone(), value: text(value) });
        }
    }
    None
}

/// The id for a new item, or why there is none.
fn allocate(shape: &Shape, high: &mut HashMap<String, i64>, items: &Items, new: &NewItem) -> Result<Value, Outcome> {
    if let (IdRule::Sequence { min, max, text }, false) = (&shape.ids, new.chosen) {
        let largest = *high
            .entry(shape.key.clone())
            .or_insert_with(|| largest_id(items.keys().cloned()).unwrap_or(min.saturating_sub(1)));
        let next = largest.saturating_add(1).max(*min);
        if next <= *max && largest < i64::MAX {
            return Ok(if *text { Value::String(next.to_string()) } else { Value::from(next) });
        }
        // Run out (a client chose an id at the top): a spare id below it, as drawn.
    }
    match new.candidates.iter().find(|c| !items.contains_key(&self::text(c))) {
        Some(id) => Ok(id.clone()),
        None if new.chosen => Err(Outcome::Conflict {
            field: shape.id_field.clone(),
            value: new.candidates.first().map(self::text).unwrap_or_default(),
        }),
        None => Err(Outcome::Exhausted { tried: new.candidates.len() }),
    }
}

/// The item with its id first, as APIs list it.
pub(crate) fn with_id(id_field: &str, id: Value, item: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::with_capacity(item.len() + 1);
    out.insert(id_field.to_string(), id);
    out.extend(item.into_iter().filter(|(k, _)| k != id_field));
    out
}

impl State for Embedded {
    fn create<'a>(&'a self, shape: &'a Shape, new: NewItem) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let (pending, value) = {
                let mut guard = self.lock();
                let Inner { data, high } = &mut *guard;
                let items = data.entry(shape.key.clone()).or_default();
                if let Some(max) = shape.max
                    && items.len() >= max
                {
                    return Outcome::Limit { max };
                }
                if let Some(conflict) = duplicate(&shape.unique, items, &new.item, None) {
                    return conflict;
                }
                let id = match allocate(shape, high, items, &new) {
                    Ok(id) => id,
                    Err(outcome) => return outcome,
                };
                if let Value::Number(n) = &id
                    && let Some(n) = n.as_i64()
                {
                    high.insert(shape.key.clone(), n);
                } else if let Some(n) = id.as_str().and_then(|s| s.parse::<i64>().ok())
                    && matches!(shape.ids, IdRule::Sequence { .. })
                {
                    let entry = high.entry(shape.key.clone()).or_insert(n);
                    *entry = (*entry).max(n);
                }
                let key = text(&id);
                let value = Arc::new(Value::Object(with_id(&shape.id_field, id, new.item)));
                items.insert(key.clone(), Arc::clone(&value));
                (self.put(&shape.key, &key, &value), value)
            };
            saved(pending, Outcome::Created(value)).await
        })
    }

    fn read<'a>(&'a self, shape: &'a Shape, lookup: &'a Lookup) -> BoxFuture<'a, Outcome> {
        let inner = self.lock();
        let items = inner.data.get(&shape.key);
        let found = find(items, lookup).and_then(|id| items?.get(&id));
        let outcome = match found {
            Some(item) => Outcome::Found(Arc::clone(item)),
            None => not_found(shape, lookup),
        };
        drop(inner);
        Box::pin(std::future::ready(outcome))
    }

    fn list<'a>(&'a self, shape: &'a Shape) -> BoxFuture<'a, Outcome> {
        let items = self.lock().data.get(&shape.key).map(|i| i.values().cloned().collect()).unwrap_or_default();
        Box::pin(std::future::ready(Outcome::Listed(items)))
    }

    fn update<'a>(&'a self, shape: &'a Shape, lookup: &'a Lookup, change: Change<'a>) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let (pending, value) = {
                let mut inner = self.lock();
                let Some(items) = inner.data.get_mut(&shape.key) else { return not_found(shape, lookup) };
                let Some(id) = find(Some(items), lookup) else { return not_found(shape, lookup) };
                let old = items[&id].as_object().cloned().unwrap_or_default();
                let mut new = change(&old);
                // The id is the item's name: a change cannot rename it.
                if let Some(id_value) = old.get(&shape.id_field) {
                    new.insert(shape.id_field.clone(), id_value.clone());
                }
                if let Some(conflict) = duplicate(&shape.unique, items, &new, Some(&id)) {
                    return conflict;
                }
                let value = Arc::new(Value::Object(new));
                items.insert(id.clone(), Arc::clone(&value));
                (self.put(&shape.key, &id, &value), value)
            };
            saved(pending, Outcome::Updated(value)).await
        })
    }

    fn delete<'a>(&'a self, shape: &'a Shape, lookup: &'a Lookup) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let (pending, value) = {
                let mut inner = self.lock();
                let Some(items) = inner.data.get_mut(&shape.key) else { return not_found(shape, lookup) };
                let Some(id) = find(Some(items), lookup) else { return not_found(shape, lookup) };
                let value = items.shift_remove(&id).unwrap_or_default();
                (self.submit(&Record::Delete { resource: shape.key.clone(), id }), value)
            };
            saved(pending, Outcome::Deleted(value)).await
        })
    }

    fn reset<'a>(&'a self, data: &'a Data) -> BoxFuture<'a, Result<usize, String>> {
        Box::pin(async move {
            let count = data.values().map(|i| i.len()).sum();
            let pending: Vec<Pending> = {
                let mut inner = self.lock();
                *inner = Inner { data: data.clone(), high: HashMap::new() };
                self.keys.clear();
                let mut pending = vec![self.submit(&Record::Clear)];
                for (resource, items) in data {
                    pending.extend(items.iter().map(|(id, value)| self.put(resource, id, value)));
                }
                pending
            };
            for ack in pending.into_iter().flatten() {
                durable(ack).await.map_err(|e| format!("cannot write the state file: {e}"))?;
            }
            Ok(count)
        })
    }

    fn dump(&self) -> BoxFuture<'_, Result<Data, String>> {
        Box::pin(std::future::ready(Ok(self.lock().data.clone())))
    }

    fn begin<'a>(&'a self, scope: &'a str, fingerprint: u64) -> BoxFuture<'a, Begin> {
        Box::pin(std::future::ready(self.keys.begin(scope, fingerprint)))
    }

    fn finish<'a>(&'a self, scope: &'a str, answer: Remembered) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            // Kept on disk too, so a retry after a restart replays instead of creating twice.
            let pending = self.submit(&Record::Key { scope: scope.to_string(), answer: answer.clone() });
            self.keys.finish(scope, answer);
            match pending {
                Some(ack) => durable(ack).await.map_err(|e| format!("cannot write the state file: {e}")),
                None => Ok(()),
            }
        })
    }

    fn release(&self, scope: &str) {
        self.keys.release(scope);
    }
}
