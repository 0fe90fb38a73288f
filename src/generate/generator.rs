//! One pass over a schema: a value built to satisfy it by construction where the keywords
//! allow (types, bounds, allOf merged, if/then, not by type, contains), left to the
//! validator and the repair pass where they do not (overlapping oneOf, arbitrary `not`).

use crate::spec::keyword::Keyword;
use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus as Rng64;
use serde_json::{Map, Value};

use super::merge;
use super::trace::{Node, Trace};
use super::values;
use crate::spec::pointer::escape;
use crate::spec::{Schemas, Side};

/// Values one body may contain.
pub const MAX_NODES: usize = 20_000;
/// Nesting deeper than this is refused (documents cannot be read past ~128 levels anyway,
/// and the stack of a server thread must hold it).
pub const MAX_NESTING: usize = 128;
/// A schema met again this many times on one path, through required properties or items,
/// recurses without end.
pub const MAX_RECURSION: usize = 16;
/// Past this depth optional properties are left out, so recursive schemas stay small.
pub const OPTIONAL_DEPTH: usize = 4;
/// After this many repeats of a schema on the path, choices that stop the recursion win.
const WIND_DOWN: usize = 3;
/// `$ref`s followed looking for a readOnly/writeOnly flag; a longer chain is a cycle.
const MAX_REF_HOPS: usize = 16;

/// One level down from a value, in the value and in its schema.
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    Property(&'a str),
    /// A property no `properties` entry names.
    Additional(&'a str),
    Pattern(&'a str, &'a str),
    Item(usize),
    PrefixItem(usize),
    Contains(usize),
}

impl Step<'_> {
    /// Appends the step to a value's JSON pointer and to its schema's location.
    fn extend(self, pointer: &mut String, at: &mut String) {
        let (key, keyword) = match self {
            Step::Property(name) => (escape(name), format!("properties/{}", escape(name))),
            Step::Additional(name) => (escape(name), "additionalProperties".to_string()),
            Step::Pattern(name, pattern) => (escape(name), format!("patternProperties/{}", escape(pattern))),
            Step::Item(i) => (i.to_string(), "items".to_string()),
            Step::PrefixItem(i) => (i.to_string(), format!("prefixItems/{i}")),
            Step::Contains(i) => (i.to_string(), "contains".to_string()),
        };
        pointer.push('/');
        pointer.push_str(&key);
        at.push('/');
        at.push_str(&keyword);
    }
}

/// Why a value could not be generated, and where (when traced).
#[derive(Debug, Clone)]
pub struct Fail {
    pub reason: String,
    /// The subschema, as `file: #/pointer`; known on the traced pass only.
    pub at: Option<String>,
    /// The body budget ran out: nothing else is worth trying.
    pub budget: bool,
}

pub struct Generator<'s> {
    pub schemas: &'s Schemas,
    pub rng: Rng64,
    pub side: Side,
    /// Values generated so far, against [`MAX_NODES`].
    pub nodes: usize,
    /// Use the document's example/default where it gives one.
    pub examples: bool,
    /// The top value is invented even where its schema has an example (dynamic answers);
    /// its parts still follow the document.
    pub fresh_root: bool,
    /// Where each value came from; kept on the slow path only (see `trace.rs`).
    pub trace: Option<Trace>,
    /// Schemas (by origin) being expanded on the way to the current value.
    refs: Vec<&'s str>,
    /// The next value is an optional property: a repair may drop it.
    optional_next: bool,
}

impl<'s> Generator<'s> {
    pub fn new(schemas: &'s Schemas, side: Side, seed: u64, examples: bool, trace: Option<Trace>) -> Self {
        Generator {
            schemas,
            rng: <Rng64 as rand::SeedableRng>::seed_from_u64(seed),
            side,
            nodes: 0,
            examples,
            fresh_root: false,
            trace,
            refs: Vec::new(),
            optional_next: false,
        }
    }

    /// Starts a fresh stream for a repair of one value.
    pub fn restart(&mut self, seed: u64, optional: bool) {
        self.rng = <Rng64 as rand::SeedableRng>::seed_from_u64(seed);
        self.nodes = 0;
        self.examples = false;
        self.refs.clear();
        self.optional_next = optional;
    }

