//! Values from schemas: response bodies for the mock, requests for the contract runner.
//!
//! Seeded (the same seed gives the same bytes), realistic where the schema leaves room
//! (names, emails, timestamps by property name and format) and bounded: a schema that
//! asks for too much answers with an error naming it, never a hang or a stack overflow.
//! Every value is validated before it is returned; a miss is retried with a new stream.

mod merge;
mod values;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use rand::rngs::Xoshiro256PlusPlus as Rng64;
use rand::{RngExt, SeedableRng};
use serde_json::{Map, Value};

use crate::spec::{SchemaId, Schemas, Side};

/// Deeper than this, a schema is taken to recurse without end.
pub const MAX_DEPTH: usize = 24;
/// Values one body may contain.
const MAX_NODES: usize = 20_000;
/// Past this depth optional properties are left out, so recursive schemas stay small.
const OPTIONAL_DEPTH: usize = 4;
/// Attempts before giving up on a schema; the later ones ignore examples.
const ATTEMPTS: u64 = 8;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{origin}: {reason}")]
pub struct GenError {
    /// The schema, as `file: #/pointer`.
    pub origin: String,
    pub reason: String,
}

/// A valid value for the schema, the same for the same seed.
pub fn generate(schemas: &Schemas, id: SchemaId, seed: u64) -> Result<Value, GenError> {
    let schema = schemas.get(id);
    let fail = |reason: String| GenError { origin: schemas.origin(id).to_string(), reason };
    let validator = schemas.validator(id).map_err(|e| fail(format!("the schema does not compile: {e}")))?;
    let mut last_problem = String::new();
    for attempt in 0..ATTEMPTS {
        let mut generator = Generator {
            schemas,
            rng: Rng64::seed_from_u64(seed.wrapping_add(attempt.wrapping_mul(0x9E37_79B9_7F4A_7C15))),
            side: schemas.side(id),
            nodes: 0,
            examples: attempt < ATTEMPTS / 2,
        };
        match generator.value(schema, 0, "") {
            Ok(value) if validator.is_valid(&value) => return Ok(value),
            Ok(value) => {
                last_problem = match validator.iter_errors(&value).next() {
                    Some(e) => format!("generated values keep failing validation ({} at '{}')", e, e.instance_path()),
                    None => "generated values keep failing validation".into(),
                };
            }
            // Budget and contradictions do not get better with another seed.
            Err(reason) => return Err(fail(reason)),
        }
    }
    Err(fail(last_problem))
}

/// A value for a part of a schema (a property's schema), not validated on its own: the
/// sandbox fills single fields this way and the whole answer conforms by construction.
/// `examples: false` for values that must be new each time (ids).
pub fn generate_part(
    schemas: &Schemas,
    schema: &Value,
    side: Side,
    seed: u64,
    name: &str,
    examples: bool,
) -> Result<Value, String> {
    let mut generator = Generator { schemas, rng: Rng64::seed_from_u64(seed), side, nodes: 0, examples };
    generator.value(schema, 1, name)
}

/// A random UUID v4 from the thread's generator (uuid's own `new_v4` asks the kernel each time).
pub fn fresh_uuid() -> String {
    uuid::Builder::from_random_bytes(rand::rng().random()).into_uuid().to_string()
}

/// A fresh seed for answers that should differ each time.
pub fn random_seed() -> u64 {
    rand::rng().random()
}

struct Generator<'s> {
    schemas: &'s Schemas,
    rng: Rng64,
    side: Side,
    nodes: usize,
    examples: bool,
}

