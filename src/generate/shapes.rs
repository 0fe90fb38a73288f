//! Objects and arrays: which properties and how many items.

use crate::spec::keyword::Keyword;
use rand::RngExt;
use serde_json::{Map, Value};

use super::generator::{Fail, Generator, MAX_NODES, OPTIONAL_DEPTH, Step};
use super::merge;
use super::values;

/// The schema that admits anything (`true`), for what the schema leaves open.
static ANYTHING: Value = Value::Bool(true);

impl Generator<'_> {
    pub(super) fn object(&mut self, map: &Map<String, Value>, depth: usize) -> Result<Value, Fail> {
        let mut out = Map::new();
        let required: Vec<&str> =
            map.kw("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        let empty = Map::new();
        let props = map.kw("properties").and_then(Value::as_object).unwrap_or(&empty);
        // Near the top, most optional fields are there, as in real answers; deeper, fewer.
        let keep_optional = if depth < 3 { 0.9 } else { 0.5 };
        for (prop, schema) in props {
            let required_here = required.contains(&prop.as_str());
            if !required_here && self.skipped(schema) {
                continue;
            }
            // An object's own id is what clients key on: present whenever documented; so is a
            // property with a default, which a server fills in when the client leaves it out.
            let wanted = required_here
                || (self.examples && self.defaulted(schema))
                || (depth < OPTIONAL_DEPTH && (prop == "id" || self.rng.random_bool(keep_optional)));
            if !wanted {
                continue;
            }
            match self.descend(schema, depth + 1, prop, Step::Property(prop), !required_here) {
                Ok(value) => {
                    out.insert(prop.clone(), value);
                }
                // An optional property that cannot be generated is left out, as a server would.
                Err(fail) if !required_here && !fail.budget => {}
                Err(fail) => return Err(fail),
            }
        }
        // Borrowed, not copied: a copy of the subschema per object was most of the allocations.
        let extra: Option<&Value> = match map.kw("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(schema @ Value::Object(_)) => Some(schema),
            _ => Some(&ANYTHING),
        };
        let closed = extra.is_none();
        for name in &required {
            if !out.contains_key(*name) {
                let schema = extra.unwrap_or(&ANYTHING);
                let value = self.descend(schema, depth + 1, name, Step::Additional(name), false)?;
                out.insert(name.to_string(), value);
            }
        }
        self.dependents(map, props, extra, &mut out, depth)?;
        let patterns: Vec<(&String, &Value)> =
            map.kw("patternProperties").and_then(Value::as_object).map(|p| p.iter().collect()).unwrap_or_default();
        for (pattern, schema) in &patterns {
            if depth < OPTIONAL_DEPTH && self.rng.random_bool(0.5) {
                self.pattern_property(pattern, schema, depth, &mut out)?;
            }
        }
        let min = map.kw("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map.kw("maxProperties").and_then(Value::as_u64).map(|m| m as usize).unwrap_or(usize::MAX);
        if min > MAX_NODES {
            return Err(self.fail(format!("minProperties {min} is more than one body may hold")));
        }
        // A map-like object (metadata): a few entries, as a real one would have.
        let map_like = props.is_empty() && map.kw("additionalProperties").is_some_and(Value::is_object);
        let wanted =
            if map_like && depth < OPTIONAL_DEPTH { min.max(self.rng.random_range(1..=3)).min(max) } else { min };
        let mut guard = 0;
        while out.len() < wanted && guard < wanted * 4 + 8 {
            guard += 1;
            if closed {
                // No additional properties: only names a patternProperties entry accepts.
                if patterns.is_empty() {
                    break;
                }
                let (pattern, schema) = patterns[guard % patterns.len()];
                self.pattern_property(pattern, schema, depth, &mut out)?;
                continue;
            }
            let key = match guard {
                1..=20 => values::key(&mut self.rng),
                _ => format!("{}_{guard}", values::key(&mut self.rng)),
            };
            if out.contains_key(&key) {
                continue;
            }
            let schema = extra.unwrap_or(&ANYTHING);
            let value = self.descend(schema, depth + 1, &key, Step::Additional(&key), true)?;
            out.insert(key, value);
        }
        while out.len() > max {
            let Some(victim) = out.keys().find(|k| !required.contains(&k.as_str())).cloned() else { break };
            out.shift_remove(&victim);
        }
        Ok(Value::Object(out))
    }

    /// One entry whose name matches `pattern`.
    fn pattern_property(
        &mut self,
        pattern: &str,
        schema: &Value,
        depth: usize,
        out: &mut Map<String, Value>,
    ) -> Result<(), Fail> {
        let key = self.pattern_string(pattern, 1, 24)?;
        if out.contains_key(&key) {
            return Ok(());
        }
        match self.descend(schema, depth + 1, "", Step::Pattern(&key, pattern), true) {
            Ok(value) => {
                out.insert(key, value);
                Ok(())
            }
            Err(fail) if fail.budget => Err(fail),
            Err(_) => Ok(()),
        }
    }

    /// `dependentRequired`: a property present brings the ones it depends on.
    fn dependents(
        &mut self,
        map: &Map<String, Value>,
        props: &Map<String, Value>,
        extra: Option<&Value>,
        out: &mut Map<String, Value>,
        depth: usize,
    ) -> Result<(), Fail> {
        let Some(Value::Object(rules)) = map.kw("dependentRequired") else { return Ok(()) };
        for (present, needed) in rules {
            if !out.contains_key(present) {
                continue;
            }
            for name in needed.as_array().into_iter().flatten().filter_map(Value::as_str) {
                if out.contains_key(name) {
                    continue;
                }
                let (schema, step) = match props.get(name) {
                    Some(schema) => (schema, Step::Property(name)),
                    None => (extra.unwrap_or(&ANYTHING), Step::Additional(name)),
                };
                let value = self.descend(schema, depth + 1, name, step, false)?;
                out.insert(name.to_string(), value);
            }
        }
        Ok(())
    }

    pub(super) fn array(&mut self, map: &Map<String, Value>, depth: usize, name: &str) -> Result<Value, Fail> {
        let mut min = map.kw("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = map.kw("maxItems").and_then(Value::as_u64).unwrap_or(u64::MAX);
        // `contains`: at least minContains (default 1) items satisfy it, placed among the rest.
        let contains = map.kw("contains").filter(|c| **c != Value::Bool(true));
        let wanted_contains = match contains {
            Some(_) => map.kw("minContains").and_then(Value::as_u64).unwrap_or(1),
            None => 0,
        };
        if let Some(max_contains) = map.kw("maxContains").and_then(Value::as_u64)
            && wanted_contains > max_contains
        {
            return Err(self.fail(format!("minContains {wanted_contains} is greater than maxContains {max_contains}")));
        }
        min = min.max(wanted_contains);
        if min > 1000 {
            return Err(self.fail(format!("minItems {min} is more than a mock body should hold (limit 1000)")));
        }
        if min > max {
            return Err(self.fail(format!("the array needs at least {min} items but maxItems is {max}")));
        }
        let upper = if depth >= OPTIONAL_DEPTH { min } else { (min.max(1) + 2).min(max) };
        let len = self.rng.random_range(min..=upper.max(min));
        let prefix = map.kw("prefixItems").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let items = map.kw("items").unwrap_or(&ANYTHING);
        let unique = map.kw("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        let offset = if len > 0 { self.rng.random_range(0..len) } else { 0 };
        let mut out: Vec<Value> = Vec::with_capacity(len as usize);
        for i in 0..len as usize {
            let (base, mut step) = match prefix.get(i) {
                Some(schema) => (schema, Step::PrefixItem(i)),
                None => (items, Step::Item(i)),
            };
            let contained;
            let schema = match contains {
                Some(c) if (i as u64 + len - offset) % len < wanted_contains => {
                    step = Step::Contains(i);
                    contained = merge::both(
                        merge::flatten(self.schemas, base).into_owned(),
                        merge::flatten(self.schemas, c).into_owned(),
                    );
                    &contained
                }
                _ => base,
            };
            let mut value = self.descend(schema, depth + 1, name, step, false)?;
            let mut tries = 0;
            while unique && out.contains(&value) && tries < 32 {
                value = self.descend(schema, depth + 1, name, step, false)?;
                tries += 1;
            }
            if unique && out.contains(&value) {
                if (i as u64) < min {
                    return Err(self.fail(format!("cannot find {min} distinct items for uniqueItems")));
                }
                break;
            }
            out.push(value);
        }
        Ok(Value::Array(out))
    }
}
