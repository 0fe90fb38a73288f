//! Property-based requests: random valid requests for an operation from the seeded
//! generator, nothing taken from the document's examples (those the valid request already
//! sent): the schema explored, each request judged by every rule.

use std::collections::HashSet;

use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus as Rng64;
use serde_json::{Map, Value};

use super::boundary::fingerprint;
use super::build::{Builder, Draft, body_media, segment_friendly};
use super::keys::fresh_key;
use super::oracle;
use super::plan::{Case, Probe};
use crate::generate::{generate_random, slot_seed};
use crate::spec::ParamIn;
use crate::validate::governed_by_http;

/// Up to `count` distinct random valid requests for operation `index`, none already in `seen`.
pub fn cases(
    builder: &Builder<'_>,
    index: usize,
    seed: u64,
    run_seed: u64,
    count: usize,
    seen: &mut HashSet<String>,
) -> Vec<Case> {
    let api = builder.api;
    let op = &api.operations[index];
    if op.params.is_empty() && op.body.is_none() {
        return Vec::new(); // every request would be the valid one
    }
    let mut out = Vec::new();
    // Small schemas have few distinct values: attempts are bounded, not retried forever.
    for attempt in 0..count.saturating_mul(3) {
        if out.len() >= count {
            break;
        }
        let example_seed = slot_seed(seed, &format!("random {attempt}"));
        let Some(mut draft) = draft(builder, index, example_seed) else { continue };
        // Each request its own idempotency key: a key sent again with another body is refused.
        if let Some((i, key)) = fresh_key(api, op, example_seed, "random") {
            draft.params[i] = Some(key);
        }
        let mut case = builder.assemble(&draft);
        if !oracle::is_valid(api, &case) || !seen.insert(fingerprint(&case)) {
            continue;
        }
        let label = format!("random #{}", out.len() + 1);
        case.description = label.clone();
        case.probe = Some(Box::new(Probe { label, seed: run_seed, draft: Some(draft) }));
        out.push(case);
    }
    out
}

/// Random values for every required parameter, about half the optional ones, and the body.
fn draft(builder: &Builder<'_>, index: usize, seed: u64) -> Option<Draft> {
    let api = builder.api;
    let op = &api.operations[index];
    let mut rng = <Rng64 as rand::SeedableRng>::seed_from_u64(seed);
    let mut params = Vec::with_capacity(op.params.len());
    for (i, param) in op.params.iter().enumerate() {
        let wanted = param.required || param.location == ParamIn::Path || rng.random_bool(0.5);
        if !wanted || (param.location == ParamIn::Header && governed_by_http(&param.name)) {
            params.push(None);
            continue;
        }
        let value = match param.schema {
            Some(schema) => {
                let value = generate_random(&api.schemas, schema, seed.wrapping_add(i as u64), &param.name).ok()?;
                segment_friendly(api, param, schema, value)
            }
            None => Value::String("x".into()),
        };
        params.push(Some(value));
    }
    let body = match &op.body {
        Some(body) => {
            let media = body_media(body)?;
            let value = match body.content[media].schema {
                Some(schema) => generate_random(&api.schemas, schema, seed, "").ok()?,
                None => Value::Object(Map::new()),
            };
            Some((media, value))
        }
        None => None,
    };
    Some(Draft { operation: index, params, body, extra: Vec::new() })
}
