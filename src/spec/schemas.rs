//! Every schema of a document, converted to JSON Schema 2020-12 and compiled once.
//!
//! All schemas live in one bundle document, an array (`urn:specmock:schemas#/12`), so that
//! `$ref`s between them — including cycles and references into other files — become plain
//! references within it, and looking one up is indexing. A compiled validator is kept for
//! each schema the operations use directly.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use base64::Engine;
use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

use super::dialect::{Converter, Linker, Side};
use super::error::SpecError;
use super::load::{Loc, Sources};
use super::model::Version;

/// The one document in the registry: an array of every converted schema.
const BUNDLE: &str = "urn:specmock:schemas";
const PREFIX: &str = "urn:specmock:schemas#/";

/// The name a schema goes by in `$ref`s: its place in the bundle.
fn reference(id: SchemaId) -> String {
    format!("{PREFIX}{}", id.0)
}

fn parse_reference(reference: &str) -> Option<usize> {
    reference.strip_prefix(PREFIX)?.parse::<usize>().ok()
}

/// Index of a schema in [`Schemas`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchemaId(pub u32);

struct Entry {
    /// `file: #/pointer` of the schema in the document.
    origin: String,
    side: Side,
    /// Used directly by an operation (not only reached through `$ref`).
    root: bool,
}

/// The compiled schemas of one document.
pub struct Schemas {
    /// `Value::Array` of every converted schema, by id.
    bundle: Arc<Value>,
    entries: Vec<Entry>,
    registry: Registry<'static>,
    validators: Vec<OnceLock<Result<Validator, String>>>,
}

impl fmt::Debug for Schemas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schemas({} entries)", self.entries.len())
    }
}

impl Schemas {
    /// The converted (JSON Schema 2020-12) schema.
    pub fn get(&self, id: SchemaId) -> &Value {
        &self.bundle[id.0 as usize]
    }

    /// Resolves a reference between converted schemas, such as `urn:specmock:schemas#/3`.
    pub fn lookup(&self, reference: &str) -> Option<&Value> {
        self.bundle.get(parse_reference(reference)?)
    }

    /// Where the schema a reference (`urn:specmock:schemas#/3`) stands for is written.
    pub fn origin_of(&self, reference: &str) -> Option<&str> {
        self.entries.get(parse_reference(reference)?).map(|e| e.origin.as_str())
    }

    /// Where the schema is written, as `file: #/pointer`.
    pub fn origin(&self, id: SchemaId) -> &str {
        &self.entries[id.0 as usize].origin
    }

    /// Whether the schema was converted for requests or responses.
    pub fn side(&self, id: SchemaId) -> Side {
        self.entries[id.0 as usize].side
    }

    /// The compiled validator, built on first use (request validators at start-up, by
    /// [`Schemas::compile_requests`]).
    pub fn validator(&self, id: SchemaId) -> Result<&Validator, &str> {
        self.validators[id.0 as usize].get_or_init(|| self.build(id)).as_ref().map_err(String::as_str)
    }

    /// Compiles every request schema an operation uses and keeps it: every request is judged
    /// by one, and a broken one stops start-up.
    pub fn compile_requests(&self) -> Result<(), SpecError> {
        self.compile_side(Side::Request)
    }

    /// Checks that every response schema compiles, keeping none: the mock needs them only for
    /// generated bodies and builds each on first use, and in documents like Clerk's Frontend
    /// API, where ~100 answers embed the same large `Client` schema, keeping them all would
    /// triple resident memory. Start-up does not compile them (that was half of Clerk FAPI's
    /// start-up): it runs the cheaper [`Schemas::precheck_responses`]; `lint` runs this.
    pub fn compile_responses(&self) -> Result<(), SpecError> {
        self.compile_side(Side::Response)
    }

