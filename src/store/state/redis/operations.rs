//! The state's operations on Redis: each write one script (see `lua/`), each answer only
//! once Redis has replied.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::aio::ConnectionManager;
use serde_json::Value;

use super::encode::{self, UniqueValue};
use super::{Held, RETRIES, Shared, Trouble, again};
use crate::store::idempotency::{self, Begin, Remembered, now_millis};
use crate::store::journal::Data;
use crate::store::state::{Change, IdRule, Lookup, NewItem, Outcome, Shape, State, text, with_id};
use crate::units::MAX_DELAY;

/// Drawn ids sent with a create before the rest (see `create_item`).
const FIRST_CANDIDATES: usize = 4;

/// An item as read: its id, its JSON exactly as stored (what a change must still find), and
/// its value.
struct Read {
    id: String,
    raw: String,
    value: Value,
}

impl Shared {
    /// The item a lookup names, by id (one HGET) or by another property (the first in
    /// creation order that has it).
    async fn find(
        &self,
        conn: &mut ConnectionManager,
        shape: &Shape,
        lookup: &Lookup,
    ) -> Result<Option<Read>, Trouble> {
        let keys = self.keys_of(shape);
        match &lookup.by {
            None => {
                let raw: Option<String> = redis::cmd("HGET")
                    .arg(&keys.items)
                    .arg(&lookup.value)
                    .query_async(conn)
                    .await
                    .map_err(|e| self.trouble(&e))?;
                let Some(raw) = raw else { return Ok(None) };
                let value = parse(&lookup.value, &raw)?;
                Ok(Some(Read { id: lookup.value.clone(), raw, value }))
            }
            Some(by) => {
                for (id, raw) in self.pairs(conn, shape).await? {
                    let value = parse(&id, &raw)?;
                    if value.get(by).map(text).as_deref() == Some(lookup.value.as_str()) {
                        return Ok(Some(Read { id, raw, value }));
                    }
                }
                Ok(None)
            }
        }
    }

    /// Every item of a resource in creation order, as stored.
    async fn pairs(&self, conn: &mut ConnectionManager, shape: &Shape) -> Result<Vec<(String, String)>, Trouble> {
        let keys = self.keys_of(shape);
        let words: Vec<String> = self
            .scripts
            .list
            .key(&keys.items)
            .key(&keys.order)
            .invoke_async(conn)
            .await
            .map_err(|e| self.trouble(&e))?;
        let mut pairs = Vec::with_capacity(words.len() / 2);
        let mut words = words.into_iter();
        while let (Some(id), Some(raw)) = (words.next(), words.next()) {
            pairs.push((id, raw));
        }
        Ok(pairs)
    }

