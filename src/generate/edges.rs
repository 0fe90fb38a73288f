//! Values on the edges of a schema, for the contract runner's boundary cases: each bound
//! (minLength, maximum, minItems…) with the value just inside it and the one just outside,
//! each enum value, null where allowed, unusual but valid formats, awkward text.
//!
//! Seeded and pure: the same schema, value and seed give the same edges. An edge is what
//! the schema's keywords say; whether the whole request is then valid is for the validator
//! to judge (a bound may clash with a pattern), so callers judge each edge before using it.

use crate::spec::keyword::Keyword;
use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus as Rng64;
use serde_json::{Map, Value};

use super::edge_values::{AWKWARD_TEXT, large_integer, unusual_formats};
use super::generator::Generator;
use super::merge;
use super::pattern::compiled_pattern;
use crate::spec::{Schemas, Side};

/// Strings longer than this and arrays with more items than [`MAX_EDGE_ITEMS`] are not
/// built: a bound past them is left unprobed rather than sending megabytes.
pub const MAX_EDGE_LENGTH: u64 = 100_000;
pub const MAX_EDGE_ITEMS: u64 = 1_000;
/// Samples drawn from a pattern to find its shortest and longest matches.
const PATTERN_SAMPLES: usize = 24;

/// One value on an edge of a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// What it probes: `maxLength=200`, `length 201 > maxLength=200`, `enum=active`, `null`.
    pub label: String,
    pub value: Value,
    /// Inside the schema (a server must accept it) or just past one bound (it must refuse it).
    pub inside: bool,
}

impl Edge {
    fn inside(label: impl Into<String>, value: Value) -> Edge {
        Edge { label: label.into(), value, inside: true }
    }

    fn outside(label: impl Into<String>, value: Value) -> Edge {
        Edge { label: label.into(), value, inside: false }
    }
}

/// The schema with its `$ref`s followed and `allOf` folded in: what a value must satisfy.
pub fn flattened(schemas: &Schemas, schema: &Value) -> Value {
    merge::flatten(schemas, schema).into_owned()
}

/// The edges of `schema` (a property's or a parameter's), around `current`, the value a
/// valid request has there (strings keep its text, arrays its items).
pub fn edges(schemas: &Schemas, schema: &Value, current: &Value, side: Side, seed: u64, name: &str) -> Vec<Edge> {
    let flat = flattened(schemas, schema);
    let Some(map) = flat.as_object() else { return Vec::new() };
    if map.has("const") {
        return Vec::new();
    }
    let types = declared_types(map, current);
    let mut out = Vec::new();
    if let Some(options) = map.kw("enum").and_then(Value::as_array) {
        for option in options.iter().take(64) {
            let label = if option.is_null() { "null".to_string() } else { format!("enum={}", shown(option)) };
            out.push(Edge::inside(label, option.clone()));
        }
        return out;
    }
    if types.iter().any(|t| t == "null") && types.len() > 1 {
        out.push(Edge::inside("null", Value::Null));
    }
    for kind in &types {
        match kind.as_str() {
            "string" => out.extend(strings(map, current, seed)),
            "integer" => out.extend(numbers(map, true)),
            "number" if !types.iter().any(|t| t == "integer") => out.extend(numbers(map, false)),
            "array" => out.extend(arrays(schemas, map, current, side, seed, name)),
            "boolean" => {
                out.push(Edge::inside("true", Value::Bool(true)));
                out.push(Edge::inside("false", Value::Bool(false)));
            }
            _ => {}
        }
    }
    out
}

/// The types a value may have; with no `type`, the kind of the value that is there.
fn declared_types(map: &Map<String, Value>, current: &Value) -> Vec<String> {
    let declared = map.kw("type").map(merge::type_names).unwrap_or_default();
    if !declared.is_empty() {
        return declared;
    }
    let kind = match current {
        Value::String(_) => "string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Bool(_) => "boolean",
        _ => return Vec::new(),
    };
    vec![kind.to_string()]
}

/// A value as a label shows it: strings bare, the rest as JSON, long ones cut.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text }
}

