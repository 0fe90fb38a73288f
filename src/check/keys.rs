//! Parameters whose values a client cannot make up: references to what the server handed
//! out (page tokens, cursors) — a made-up one is rightly refused — and idempotency keys,
//! which must be new for each request (the same key with another body is rightly refused).

use serde_json::Value;

use crate::generate::{generate_named, slot_seed, words_of};
use crate::spec::{Api, Operation, Param, ParamIn};

/// `Idempotency-Key`, `X-Idempotency-Key`, `idempotency_key`.
pub fn is_idempotency_key(param: &Param) -> bool {
    let words = words_of(&param.name);
    param.location == ParamIn::Header
        && words.iter().any(|w| w == "idempotency")
        && words.last().is_some_and(|w| w == "key")
}

/// `page_token`, `cursor`, `starting_after`, `ending_before`, `marker`, `nextToken`: values
/// only the server's earlier answers can give.
pub fn is_reference(param: &Param) -> bool {
    if param.location != ParamIn::Query && param.location != ParamIn::Header {
        return false;
    }
    let words = words_of(&param.name);
    let last = words.last().map(String::as_str).unwrap_or("");
    words.iter().any(|w| w == "cursor") || ["token", "after", "before", "marker", "cursor"].contains(&last)
}

/// A new idempotency key for the operation's key parameter, from `seed` (so a run repeats):
/// `None` when the operation takes none.
pub fn fresh_key(api: &Api, op: &Operation, seed: u64, salt: &str) -> Option<(usize, Value)> {
    let (index, param) = op.params.iter().enumerate().find(|(_, p)| is_idempotency_key(p))?;
    // A UUID where the schema takes one: generated words would repeat across a run.
    let (high, low) = (slot_seed(seed, salt), slot_seed(seed, &format!("{salt}/low")));
    let uuid = Value::String(format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xfff,
        low >> 52,
        low & 0xffff_ffff_ffff
    ));
    let value = match param.schema {
        Some(schema) if api.schemas.validator(schema).is_ok_and(|v| v.is_valid(&uuid)) => uuid,
        Some(schema) => generate_named(&api.schemas, schema, high, &param.name).ok()?,
        None => uuid,
    };
    Some((index, value))
}

/// The reference parameters `case` sends with other values than `base` does.
pub fn made_up_references(op: &Operation, case: &[(String, String)], base: &[(String, String)]) -> bool {
    op.params.iter().filter(|p| is_reference(p)).any(|p| {
        let values = |pairs: &[(String, String)]| -> Vec<String> {
            pairs.iter().filter(|(k, _)| k.eq_ignore_ascii_case(&p.name)).map(|(_, v)| v.clone()).collect()
        };
        let sent = values(case);
        !sent.is_empty() && sent != values(base)
    })
}