    async fn create_item(&self, shape: &Shape, new: &NewItem) -> Result<Outcome, Trouble> {
        let mut conn = self.connection()?;
        let keys = self.keys_of(shape);
        let NewItem { item, candidates, chosen } = new;
        let (mut item, chosen) = (item.clone(), *chosen);
        item.shift_remove(&shape.id_field);
        let unique = encode::unique_values(&shape.unique, &item);
        let body = serde_json::to_string(&item).map_err(|e| Trouble::Failed(e.to_string()))?;
        let id_field = serde_json::to_string(&shape.id_field).map_err(|e| Trouble::Failed(e.to_string()))?;
        let (min, max_id, as_text) = match shape.ids {
            IdRule::Sequence { min, max, text } => (min, max, text),
            IdRule::Drawn => (0, 0, false),
        };
        let mode = match (&shape.ids, chosen) {
            (_, true) => "chosen",
            (IdRule::Sequence { .. }, false) => "sequence",
            (IdRule::Drawn, false) => "drawn",
        };
        // A client-chosen integer id moves the sequence past it, as a database's would.
        let raised = match (&shape.ids, chosen, candidates.first()) {
            (IdRule::Sequence { .. }, true, Some(id)) => text(id).parse::<i64>().map(|n| n.to_string()).ok(),
            _ => None,
        };
        // The first few drawn ids are almost always free: send those, and the rest only when
        // they were all taken (a second call, which changes nothing the first did not).
        let few = FIRST_CANDIDATES.min(candidates.len());
        let mut reply = Vec::new();
        for sent in [few, candidates.len()] {
            let mut call = self.scripts.create.prepare_invoke();
            call.key(&keys.items).key(&keys.order).key(&keys.unique).key(&keys.high).key(&keys.clock);
            call.key(self.space.resources());
            call.arg(&shape.key)
                .arg(shape.max.map_or(-1, |m| i64::try_from(m).unwrap_or(i64::MAX)))
                .arg(&id_field)
                .arg(&body)
                .arg(mode)
                .arg(min.to_string())
                .arg(max_id.to_string())
                .arg(if as_text { "1" } else { "0" })
                .arg(raised.as_deref().unwrap_or_default())
                .arg(unique.len());
            for u in &unique {
                call.arg(&u.entry);
            }
            // A sequence's candidates are its spare ids, for when it has run out.
            for candidate in &candidates[..sent] {
                call.arg(text(candidate)).arg(candidate.to_string());
            }
            reply = call.invoke_async(&mut conn).await.map_err(|e| self.trouble(&e))?;
            if reply.first().map(String::as_str) != Some("exhausted") || sent == candidates.len() {
                break;
            }
        }
        Ok(match reply.first().map(String::as_str) {
            Some("created") => {
                let id_json = reply.get(1).map(String::as_str).unwrap_or("null");
                let id: Value = serde_json::from_str(id_json).map_err(|e| Trouble::Failed(e.to_string()))?;
                Outcome::Created(Arc::new(Value::Object(with_id(&shape.id_field, id, item))))
            }
            Some("limit") => Outcome::Limit { max: shape.max.unwrap_or(0) },
            Some("conflict") => conflict(&unique, &reply),
            Some("taken") => Outcome::Conflict {
                field: shape.id_field.clone(),
                value: candidates.first().map(text).unwrap_or_default(),
            },
            Some("exhausted") => {
                Outcome::Exhausted { tried: reply.get(1).and_then(|n| n.parse().ok()).unwrap_or(candidates.len()) }
            }
            _ => return Err(Trouble::Failed(format!("unexpected reply to a create: {reply:?}"))),
        })
    }

    async fn update_item(&self, shape: &Shape, lookup: &Lookup, change: Change<'_>) -> Result<Outcome, Trouble> {
        let mut conn = self.connection()?;
        let keys = self.keys_of(shape);
        for _ in 0..RETRIES {
            let Some(read) = self.find(&mut conn, shape, lookup).await? else { return Ok(not_found(shape, lookup)) };
            let old = read.value.as_object().cloned().unwrap_or_default();
            let mut new = change(&old);
            // The id is the item's name: a change cannot rename it.
            if let Some(id_value) = old.get(&shape.id_field) {
                new.insert(shape.id_field.clone(), id_value.clone());
            }
            let before = encode::unique_values(&shape.unique, &old);
            let after = encode::unique_values(&shape.unique, &new);
            let json = serde_json::to_string(&new).map_err(|e| Trouble::Failed(e.to_string()))?;
            let mut call = self.scripts.update.prepare_invoke();
            call.key(&keys.items).key(&keys.unique);
            call.arg(&read.id).arg(&read.raw).arg(json).arg(before.len());
            for u in &before {
                call.arg(&u.entry);
            }
            call.arg(after.len());
            for u in &after {
                call.arg(&u.entry);
            }
            let reply: Vec<String> = call.invoke_async(&mut conn).await.map_err(|e| self.trouble(&e))?;
            match reply.first().map(String::as_str) {
                Some("updated") => return Ok(Outcome::Updated(Arc::new(Value::Object(new)))),
                Some("gone") => return Ok(not_found(shape, lookup)),
                Some("conflict") => return Ok(conflict(&after, &reply)),
                Some("changed") => continue,
                _ => return Err(Trouble::Failed(format!("unexpected reply to an update: {reply:?}"))),
            }
        }
        Err(self.contended())
    }