fn strings(map: &Map<String, Value>, current: &Value, seed: u64) -> Vec<Edge> {
    let get = |k: &str| map.kw(k).and_then(Value::as_u64);
    let min = get("minLength").unwrap_or(0);
    let max = get("maxLength");
    let mut out = Vec::new();
    let pattern = map.kw("pattern").and_then(Value::as_str);
    let format = map.kw("format").and_then(Value::as_str);
    // Text to build lengths from: a match of the pattern, else what the request has.
    let base = match pattern {
        Some(pattern) => {
            let samples = pattern_samples(pattern, seed);
            let fitting: Vec<&String> = samples
                .iter()
                .filter(|s| (s.chars().count() as u64) >= min && max.is_none_or(|m| s.chars().count() as u64 <= m))
                .collect();
            if let (Some(short), Some(long)) =
                (fitting.iter().min_by_key(|s| s.chars().count()), fitting.iter().max_by_key(|s| s.chars().count()))
            {
                out.push(Edge::inside("pattern (shortest match)", Value::String(short.to_string())));
                if long != short {
                    out.push(Edge::inside("pattern (longest match)", Value::String(long.to_string())));
                }
            }
            samples.into_iter().find(|s| !s.is_empty())
        }
        None => current.as_str().filter(|s| !s.is_empty()).map(str::to_string),
    };
    let base = base.unwrap_or_else(|| "edge".to_string());
    if min > 0 && min <= MAX_EDGE_LENGTH {
        out.push(Edge::inside(format!("minLength={min}"), Value::String(cycled(&base, min))));
        out.push(Edge::outside(format!("length {} < minLength={min}", min - 1), Value::String(cycled(&base, min - 1))));
    }
    if let Some(max) = max.filter(|m| *m <= MAX_EDGE_LENGTH && *m >= min) {
        out.push(Edge::inside(format!("maxLength={max}"), Value::String(cycled(&base, max))));
        out.push(Edge::outside(format!("length {} > maxLength={max}", max + 1), Value::String(cycled(&base, max + 1))));
    }
    if let Some(format) = format {
        for (what, value) in unusual_formats(format) {
            out.push(Edge::inside(format!("format={format} ({what})"), Value::String(value.to_string())));
        }
    }
    // Free text: the characters that break naive code, fitted to the length bounds.
    if pattern.is_none() && format.is_none() {
        if min == 0 {
            out.push(Edge::inside("empty string", Value::String(String::new())));
        }
        for (what, text, marks) in AWKWARD_TEXT {
            if let Some(fitted) = fit(text, min, max).filter(|t| t.chars().any(|c| marks.contains(c))) {
                out.push(Edge::inside(*what, Value::String(fitted)));
            }
        }
    }
    out
}

/// `base` repeated and cut to exactly `len` characters.
fn cycled(base: &str, len: u64) -> String {
    base.chars().cycle().take(len as usize).collect()
}

/// `text` padded (by repeating it) or cut to lie within the bounds; `None` when it cannot.
fn fit(text: &str, min: u64, max: Option<u64>) -> Option<String> {
    let len = text.chars().count() as u64;
    if max.is_some_and(|m| m < min) || min > MAX_EDGE_LENGTH || len == 0 {
        return None;
    }
    let target = len.max(min).min(max.unwrap_or(u64::MAX));
    Some(cycled(text, target))
}

/// Distinct strings the pattern matches (ordered as drawn), for shortest and longest.
pub fn pattern_samples(pattern: &str, seed: u64) -> Vec<String> {
    let Ok(regex) = compiled_pattern(pattern) else { return Vec::new() };
    let mut rng = <Rng64 as rand::SeedableRng>::seed_from_u64(seed);
    let mut out: Vec<String> = Vec::new();
    for _ in 0..PATTERN_SAMPLES {
        let sample: String = rng.sample(&*regex);
        if !out.contains(&sample) {
            out.push(sample);
        }
    }
    out
}