impl Generator<'_> {
    fn value(&mut self, schema: &Value, depth: usize, name: &str) -> Result<Value, String> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(format!("the schema needs more than {MAX_NODES} values in one body"));
        }
        if depth > MAX_DEPTH {
            return Err(format!("the schema recurses deeper than {MAX_DEPTH} levels through required properties"));
        }
        let s = merge::flatten(self.schemas, schema, depth);
        let map = match &s {
            Value::Bool(true) => return Ok(Value::String(values::words(&mut self.rng))),
            Value::Object(map) => map,
            _ => return Err("the schema (or its allOf) admits no value".into()),
        };
        if let Some(c) = map.get("const") {
            return Ok(c.clone());
        }
        if let Some(options) = map.get("enum") {
            let options = options.as_array().map(Vec::as_slice).unwrap_or_default();
            let non_null: Vec<&Value> = options.iter().filter(|v| !v.is_null()).collect();
            return match (non_null.is_empty(), options.is_empty()) {
                (_, true) => Err("enum has no value that every allOf branch accepts".into()),
                (true, false) => Ok(Value::Null),
                (false, false) => Ok(non_null[self.rng.random_range(0..non_null.len())].clone()),
            };
        }
        if self.examples
            && let Some(example) = self.example(map)
        {
            return Ok(example);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = map.get(key)
                && !branches.is_empty()
            {
                return self.branch(map, key, branches, depth, name);
            }
        }
        let types = types_of(map);
        let nullable = types.iter().any(|t| t == "null");
        let concrete: Vec<&String> = types.iter().filter(|t| *t != "null").collect();
        if concrete.is_empty() && nullable {
            return Ok(Value::Null);
        }
        if nullable && depth > 0 && self.rng.random_bool(0.1) {
            return Ok(Value::Null);
        }
        let chosen = if concrete.is_empty() {
            infer_type(map)
        } else {
            concrete[self.rng.random_range(0..concrete.len())].as_str()
        };
        match chosen {
            "object" => self.object(map, depth),
            "array" => self.array(map, depth, name),
            "integer" => self.number(map, name, true),
            "number" => self.number(map, name, false),
            "boolean" => Ok(Value::Bool(self.rng.random_bool(0.5))),
            "null" => Ok(Value::Null),
            _ => self.string(map, name).map(Value::String),
        }
    }

    /// The schema's own example or default, most of the time: realistic, yet answers differ.
    fn example(&mut self, map: &Map<String, Value>) -> Option<Value> {
        if let Some(Value::Array(examples)) = map.get("examples")
            && !examples.is_empty()
            && self.rng.random_bool(0.75)
        {
            return Some(examples[self.rng.random_range(0..examples.len())].clone());
        }
        if let Some(example) = map.get("example")
            && self.rng.random_bool(0.75)
        {
            return Some(example.clone());
        }
        match map.get("default") {
            Some(d) if self.rng.random_bool(0.5) => Some(d.clone()),
            _ => None,
        }
    }

    fn branch(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        branches: &[Value],
        depth: usize,
        name: &str,
    ) -> Result<Value, String> {
        let index = self.rng.random_range(0..branches.len());
        let mut rest = map.clone();
        rest.shift_remove(key);
        let combined = merge::merge(Value::Object(rest), merge::flatten(self.schemas, &branches[index], depth + 1));
        let mut value = self.value(&combined, depth + 1, name)?;
        if let (Some(discriminator), Value::Object(object)) = (map.get("discriminator"), &mut value) {
            self.discriminate(discriminator, &branches[index], object);
        }
        Ok(value)
    }

    /// Sets the discriminator property to the tag of the branch that was generated.
    fn discriminate(&self, discriminator: &Value, branch: &Value, object: &mut Map<String, Value>) {
        let Some(property) = discriminator.get("propertyName").and_then(Value::as_str) else { return };
        let Some(origin) = branch.get("$ref").and_then(Value::as_str).and_then(|r| self.schemas.origin_of(r)) else {
            return;
        };
        let pointer = origin.split_once(": #").map(|(_, p)| p).unwrap_or("");
        let tag = discriminator
            .get("mapping")
            .and_then(Value::as_object)
            .and_then(|m| {
                m.iter().find(|(_, target)| target.as_str().is_some_and(|t| t.ends_with(&format!("#{pointer}"))))
            })
            .map(|(tag, _)| tag.clone())
            .or_else(|| pointer.rsplit('/').next().map(str::to_string));
        if let Some(tag) = tag
            && !object.get(property).is_some_and(|v| v.is_string())
        {
            object.insert(property.to_string(), Value::String(tag));
        }
    }

    fn skipped(&self, schema: &Value) -> bool {
        let flag = |k: &str| {
            schema.get(k).and_then(Value::as_bool).unwrap_or(false)
                || merge::resolve(self.schemas, schema, 0).get(k).and_then(Value::as_bool).unwrap_or(false)
        };
        match self.side {
            Side::Request => flag("readOnly"),
            Side::Response => flag("writeOnly"),
        }
    }

    fn object(&mut self, map: &Map<String, Value>, depth: usize) -> Result<Value, String> {
        let mut out = Map::new();
        let required: Vec<&str> =
            map.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        let empty = Map::new();
        let props = map.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        // Near the top, most optional fields are there, as in real answers; deeper, fewer.
        let keep_optional = if depth < 3 { 0.9 } else { 0.5 };
        for (prop, schema) in props {
            let required_here = required.contains(&prop.as_str());
            if !required_here && self.skipped(schema) {
                continue;
            }
            // An object's own id is what clients key on: present whenever documented.
            let wanted =
                required_here || (depth < OPTIONAL_DEPTH && (prop == "id" || self.rng.random_bool(keep_optional)));
            if !wanted {
                continue;
            }
            out.insert(prop.clone(), self.value(schema, depth + 1, prop)?);
        }
        let extra = match map.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(schema @ Value::Object(_)) => Some(schema.clone()),
            _ => None,
        };
        for name in &required {
            if !out.contains_key(*name) {
                let schema = extra.clone().unwrap_or(Value::Bool(true));
                out.insert(name.to_string(), self.value(&schema, depth + 1, name)?);
            }
        }
        if let Some(Value::Object(patterns)) = map.get("patternProperties") {
            for (pattern, schema) in patterns {
                if depth < OPTIONAL_DEPTH && self.rng.random_bool(0.5) {
                    let key = self.pattern_string(pattern, 1, 24)?;
                    out.insert(key, self.value(schema, depth + 1, "")?);
                }
            }
        }
        let min = map.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map.get("maxProperties").and_then(Value::as_u64).map(|m| m as usize).unwrap_or(usize::MAX);
        if min > MAX_NODES {
            return Err(format!("minProperties {min} is more than one body may hold"));
        }
        // A map-like object (metadata): a few entries, as a real one would have.
        let wanted = if props.is_empty() && extra.is_some() && depth < OPTIONAL_DEPTH {
            min.max(self.rng.random_range(1..=3)).min(max)
        } else {
            min
        };
        let mut guard = 0;
        while out.len() < wanted && guard < wanted * 4 + 8 {
            guard += 1;
            let key = match guard {
                1..=20 => values::key(&mut self.rng),
                _ => format!("{}_{guard}", values::key(&mut self.rng)),
            };
            if out.contains_key(&key) {
                continue;
            }
            let schema = extra.clone().unwrap_or(Value::Bool(true));
            out.insert(key.clone(), self.value(&schema, depth + 1, &key)?);
        }
        while out.len() > max {
            let Some(victim) = out.keys().find(|k| !required.contains(&k.as_str())).cloned() else { break };
            out.shift_remove(&victim);
        }
        Ok(Value::Object(out))
    }

    fn array(&mut self, map: &Map<String, Value>, depth: usize, name: &str) -> Result<Value, String> {
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = map.get("maxItems").and_then(Value::as_u64).unwrap_or(u64::MAX);
        if min > 1000 {
            return Err(format!("minItems {min} is more than a mock body should hold (limit 1000)"));
        }
        if min > max {
            return Err(format!("minItems {min} is greater than maxItems {max}"));
        }
        let upper = if depth >= OPTIONAL_DEPTH { min } else { (min.max(1) + 2).min(max) };
        let len = self.rng.random_range(min..=upper.max(min));
        let prefix = map.get("prefixItems").and_then(Value::as_array).cloned().unwrap_or_default();
        let items = map.get("items").cloned().unwrap_or(Value::Bool(true));
        let unique = map.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        let mut out: Vec<Value> = Vec::with_capacity(len as usize);
        for i in 0..len as usize {
            let schema = prefix.get(i).unwrap_or(&items);
            let mut value = self.value(schema, depth + 1, name)?;
            let mut tries = 0;
            while unique && out.contains(&value) && tries < 10 {
                value = self.value(schema, depth + 1, name)?;
                tries += 1;
            }
            if unique && out.contains(&value) {
                if (i as u64) < min {
                    return Err(format!("cannot find {min} distinct items for uniqueItems"));
                }
                break;
            }
            out.push(value);
        }
        Ok(Value::Array(out))
    }

    fn number(&mut self, map: &Map<String, Value>, name: &str, integer: bool) -> Result<Value, String> {
        let get = |k: &str| map.get(k).and_then(Value::as_f64);
        let name_lower = name.to_ascii_lowercase();
        let looks_like_time = name_lower.ends_with("_at") || name_lower.ends_with("timestamp");
        let (default_low, default_high): (f64, f64) = if looks_like_time && integer {
            (1_577_836_800_000.0, 1_767_225_600_000.0)
        } else if name_lower.contains("page") {
            (1.0, 10.0)
        } else {
            (0.0, 100.0)
        };
        let step = if integer { 1.0 } else { 0.01 };
        let mut low = get("minimum").unwrap_or(f64::MIN);
        if let Some(x) = get("exclusiveMinimum") {
            low = low.max(x + step);
        }
        let mut high = get("maximum").unwrap_or(f64::MAX);
        if let Some(x) = get("exclusiveMaximum") {
            high = high.min(x - step);
        }
        if low > high {
            return Err(format!("no number lies between the minimum {low} and the maximum {high}"));
        }
        // Keep to realistic magnitudes unless the bounds say otherwise.
        let (mut lo, mut hi) = (low.max(default_low.min(high)), high.min(default_high.max(low)));
        if lo > hi {
            (lo, hi) = (low, high);
        }
        if let Some(m) = get("multipleOf").filter(|m| *m > 0.0) {
            let first = (lo / m).ceil();
            let last = (hi / m).floor();
            if first > last {
                return Err(format!("no multiple of {m} lies between {lo} and {hi}"));
            }
            let k = if last - first > 1e15 { first } else { self.rng.random_range(first as i64..=last as i64) as f64 };
            let v = k * m;
            return Ok(if integer || m.fract() == 0.0 && v.abs() < 9e15 { Value::from(v as i64) } else { float(v) });
        }
        if integer {
            let (lo, hi) = (lo.ceil(), hi.floor());
            if lo > hi {
                return Err(format!("no integer lies between {low} and {high}"));
            }
            let (lo, hi) = (lo.max(i64::MIN as f64) as i64, hi.min(i64::MAX as f64) as i64);
            Ok(Value::from(self.rng.random_range(lo..=hi)))
        } else {
            let v = if lo == hi { lo } else { self.rng.random_range(lo..hi) };
            Ok(float((v * 100.0).round() / 100.0).clamp_to(lo, hi))
        }
    }

    fn string(&mut self, map: &Map<String, Value>, name: &str) -> Result<String, String> {
        let min = map.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map.get("maxLength").and_then(Value::as_u64).map(|m| m as usize).unwrap_or(usize::MAX);
        if min > max {
            return Err(format!("minLength {min} is greater than maxLength {max}"));
        }
        if min > 100_000 {
            return Err(format!("minLength {min} is more than a mock body should hold"));
        }
        if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
            return self.pattern_string(pattern, min, max);
        }
        let format = map.get("format").and_then(Value::as_str).unwrap_or("");
        let text = values::by_format(&mut self.rng, format)
            .or_else(|| if format.is_empty() { values::by_name(&mut self.rng, name) } else { None })
            .unwrap_or_else(|| values::words(&mut self.rng));
        Ok(fit_length(text, min, max, &mut self.rng))
    }

    fn pattern_string(&mut self, pattern: &str, min: usize, max: usize) -> Result<String, String> {
        let regex = compiled_pattern(pattern).map_err(|e| format!("cannot generate from pattern {pattern}: {e}"))?;
        let mut last = String::new();
        for _ in 0..16 {
            let candidate: String = self.rng.sample(&*regex);
            let len = candidate.chars().count();
            if len >= min && len <= max {
                return Ok(candidate);
            }
            last = candidate;
        }
        // Close enough for the validator to judge; a retry will pick another stream.
        Ok(last)
    }
}