    fn compile_side(&self, side: Side) -> Result<(), SpecError> {
        for (i, entry) in self.entries.iter().enumerate() {
            if !entry.root || entry.side != side {
                continue;
            }
            let id = SchemaId(i as u32);
            let compiled = match side {
                Side::Request => self.validator(id).map(|_| ()).map_err(str::to_string),
                Side::Response => self.build(id).map(|_| ()),
            };
            if let Err(message) = compiled {
                let (file, pointer) = entry.origin.split_once(": #").unwrap_or((&entry.origin, ""));
                return Err(SpecError::at(file, pointer, format!("schema does not compile: {message}")));
            }
        }
        Ok(())
    }

    /// The schemas of `side` that operations use directly.
    pub(super) fn roots(&self, side: Side) -> impl Iterator<Item = SchemaId> + '_ {
        (self.entries.iter().enumerate())
            .filter(move |(_, e)| e.root && e.side == side)
            .map(|(i, _)| SchemaId(i as u32))
    }

    /// The schema a reference between converted schemas names.
    pub(super) fn id_of(&self, reference: &str) -> Option<SchemaId> {
        parse_reference(reference).filter(|i| *i < self.entries.len()).map(|i| SchemaId(i as u32))
    }

    /// Why a `pattern` would not compile in a validator, if it would not.
    pub(super) fn regex_error(&self, pattern: &str) -> Option<String> {
        with_formats(jsonschema::options())
            .with_draft(Draft::Draft202012)
            .build(&json!({ "pattern": pattern }))
            .err()
            .map(|e| e.to_string())
    }

    fn build(&self, id: SchemaId) -> Result<Validator, String> {
        let root = json!({ "$ref": reference(id) });
        with_formats(jsonschema::options())
            .with_draft(Draft::Draft202012)
            .with_registry(&self.registry)
            .build(&root)
            .map_err(|e| e.to_string())
    }
}

/// Formats OpenAPI defines on top of JSON Schema's; they constrain strings only.
fn with_formats<'a>(options: jsonschema::ValidationOptions<'a>) -> jsonschema::ValidationOptions<'a> {
    options
        .should_validate_formats(true)
        .with_format("int32", |s: &str| s.parse::<i32>().is_ok())
        .with_format("int64", |s: &str| s.parse::<i64>().is_ok())
        .with_format("uint32", |s: &str| s.parse::<u32>().is_ok())
        .with_format("uint64", |s: &str| s.parse::<u64>().is_ok())
        .with_format("float", |s: &str| s.parse::<f32>().is_ok())
        .with_format("double", |s: &str| s.parse::<f64>().is_ok())
        .with_format("byte", |s: &str| base64::engine::general_purpose::STANDARD.decode(s).is_ok())
        .with_format("binary", |_: &str| true)
        .with_format("password", |_: &str| true)
}

/// The target of a schema that is nothing but a `$ref`.
fn only_ref(schema: &Value) -> Option<&str> {
    let map = schema.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.get("$ref")?.as_str()
}

/// Collects and converts schemas while the document is compiled.
pub struct SchemaBuilder<'s> {
    sources: &'s Sources,
    version: Version,
    /// Converted schemas by id; `None` until converted.
    defs: Vec<Option<Value>>,
    memo: HashMap<(Loc, Side), SchemaId>,
    entries: Vec<Entry>,
    pending: Vec<(SchemaId, Loc)>,
}