fn numbers(map: &Map<String, Value>, integer: bool) -> Vec<Edge> {
    let get = |k: &str| map.kw(k).and_then(Value::as_f64);
    let step = get("multipleOf").filter(|m| *m > 0.0);
    // A bound's value, moved onto the nearest multiple inside when multipleOf asks.
    let onto = |v: f64, up: bool| match step {
        Some(m) if up => (v / m).ceil() * m,
        Some(m) => (v / m).floor() * m,
        None => v,
    };
    let tiny = if integer { 1.0 } else { step.unwrap_or(0.01) };
    let number = |v: f64| -> Value { as_number(v, integer) };
    let mut out = Vec::new();
    let mut low = None;
    let mut high = None;
    if let Some(min) = get("minimum") {
        let at = onto(min, true);
        low = Some(at);
        out.push(Edge::inside(format!("minimum={}", plain(min)), number(at)));
        out.push(Edge::outside(format!("{} < minimum={}", plain(min - 1.0), plain(min)), number(min - 1.0)));
    }
    if let Some(x) = get("exclusiveMinimum") {
        let at = if step.is_some() { onto(x + tiny, true) } else { x + tiny };
        low = Some(low.map_or(at, |l: f64| l.max(at)));
        out.push(Edge::inside(format!("exclusiveMinimum={} ({})", plain(x), plain(at)), number(at)));
        out.push(Edge::outside(format!("{} = exclusiveMinimum", plain(x)), number(x)));
    }
    if let Some(max) = get("maximum") {
        let at = onto(max, false);
        high = Some(at);
        out.push(Edge::inside(format!("maximum={}", plain(max)), number(at)));
        out.push(Edge::outside(format!("{} > maximum={}", plain(max + 1.0), plain(max)), number(max + 1.0)));
    }
    if let Some(x) = get("exclusiveMaximum") {
        let at = if step.is_some() { onto(x - tiny, false) } else { x - tiny };
        high = Some(high.map_or(at, |h: f64| h.min(at)));
        out.push(Edge::inside(format!("exclusiveMaximum={} ({})", plain(x), plain(at)), number(at)));
        out.push(Edge::outside(format!("{} = exclusiveMaximum", plain(x)), number(x)));
    }
    if let Some(m) = step {
        // A multiple other than the bounds, and a number between two multiples.
        let start = low.unwrap_or(0.0).max(if high.is_some_and(|h| h < 0.0) { f64::MIN } else { 0.0 });
        let at = onto(start + m, true);
        if high.is_none_or(|h| at <= h) {
            out.push(Edge::inside(format!("multipleOf={}", plain(m)), number(at)));
            let off = if integer { at + 1.0 } else { at + m / 2.0 };
            if !integer || m >= 2.0 {
                out.push(Edge::outside(format!("{} not multipleOf={}", plain(off), plain(m)), number(off)));
            }
        }
    }
    let format = map.kw("format").and_then(Value::as_str).unwrap_or("");
    if high.is_none() {
        let large = large_integer(format, integer);
        out.push(Edge::inside(format!("large={}", plain(large)), number(onto(large, false))));
    }
    if low.is_none() && !format.starts_with("uint") {
        let large = -large_integer(format, integer) - if integer && format != "int64" { 1.0 } else { 0.0 };
        out.push(Edge::inside(format!("negative={}", plain(large)), number(onto(large, true))));
        out.push(Edge::inside("-1", number(onto(-1.0, true))));
    }
    if low.is_none_or(|l| l < 0.0) && high.is_none_or(|h| h > 0.0) {
        out.push(Edge::inside("zero", number(0.0)));
    }
    out
}

/// A number without a needless `.0`.
fn plain(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e17 { format!("{}", v as i64) } else { format!("{v}") }
}

fn as_number(v: f64, integer: bool) -> Value {
    if (integer || v.fract() == 0.0) && v.abs() < 9.3e18 {
        return Value::from(v as i64);
    }
    serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::from(0))
}