    pub fn fail(&self, reason: impl Into<String>) -> Fail {
        Fail { reason: reason.into(), at: self.trace.as_ref().map(|t| t.at.clone()), budget: false }
    }

    /// A value one level down, by `step`; optional properties may be dropped by a repair.
    pub fn descend(
        &mut self,
        schema: &Value,
        depth: usize,
        name: &str,
        step: Step<'_>,
        optional: bool,
    ) -> Result<Value, Fail> {
        self.optional_next = optional;
        // Paths are spelled out only on the traced pass: the fast path allocates nothing here.
        let Some(trace) = &mut self.trace else { return self.value(schema, depth, name) };
        let saved = (trace.pointer.len(), trace.at.len());
        step.extend(&mut trace.pointer, &mut trace.at);
        let out = self.value(schema, depth, name);
        if let Some(trace) = &mut self.trace {
            trace.pointer.truncate(saved.0);
            trace.at.truncate(saved.1);
        }
        out
    }

    pub fn value(&mut self, schema: &Value, depth: usize, name: &str) -> Result<Value, Fail> {
        let optional = std::mem::take(&mut self.optional_next);
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(Fail {
                budget: true,
                ..self.fail(format!("the schema needs more than {MAX_NODES} values in one body"))
            });
        }
        if depth > MAX_NESTING {
            return Err(self.fail(format!("the schema nests deeper than {MAX_NESTING} levels")));
        }
        let origin = schema.kw("$ref").and_then(Value::as_str).and_then(|r| self.schemas.origin_of(r));
        let Some(trace) = &mut self.trace else { return self.expand(origin, schema, depth, name) };
        // A referenced schema is named by where it is written, not by the path that led there.
        let saved = trace.at.clone();
        if let Some(origin) = origin {
            trace.at = origin.to_string();
        }
        trace.nodes.push(Node {
            pointer: trace.pointer.clone(),
            at: trace.at.clone(),
            schema: schema.clone(),
            depth,
            name: name.to_string(),
            optional,
        });
        let out = self.expand(origin, schema, depth, name);
        if let Some(trace) = &mut self.trace {
            trace.at = saved;
        }
        out
    }

    /// Keeps count of the schemas being expanded, to tell recursion from nesting.
    fn expand(&mut self, origin: Option<&'s str>, schema: &Value, depth: usize, name: &str) -> Result<Value, Fail> {
        let Some(origin) = origin else { return self.shape(schema, depth, name) };
        if self.refs.iter().filter(|r| **r == origin).count() >= MAX_RECURSION {
            return Err(self.fail(format!(
                "the schema contains itself more than {MAX_RECURSION} times over through required properties or items, \
                 so it has no finite value"
            )));
        }
        self.refs.push(origin);
        let out = self.shape(schema, depth, name);
        self.refs.pop();
        out
    }

    /// Deep in a recursion: prefer the choices that end it.
    fn winding_down(&self) -> bool {
        self.refs.iter().any(|r| self.refs.iter().filter(|x| *x == r).count() >= WIND_DOWN)
    }

    fn shape(&mut self, schema: &Value, depth: usize, name: &str) -> Result<Value, Fail> {
        let s = merge::flatten(self.schemas, schema);
        let map = match s.as_ref() {
            Value::Bool(true) => return Ok(Value::String(values::words(&mut self.rng))),
            _ if merge::admits_nothing(&s) => {
                return Err(self.fail("the schema admits no value (its allOf branches allow no common type or value)"));
            }
            Value::Object(map) => map,
            _ => return Err(self.fail("the schema admits no value")),
        };
        if let Some(c) = map.kw("const") {
            return Ok(c.clone());
        }
        // The document first: its example or default wins over an invented value (a value
        // the schema rejects is drawn again by the repair pass, without examples).
        if self.examples
            && !(depth == 0 && self.fresh_root)
            && let Some(documented) = self.documented(schema, map)
        {
            return Ok(documented);
        }
        if let Some(options) = map.kw("enum") {
            let options = options.as_array().map(Vec::as_slice).unwrap_or_default();
            let non_null: Vec<&Value> = options.iter().filter(|v| !v.is_null()).collect();
            return match (non_null.is_empty(), options.is_empty()) {
                (_, true) => Err(self.fail("enum has no value that every allOf branch accepts")),
                (true, false) => Ok(Value::Null),
                (false, false) => Ok(non_null[self.rng.random_range(0..non_null.len())].clone()),
            };
        }
        if map.has("if") {
            return self.conditional(map, depth, name);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = map.kw(key)
                && !branches.is_empty()
            {
                return self.branch(map, key, branches, depth, name);
            }
        }
        if let Some(not) = map.kw("not") {
            return self.negated(map, not, depth, name);
        }
        self.typed(map, depth, name, &[])
    }

    /// Generates from the chosen type; `excluded` types are never chosen (`not: {type: …}`).
    fn typed(
        &mut self,
        map: &Map<String, Value>,
        depth: usize,
        name: &str,
        excluded: &[String],
    ) -> Result<Value, Fail> {
        let allowed = |t: &str| !excluded.iter().any(|x| x == t || (x == "number" && t == "integer"));
        // Type names are read in place (this runs at every node of every generated body).
        let declared = merge::type_strs(map.kw("type"));
        let types = declared.clone().filter(|t| allowed(t));
        if declared.clone().next().is_some() && types.clone().next().is_none() {
            let declared: Vec<&str> = declared.collect();
            return Err(
                self.fail(format!("every type the schema allows ({}) is excluded by its not", declared.join(", ")))
            );
        }
        let nullable = types.clone().any(|t| t == "null");
        let concrete = types.filter(|t| *t != "null");
        let count = concrete.clone().count();
        if count == 0 && nullable {
            return Ok(Value::Null);
        }
        if nullable && depth > 0 && (self.winding_down() || self.rng.random_bool(0.1)) {
            return Ok(Value::Null);
        }
        let chosen = if count > 0 {
            let index = self.rng.random_range(0..count);
            concrete.clone().nth(index).unwrap_or("string")
        } else {
            let inferred = infer_type(map);
            if allowed(inferred) {
                inferred
            } else {
                let rest: Vec<&str> = ANY_TYPE.iter().copied().filter(|t| allowed(t)).collect();
                match rest.len() {
                    0 => return Err(self.fail("the schema's not excludes every type")),
                    n => rest[self.rng.random_range(0..n)],
                }
            }
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

    /// `not`: types it names are never chosen, values it lists are drawn again; other forms
    /// of `not` are left to the validator and the repair pass.
    fn negated(&mut self, map: &Map<String, Value>, not: &Value, depth: usize, name: &str) -> Result<Value, Fail> {
        let not = merge::flatten(self.schemas, not);
        let mut rest = map.clone();
        rest.shift_remove("not");
        let excluded: Vec<String> = match (not.kw("type"), not.as_object().map(Map::len)) {
            // Only a bare `{type: …}` excludes the whole type; with other keywords it narrows it.
            (Some(t), Some(1)) => merge::type_names(t),
            _ => Vec::new(),
        };
        let forbidden: Vec<&Value> =
            not.kw("const").into_iter().chain(not.kw("enum").and_then(Value::as_array).into_iter().flatten()).collect();
        let mut value = self.typed(&rest, depth, name, &excluded)?;
        for _ in 0..8 {
            if !forbidden.contains(&&value) {
                break;
            }
            value = self.typed(&rest, depth, name, &excluded)?;
        }
        Ok(value)
    }

    /// `if`/`then`/`else`: a value that satisfies `if` and `then` satisfies the whole; when
    /// they cannot hold together, `else`.
    fn conditional(&mut self, map: &Map<String, Value>, depth: usize, name: &str) -> Result<Value, Fail> {
        let mut rest = map.clone();
        let condition = rest.shift_remove("if").unwrap_or(Value::Bool(true));
        let then = rest.shift_remove("then").unwrap_or(Value::Bool(true));
        let otherwise = rest.shift_remove("else").unwrap_or(Value::Bool(true));
        let rest = Value::Object(rest);
        let positive = merge::both(
            merge::both(rest.clone(), merge::flatten(self.schemas, &condition).into_owned()),
            merge::flatten(self.schemas, &then).into_owned(),
        );
        if !merge::admits_nothing(&positive) {
            match self.shape(&positive, depth, name) {
                Ok(value) => return Ok(value),
                Err(fail) if fail.budget => return Err(fail),
                Err(_) => {}
            }
        }
        self.shape(&merge::both(rest, merge::flatten(self.schemas, &otherwise).into_owned()), depth, name)
    }

    /// oneOf/anyOf: one branch merged with the rest of the schema; another branch when it
    /// cannot be generated. Overlapping oneOf branches are caught by the validator.
    fn branch(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        branches: &[Value],
        depth: usize,
        name: &str,
    ) -> Result<Value, Fail> {
        let mut rest = map.clone();
        rest.shift_remove(key);
        let rest = Value::Object(rest);
        let mut order: Vec<usize> = (0..branches.len()).collect();
        let start = self.rng.random_range(0..branches.len());
        order.rotate_left(start);
        if self.winding_down() {
            // Branches that lead back into a schema being expanded go last.
            order.sort_by_key(|&i| self.recurses(&branches[i]));
        }
        let mut last = None;
        for index in order {
            let combined = merge::both(rest.clone(), merge::flatten(self.schemas, &branches[index]).into_owned());
            if merge::admits_nothing(&combined) {
                continue;
            }
            let keyword = format!("{key}/{index}");
            let at = branches[index].kw("$ref").and_then(Value::as_str).and_then(|r| self.schemas.origin_of(r));
            let saved = self.trace.as_mut().map(|t| {
                let saved = t.at.clone();
                t.at = at.map(str::to_string).unwrap_or_else(|| format!("{saved}/{keyword}"));
                saved
            });
            let result = self.value(&combined, depth + 1, name);
            if let (Some(trace), Some(saved)) = (&mut self.trace, saved) {
                trace.at = saved;
            }
            match result {
                Ok(mut value) => {
                    if let (Some(discriminator), Value::Object(object)) = (map.kw("discriminator"), &mut value) {
                        self.discriminate(discriminator, &branches[index], object);
                    }
                    return Ok(value);
                }
                Err(fail) if fail.budget => return Err(fail),
                Err(fail) => last = Some(fail),
            }
        }
        Err(last.unwrap_or_else(|| self.fail(format!("no {key} branch can hold together with the rest of the schema"))))
    }

    fn recurses(&self, branch: &Value) -> bool {
        branch
            .kw("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.schemas.origin_of(r))
            .is_some_and(|origin| self.refs.contains(&origin))
    }

    /// readOnly properties stay out of requests, writeOnly ones out of responses.
    pub fn skipped(&self, schema: &Value) -> bool {
        // On the schema or anywhere along its `$ref`s (a 3.1 `$ref` may carry the flag beside it).
        let flag = |k: &str| {
            let mut at = Some(schema);
            std::iter::from_fn(|| {
                let here = at?;
                at = self.schemas.follow(here);
                Some(here)
            })
            .take(MAX_REF_HOPS)
            .any(|s| s.kw(k).and_then(Value::as_bool).unwrap_or(false))
        };
        match self.side {
            Side::Request => flag("readOnly"),
            Side::Response => flag("writeOnly"),
        }
    }
}

/// What a schema without `type` may be, when its `not` rules out the obvious guess.
const ANY_TYPE: &[&str] = &["integer", "boolean", "object", "string", "array", "number", "null"];

/// No `type`: read it off the other keywords.
fn infer_type(map: &Map<String, Value>) -> &'static str {
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    if has(&[
        "properties",
        "additionalProperties",
        "patternProperties",
        "required",
        "minProperties",
        "maxProperties",
        "dependentRequired",
    ]) {
        "object"
    } else if has(&["items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"]) {
        "array"
    } else if has(&["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]) {
        "number"
    } else {
        "string"
    }
}
