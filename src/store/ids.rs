//! New ids in the documented form: integers counted up as a database sequence counts them,
//! everything else drawn from the id's schema (pattern, format, enum) before the state is
//! touched, so the state only picks the first free one.

use serde_json::Value;

use super::state::IdRule;
use crate::generate::{generate_part, random_seed};
use crate::spec::{Api, Side};

/// Ids drawn for a create's first try: with any realistic id (a UUID, `org_` and 27
/// characters) the first is free, and drawing is the costly part of a create.
pub const FIRST_DRAWS: usize = 4;
/// Ids drawn when the first ones were all taken: a small id space (a one-character pattern)
/// gets this many chances before it is called used up.
pub const DRAWS: usize = 24;

/// Most values of an `enum` id tried, in order.
const ENUM_LIMIT: usize = 1_000;

/// How ids of this schema are made.
pub fn rule(api: &Api, id_schema: Option<&Value>) -> IdRule {
    let Some(schema) = id_schema.map(|s| api.schemas.deref(s)) else { return IdRule::Drawn };
    if schema.get("enum").is_some() || schema.get("const").is_some() {
        return IdRule::Drawn;
    }
    let integer = match schema.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer") && !ts.iter().any(|t| t == "string"),
        _ => false,
    };
    if !integer {
        return IdRule::Drawn;
    }
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    let min = match (bound("minimum"), bound("exclusiveMinimum")) {
        (Some(m), _) => m.ceil(),
        (None, Some(m)) => m.floor() + 1.0,
        // Databases start counting at 1.
        (None, None) => 1.0,
    };
    let max = match (bound("maximum"), bound("exclusiveMaximum")) {
        (Some(m), _) => m.floor(),
        (None, Some(m)) => m.ceil() - 1.0,
        (None, None) => i64::MAX as f64,
    };
    let (min, max) = (clamp(min), clamp(max));
    // Databases count from 1; an int64 format alone (bounds of ±2⁶³) does not change that.
    let min = if min < 1 && max >= 1 { 1 } else { min };
    IdRule::Sequence { min, max, text: false }
}

fn clamp(n: f64) -> i64 {
    if n >= i64::MAX as f64 {
        i64::MAX
    } else if n <= i64::MIN as f64 {
        i64::MIN
    } else {
        n as i64
    }
}

/// Up to `draws` ids to try for a new item of a [`IdRule::Drawn`] resource, most likely free
/// first (an `enum` offers its values in order, up to `draws` of them).
pub fn candidates(api: &Api, id_schema: Option<&Value>, draws: usize) -> Vec<Value> {
    let Some(raw) = id_schema else { return uuids() };
    let schema = api.schemas.deref(raw);
    if let Some(c) = schema.get("const") {
        return vec![c.clone()];
    }
    if let Some(Value::Array(options)) = schema.get("enum") {
        return options.iter().filter(|v| !v.is_null()).take(draws.min(ENUM_LIMIT)).cloned().collect();
    }
    let mut out: Vec<Value> = Vec::with_capacity(draws);
    for _ in 0..draws {
        // Named `id`, so a plain string is drawn as a UUID rather than a word.
        let drawn = match generate_part(&api.schemas, raw, Side::Response, random_seed(), "id", false) {
            Ok(v @ (Value::String(_) | Value::Number(_))) => v,
            _ => Value::String(crate::generate::fresh_uuid()),
        };
        if !out.contains(&drawn) {
            out.push(drawn);
        }
    }
    out
}

/// Ids to try for a new item of a [`IdRule::Sequence`] resource once the sequence has run
/// past its maximum (a client chose an id at the top): every id of a small range, so a free
/// one is found while there is one; a few drawn from a large range, where one is free.
pub fn spare_integers(min: i64, max: i64, text: bool) -> Vec<Value> {
    if max < min {
        return Vec::new();
    }
    let span = (max as i128 - min as i128) as u128 + 1;
    let as_value = |n: i64| if text { Value::String(n.to_string()) } else { Value::from(n) };
    if span <= ENUM_LIMIT as u128 {
        return (min..=max).map(as_value).collect();
    }
    (0..DRAWS).map(|_| as_value((min as i128 + (random_seed() as u128 % span) as i128) as i64)).collect()
}

fn uuids() -> Vec<Value> {
    vec![Value::String(crate::generate::fresh_uuid())]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn api() -> Api {
        crate::spec::load_text("t.yaml", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n").expect("loads")
    }

    #[test]
    fn integers_are_a_sequence_within_their_bounds() {
        let table = [
            (json!({"type": "integer"}), 1, i64::MAX),
            (json!({"type": "integer", "minimum": 100, "maximum": 200}), 100, 200),
            (json!({"type": "integer", "minimum": -2147483648i64, "maximum": 2147483647}), 1, 2147483647),
            (json!({"type": "integer", "minimum": -10, "maximum": -1}), -10, -1),
            (json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}), 1, 9),
            (json!({"type": ["integer", "null"]}), 1, i64::MAX),
        ];
        let api = api();
        for (schema, min, max) in table {
            assert_eq!(rule(&api, Some(&schema)), IdRule::Sequence { min, max, text: false }, "{schema}");
        }
        assert_eq!(rule(&api, Some(&json!({"type": "string"}))), IdRule::Drawn);
        assert_eq!(rule(&api, Some(&json!({"type": "integer", "enum": [1, 2]}))), IdRule::Drawn);
    }

    #[test]
    fn a_sequence_past_its_top_offers_spare_ids_within_its_bounds() {
        assert_eq!(spare_integers(1, 3, false), vec![Value::from(1), Value::from(2), Value::from(3)]);
        assert_eq!(spare_integers(7, 7, true), vec![Value::from("7")]);
        assert!(spare_integers(5, 4, false).is_empty());
        let drawn = spare_integers(1, i64::MAX, false);
        assert_eq!(drawn.len(), DRAWS);
        assert!(drawn.iter().all(|v| v.as_i64().is_some_and(|n| n >= 1)), "{drawn:?}");
        let negative = spare_integers(i64::MIN, -1, false);
        assert!(negative.iter().all(|v| v.as_i64().is_some_and(|n| n < 0)), "{negative:?}");
    }

    #[test]
    fn enums_offer_every_value_and_strings_are_drawn() {
        let api = api();
        let two = json!({"type": "string", "enum": ["a", "b"]});
        assert_eq!(candidates(&api, Some(&two), DRAWS), vec![Value::from("a"), Value::from("b")]);
        assert_eq!(candidates(&api, Some(&two), 1), vec![Value::from("a")]);
        let drawn = candidates(&api, Some(&json!({"type": "string", "format": "uuid"})), DRAWS);
        assert!(drawn.len() > 1 && drawn.iter().all(|v| v.as_str().is_some_and(|s| s.len() == 36)), "{drawn:?}");
        let plain = candidates(&api, Some(&json!({"type": "string"})), FIRST_DRAWS);
        assert!(plain.iter().all(|v| v.as_str().is_some_and(|s| s.len() >= 16)), "plain strings are UUIDs: {plain:?}");
    }
}