    async fn delete_item(&self, shape: &Shape, lookup: &Lookup) -> Result<Outcome, Trouble> {
        let mut conn = self.connection()?;
        let keys = self.keys_of(shape);
        for _ in 0..RETRIES {
            let Some(read) = self.find(&mut conn, shape, lookup).await? else { return Ok(not_found(shape, lookup)) };
            let old = read.value.as_object().cloned().unwrap_or_default();
            let mut call = self.scripts.delete.prepare_invoke();
            call.key(&keys.items).key(&keys.order).key(&keys.unique);
            call.arg(&read.id).arg(&read.raw);
            for u in encode::unique_values(&shape.unique, &old) {
                call.arg(u.entry);
            }
            let reply: Vec<String> = call.invoke_async(&mut conn).await.map_err(|e| self.trouble(&e))?;
            match reply.first().map(String::as_str) {
                Some("deleted") => return Ok(Outcome::Deleted(Arc::new(read.value))),
                Some("gone") => return Ok(not_found(shape, lookup)),
                Some("changed") => continue,
                _ => return Err(Trouble::Failed(format!("unexpected reply to a delete: {reply:?}"))),
            }
        }
        Err(self.contended())
    }

    fn contended(&self) -> Trouble {
        Trouble::Unavailable(format!(
            "the item was changed by other requests {RETRIES} times while this change was being applied; retry shortly"
        ))
    }

    async fn dump_all(&self) -> Result<Data, Trouble> {
        let mut conn = self.connection()?;
        let reply: redis::Value = self
            .scripts
            .dump
            .key(self.space.resources())
            .arg(&self.space.prefix)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.trouble(&e))?;
        let words = |value: &redis::Value| -> Vec<String> {
            match value {
                redis::Value::Array(items) => {
                    items.iter().filter_map(|v| redis::from_redis_value_ref::<String>(v).ok()).collect()
                }
                _ => Vec::new(),
            }
        };
        let redis::Value::Array(parts) = reply else { return Ok(Data::new()) };
        let mut data = Data::new();
        for part in parts.chunks(2) {
            let [resource, pairs] = part else { continue };
            let Ok(resource) = redis::from_redis_value_ref::<String>(resource) else { continue };
            let items = encode::items(words(pairs)).map_err(Trouble::Failed)?;
            data.insert(resource, items.into_iter().collect());
        }
        Ok(data)
    }

    /// How long a claim on an idempotency key lasts if its replica never finishes it (it
    /// crashed): the longest a request may take, not a day.
    fn pending_ttl(&self) -> Duration {
        self.ttl.min(MAX_DELAY + Duration::from_secs(60))
    }

    async fn begin_key(&self, scope: &str, fingerprint: u64) -> Result<Begin, Trouble> {
        let mut conn = self.connection()?;
        let pending = serde_json::to_string(&Held::Pending(fingerprint)).map_err(|e| Trouble::Failed(e.to_string()))?;
        let reply: Vec<String> = self
            .scripts
            .begin
            .key(self.space.epoch())
            .arg(self.space.keys_prefix())
            .arg(scope)
            .arg(pending)
            .arg(millis(self.pending_ttl()))
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.trouble(&e))?;
        match (reply.first().map(String::as_str), reply.get(1)) {
            (Some("fresh"), _) => Ok(Begin::Fresh),
            (Some("held"), Some(kept)) => match serde_json::from_str::<Held>(kept) {
                Ok(Held::Done(answer)) => Ok(idempotency::held(scope, fingerprint, Some(&answer), None)),
                Ok(Held::Pending(f)) => Ok(idempotency::held(scope, fingerprint, None, Some(f))),
                Err(e) => Err(Trouble::Failed(format!("idempotency key '{scope}' holds something unreadable: {e}"))),
            },
            _ => Err(Trouble::Failed(format!("unexpected reply to an idempotency claim: {reply:?}"))),
        }
    }

    async fn finish_key(&self, scope: &str, answer: &Remembered) -> Result<(), Trouble> {
        let mut conn = self.connection()?;
        let ttl = answer.expires.saturating_sub(now_millis()).max(1);
        let kept = serde_json::to_string(&Held::Done(answer.clone())).map_err(|e| Trouble::Failed(e.to_string()))?;
        let _: i64 = self
            .scripts
            .finish
            .key(self.space.epoch())
            .arg(self.space.keys_prefix())
            .arg(scope)
            .arg(kept)
            .arg(ttl)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.trouble(&e))?;
        Ok(())
    }
}

impl State for Shared {
    fn create<'a>(&'a self, shape: &'a Shape, new: NewItem) -> BoxFuture<'a, Outcome> {
        Box::pin(async move { again(false, || self.create_item(shape, &new)).await.unwrap_or_else(Outcome::from) })
    }