trait Clamp {
    fn clamp_to(self, lo: f64, hi: f64) -> Value;
}

impl Clamp for Value {
    fn clamp_to(self, lo: f64, hi: f64) -> Value {
        match self.as_f64() {
            Some(v) if v < lo => float(lo),
            Some(v) if v > hi => float(hi),
            _ => self,
        }
    }
}

fn float(v: f64) -> Value {
    serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::from(0))
}

fn fit_length(mut text: String, min: usize, max: usize, rng: &mut Rng64) -> String {
    let len = text.chars().count();
    if len < min {
        text.push_str(&values::alnum(rng, min - len));
    } else if len > max {
        text = text.chars().take(max).collect();
    }
    text
}

fn types_of(map: &Map<String, Value>) -> Vec<String> {
    match map.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// No `type`: read it off the other keywords.
fn infer_type(map: &Map<String, Value>) -> &'static str {
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    if has(&["properties", "additionalProperties", "patternProperties", "required", "minProperties", "maxProperties"]) {
        "object"
    } else if has(&["items", "prefixItems", "minItems", "maxItems", "uniqueItems"]) {
        "array"
    } else if has(&["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]) {
        "number"
    } else {
        "string"
    }
}

/// Patterns are compiled once per process: the dynamic mock generates on every request.
fn compiled_pattern(pattern: &str) -> Result<Arc<rand_regex::Regex>, String> {
    static CACHE: OnceLock<RwLock<HashMap<String, Arc<rand_regex::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(r) = cache.read().ok().and_then(|c| c.get(pattern).cloned()) {
        return Ok(r);
    }
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(true)
        .build()
        .parse(&ascii_classes(pattern))
        .map_err(|e| e.to_string())?;
    let regex = Arc::new(rand_regex::Regex::with_hir(without_anchors(hir), 8).map_err(|e| e.to_string())?);
    if let Ok(mut c) = cache.write() {
        c.insert(pattern.to_string(), Arc::clone(&regex));
    }
    Ok(regex)
}

/// ECMA-262 (JSON Schema's regex dialect) means ASCII by `\d`, `\w` and `\s`; Rust's
/// parser means Unicode. Spell them out so generated text matches what validators accept.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let class = match next {
                    'd' => Some("0-9"),
                    'w' => Some("A-Za-z0-9_"),
                    's' => Some(" \\t\\n\\r"),
                    _ => None,
                };
                match (class, in_class) {
                    (Some(body), true) => out.push_str(body),
                    (Some(body), false) => {
                        out.push('[');
                        out.push_str(body);
                        out.push(']');
                    }
                    (None, _) => {
                        out.push(c);
                        out.push(next);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Anchors and word boundaries constrain where a match sits, not what it contains; a
/// generator cannot produce them, so they are dropped (the result is validated anyway).
fn without_anchors(hir: regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Capture, Hir, HirKind, Repetition};
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Concat(parts) => Hir::concat(parts.into_iter().map(without_anchors).collect()),
        HirKind::Alternation(parts) => Hir::alternation(parts.into_iter().map(without_anchors).collect()),
        HirKind::Repetition(r) => Hir::repetition(Repetition { sub: Box::new(without_anchors(*r.sub)), ..r }),
        HirKind::Capture(c) => Hir::capture(Capture { sub: Box::new(without_anchors(*c.sub)), ..c }),
        HirKind::Literal(literal) => Hir::literal(literal.0),
        HirKind::Class(class) => Hir::class(class),
        HirKind::Empty => Hir::empty(),
    }
}