fn arrays(
    schemas: &Schemas,
    map: &Map<String, Value>,
    current: &Value,
    side: Side,
    seed: u64,
    name: &str,
) -> Vec<Edge> {
    let get = |k: &str| map.kw(k).and_then(Value::as_u64);
    let min = get("minItems").unwrap_or(0);
    let max = get("maxItems");
    let items = map.kw("items").cloned().unwrap_or(Value::Bool(true));
    let have: Vec<Value> = current.as_array().cloned().unwrap_or_default();
    let mut generator = Generator::new(schemas, side, seed, true, None);
    // `n` items: those the request has, then generated ones (distinct where asked).
    let mut build = |n: u64| -> Option<Value> {
        let mut out: Vec<Value> = have.iter().take(n as usize).cloned().collect();
        let mut tries = 0;
        while (out.len() as u64) < n && tries < n * 4 + 8 {
            tries += 1;
            let value = generator.value(&items, 1, name).ok()?;
            if !out.contains(&value) {
                out.push(value);
            }
        }
        ((out.len() as u64) == n).then_some(Value::Array(out))
    };
    let mut out = Vec::new();
    if min == 0 {
        out.push(Edge::inside("empty array", Value::Array(Vec::new())));
    } else if min <= MAX_EDGE_ITEMS {
        out.extend(build(min).map(|v| Edge::inside(format!("minItems={min}"), v)));
        out.extend(build(min - 1).map(|v| Edge::outside(format!("{} items < minItems={min}", min - 1), v)));
    }
    if let Some(max) = max.filter(|m| *m <= MAX_EDGE_ITEMS && *m >= min.max(1)) {
        out.extend(build(max).map(|v| Edge::inside(format!("maxItems={max}"), v)));
        out.extend(build(max + 1).map(|v| Edge::outside(format!("{} items > maxItems={max}", max + 1), v)));
    }
    out
}

/// A seed for an edge's filler values that differs per slot but not per run of the same seed.
pub fn slot_seed(seed: u64, slot: &str) -> u64 {
    slot.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_probed_on_both_sides_and_text_is_fitted() {
        let schema = serde_json::json!({"minLength": 2, "maxLength": 5});
        let map = schema.as_object().unwrap();
        let edges = strings(map, &Value::String("abc".into()), 1);
        let find = |label: &str| edges.iter().find(|e| e.label == label).map(|e| (e.value.clone(), e.inside));
        assert_eq!(find("minLength=2"), Some((Value::String("ab".into()), true)));
        assert_eq!(find("length 1 < minLength=2"), Some((Value::String("a".into()), false)));
        assert_eq!(find("maxLength=5"), Some((Value::String("abcab".into()), true)));
        assert_eq!(find("length 6 > maxLength=5"), Some((Value::String("abcabc".into()), false)));
        assert!(edges.iter().all(|e| e.label != "empty string"), "minLength 2 forbids it");
        let emoji = edges.iter().find(|e| e.label == "emoji").unwrap();
        assert!(emoji.value.as_str().unwrap().chars().count() <= 5);
    }

    #[test]
    fn numbers_get_their_bounds_multiples_and_large_values() {
        let schema = serde_json::json!({"minimum": 0, "exclusiveMaximum": 100, "multipleOf": 5});
        let labels: Vec<(String, Value, bool)> =
            numbers(schema.as_object().unwrap(), true).into_iter().map(|e| (e.label, e.value, e.inside)).collect();
        assert!(labels.contains(&("minimum=0".into(), Value::from(0), true)), "{labels:?}");
        assert!(labels.contains(&("-1 < minimum=0".into(), Value::from(-1), false)), "{labels:?}");
        assert!(labels.contains(&("exclusiveMaximum=100 (95)".into(), Value::from(95), true)), "{labels:?}");
        assert!(labels.contains(&("100 = exclusiveMaximum".into(), Value::from(100), false)), "{labels:?}");
        assert!(labels.contains(&("multipleOf=5".into(), Value::from(5), true)), "{labels:?}");
        assert!(labels.contains(&("6 not multipleOf=5".into(), Value::from(6), false)), "{labels:?}");
        let unbounded = serde_json::json!({"format": "int32"});
        let labels: Vec<String> = numbers(unbounded.as_object().unwrap(), true).into_iter().map(|e| e.label).collect();
        assert!(labels.contains(&"large=2147483647".to_string()), "{labels:?}");
        assert!(labels.contains(&"negative=-2147483648".to_string()), "{labels:?}");
    }
}