impl<'s> SchemaBuilder<'s> {
    pub fn new(sources: &'s Sources, version: Version) -> Self {
        SchemaBuilder {
            sources,
            version,
            defs: Vec::new(),
            memo: HashMap::new(),
            entries: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// Adds the schema written at `loc`, for one side, and everything it references.
    pub fn add(&mut self, loc: Loc, side: Side) -> Result<SchemaId, SpecError> {
        let id = self.register(loc, side);
        // A worklist rather than recursion: a long chain of $refs cannot overflow the stack.
        while let Some((id, loc)) = self.pending.pop() {
            let sources = self.sources;
            let converted = match sources.get(&loc) {
                Some(value) => {
                    let (side, version) = (self.entries[id.0 as usize].side, self.version);
                    Converter { version, side, linker: self }.convert(value, &loc)
                }
                None => Err(sources.error(&loc, "nothing at this location")),
            };
            match converted {
                Ok(converted) => self.defs[id.0 as usize] = Some(converted),
                Err(e) => {
                    // What is left belongs to the failed schema; a caller that goes on
                    // (lint) must not meet it under the next one.
                    self.pending.clear();
                    return Err(e);
                }
            }
        }
        // A schema that is only a `$ref` shares the target's validator: vendor documents
        // point hundreds of media types at the same few components.
        let mut id = id;
        for _ in 0..16 {
            let Some(target) = self.defs[id.0 as usize].as_ref().and_then(only_ref).and_then(parse_reference) else {
                break;
            };
            id = SchemaId(target as u32);
        }
        self.entries[id.0 as usize].root = true;
        Ok(id)
    }

    /// A schema that accepts what `id` accepts and what `extra` does (`anyOf`), for the
    /// same places: how `allowEmptyValue` widens a parameter's schema.
    pub fn widen(&mut self, id: SchemaId, extra: Value) -> SchemaId {
        let inner = &self.entries[id.0 as usize];
        let entry = Entry { origin: inner.origin.clone(), side: inner.side, root: true };
        let widened = SchemaId(self.entries.len() as u32);
        self.entries.push(entry);
        self.defs.push(Some(json!({ "anyOf": [{ "$ref": reference(id) }, extra] })));
        widened
    }

    pub fn finish(self) -> Result<Schemas, SpecError> {
        // One document, so the validator compiler resolves every reference within it (far
        // cheaper at start-up than one resource per schema), and an array, so that finding a
        // schema by id is indexing, not hashing.
        let bundle = Arc::new(Value::Array(self.defs.into_iter().map(|d| d.unwrap_or(Value::Bool(true))).collect()));
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(BUNDLE, Arc::clone(&bundle))
            .and_then(|b| b.prepare())
            .map_err(|e| SpecError::file(self.sources.name(0), format!("the schemas cannot be registered: {e}")))?;
        let validators = self.entries.iter().map(|_| OnceLock::new()).collect();
        Ok(Schemas { bundle, entries: self.entries, registry, validators })
    }

    fn register(&mut self, loc: Loc, side: Side) -> SchemaId {
        if let Some(id) = self.memo.get(&(loc.clone(), side)) {
            return *id;
        }
        let id = SchemaId(self.entries.len() as u32);
        self.defs.push(None);
        self.entries.push(Entry { origin: self.sources.describe(&loc), side, root: false });
        self.memo.insert((loc.clone(), side), id);
        self.pending.push((id, loc));
        id
    }
}

impl Linker for SchemaBuilder<'_> {
    fn link(&mut self, at: &Loc, written: &str, side: Side) -> Result<String, SpecError> {
        let target = self.sources.target(at.src, written).map_err(|m| self.sources.error(at, m))?;
        if self.sources.get(&target).is_none() {
            return Err(self.sources.error(at, format!("$ref '{written}' not found")));
        }
        let id = self.register(target, side);
        Ok(reference(id))
    }

    fn access(&self, at: &Loc, value: &Value) -> (bool, bool) {
        let flag = |v: &Value, k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
        let (mut read_only, mut write_only) = (flag(value, "readOnly"), flag(value, "writeOnly"));
        let mut loc = at.clone();
        let mut current = value;
        for _ in 0..16 {
            let Some(reference) = current.get("$ref").and_then(Value::as_str) else { break };
            let Ok(next) = self.sources.target(loc.src, reference) else { break };
            let Some(target) = self.sources.get(&next) else { break };
            read_only |= flag(target, "readOnly");
            write_only |= flag(target, "writeOnly");
            (loc, current) = (next, target);
        }
        (read_only, write_only)
    }

    fn error(&self, at: &Loc, message: String) -> SpecError {
        self.sources.error(at, message)
    }

    fn warn(&self, at: &Loc, message: &'static str) {
        self.sources.warn(at, message);
    }
}