    fn read<'a>(&'a self, shape: &'a Shape, lookup: &'a Lookup) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let found = again(true, || async {
                let mut conn = self.connection()?;
                self.find(&mut conn, shape, lookup).await
            });
            match found.await {
                Ok(Some(read)) => Outcome::Found(Arc::new(read.value)),
                Ok(None) => not_found(shape, lookup),
                Err(trouble) => trouble.into(),
            }
        })
    }

    fn list<'a>(&'a self, shape: &'a Shape) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let listed = again(true, || async {
                let mut conn = self.connection()?;
                let pairs = self.pairs(&mut conn, shape).await?;
                pairs.into_iter().map(|(id, raw)| parse(&id, &raw).map(Arc::new)).collect::<Result<Vec<_>, _>>()
            });
            match listed.await {
                Ok(items) => Outcome::Listed(items),
                Err(trouble) => trouble.into(),
            }
        })
    }

    fn update<'a>(&'a self, shape: &'a Shape, lookup: &'a Lookup, change: Change<'a>) -> BoxFuture<'a, Outcome> {
        Box::pin(
            async move { again(false, || self.update_item(shape, lookup, change)).await.unwrap_or_else(Outcome::from) },
        )
    }

    fn delete<'a>(&'a self, shape: &'a Shape, lookup: &'a Lookup) -> BoxFuture<'a, Outcome> {
        Box::pin(async move { again(false, || self.delete_item(shape, lookup)).await.unwrap_or_else(Outcome::from) })
    }

    fn reset<'a>(&'a self, data: &'a Data) -> BoxFuture<'a, Result<usize, String>> {
        Box::pin(async move {
            let reset = again(false, || async { self.load("reset", data, self.connection()?).await });
            reset.await.map_err(Trouble::message)?;
            Ok(data.values().map(|items| items.len()).sum())
        })
    }

    fn dump(&self) -> BoxFuture<'_, Result<Data, String>> {
        Box::pin(async move { again(true, || self.dump_all()).await.map_err(Trouble::message) })
    }

    fn begin<'a>(&'a self, scope: &'a str, fingerprint: u64) -> BoxFuture<'a, Begin> {
        Box::pin(async move {
            match again(false, || self.begin_key(scope, fingerprint)).await {
                Ok(begin) => begin,
                Err(trouble) => Begin::Unavailable(trouble.message()),
            }
        })
    }

    fn finish<'a>(&'a self, scope: &'a str, answer: Remembered) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move { again(false, || self.finish_key(scope, &answer)).await.map_err(Trouble::message) })
    }

    fn release(&self, scope: &str) {
        // Called from a drop guard, which cannot wait: the key is given up in the background.
        let (Ok(runtime), Ok(mut conn)) = (tokio::runtime::Handle::try_current(), self.connection()) else { return };
        let (scripts, epoch, prefix, scope) =
            (Arc::clone(&self.scripts), self.space.epoch(), self.space.keys_prefix(), scope.to_string());
        runtime.spawn(async move {
            let released: redis::RedisResult<i64> =
                scripts.release.key(epoch).arg(prefix).arg(scope).invoke_async(&mut conn).await;
            // Unreachable now: the claim expires by itself.
            drop(released);
        });
    }
}

fn parse(id: &str, raw: &str) -> Result<Value, Trouble> {
    serde_json::from_str(raw)
        .map_err(|e| Trouble::Failed(format!("the shared sandbox holds an item that is not JSON (id '{id}'): {e}")))
}

fn not_found(shape: &Shape, lookup: &Lookup) -> Outcome {
    Outcome::NotFound {
        field: lookup.by.clone().unwrap_or_else(|| shape.id_field.clone()),
        value: lookup.value.clone(),
    }
}

/// The unique value a script reported taken (`{'conflict', n}`: the n-th entry sent).
fn conflict(sent: &[UniqueValue], reply: &[String]) -> Outcome {
    let n: usize = reply.get(1).and_then(|n| n.parse().ok()).unwrap_or(1);
    match sent.get(n.saturating_sub(1)) {
        Some(u) => Outcome::Conflict { field: u.field.clone(), value: u.shown.clone() },
        None => Outcome::Failed(format!("unexpected reply to a write: {reply:?}")),
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}
