//! Values from schemas: response bodies for the mock, requests for the contract runner.
//!
//! Seeded (the same seed gives the same bytes), realistic where the schema leaves room
//! (names, emails, timestamps by property name and format; fields of one object that agree)
//! and bounded: a schema that asks for too much answers with an error naming the deepest
//! subschema that could not be satisfied, never a hang or a stack overflow.
//!
//! Every value is validated before it is returned. A value that fails is generated again
//! from the same stream with a trace (`trace.rs`) and repaired where it fails; only when
//! that fails too does the next attempt start on a new stream.

mod discriminator;
mod documented;
mod edge_values;
mod edges;
mod generator;
mod merge;
mod pattern;
mod polish;
mod scalars;
mod shapes;
mod trace;
mod values;

use rand::RngExt;
use serde_json::Value;

use crate::spec::{SchemaId, Schemas, Side};
use generator::Generator;
use trace::Trace;

pub use edges::{edges, flattened, slot_seed};
pub use values::words_of;

/// Attempts before giving up on a schema; the later ones ignore examples.
const ATTEMPTS: u64 = 8;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{origin}: {reason}")]
pub struct GenError {
    /// The subschema that could not be satisfied, as `file: #/pointer`.
    pub origin: String,
    pub reason: String,
}

/// A valid value for the schema, the same for the same seed.
pub fn generate(schemas: &Schemas, id: SchemaId, seed: u64) -> Result<Value, GenError> {
    generate_named(schemas, id, seed, "")
}

/// Like [`generate`], but the top value is invented even where its schema documents an
/// example (`--dynamic`: the documented example is served as such otherwise); the values
/// inside it still follow the document.
pub fn generate_fresh(schemas: &Schemas, id: SchemaId, seed: u64) -> Result<Value, GenError> {
    generate_with(schemas, id, seed, "", true, true)
}

/// Like [`generate_named`], but nothing is taken from the document's examples or defaults:
/// the contract runner's random requests explore the schema, not the examples.
pub fn generate_random(schemas: &Schemas, id: SchemaId, seed: u64, name: &str) -> Result<Value, GenError> {
    generate_with(schemas, id, seed, name, true, false)
}

/// Like [`generate`], for a value that has a name (a parameter: `organization_id` is an id).
pub fn generate_named(schemas: &Schemas, id: SchemaId, seed: u64, name: &str) -> Result<Value, GenError> {
    generate_with(schemas, id, seed, name, false, true)
}

fn generate_with(
    schemas: &Schemas,
    id: SchemaId,
    seed: u64,
    name: &str,
    fresh: bool,
    documented: bool,
) -> Result<Value, GenError> {
    let schema = schemas.get(id);
    let origin = schemas.origin(id);
    let fail =
        |at: Option<String>, reason: String| GenError { origin: at.unwrap_or_else(|| origin.to_string()), reason };
    let validator = schemas.validator(id).map_err(|e| fail(None, format!("the schema does not compile: {e}")))?;
    let side = schemas.side(id);
    let mut last = fail(None, "no attempt was made".into());
    for attempt in 0..ATTEMPTS {
        let stream = seed.wrapping_add(attempt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let examples = documented && attempt < ATTEMPTS / 2;
        // Fast path: most values are valid as generated.
        let mut fast = Generator::new(schemas, side, stream, examples, None);
        fast.fresh_root = fresh;
        if let Ok(value) = fast.value(schema, 0, name)
            && validator.is_valid(&value)
        {
            return Ok(polished(value, validator));
        }
        // Slow path: the same stream, traced, so a failure can be repaired or named.
        let mut traced = Generator::new(schemas, side, stream, examples, Some(Trace::new(origin)));
        traced.fresh_root = fresh;
        match traced.value(schema, 0, name) {
            // Budgets and contradictions do not get better with another stream.
            Err(f) => return Err(fail(f.at, f.reason)),
            Ok(value) => match trace::repair(&mut traced, value, validator, stream) {
                Ok(value) => return Ok(polished(value, validator)),
                Err(unrepaired) => last = fail(unrepaired.at, unrepaired.problem),
            },
        }
    }
    Err(last)
}

/// An error body generated for `status` says that status in its `status`, `code` or
/// `status_code` fields (a 404 never says `"status": 400`), each where the schema allows.
pub fn agree_status(schemas: &Schemas, id: SchemaId, mut value: Value, status: u16) -> Value {
    if status < 400 {
        return value;
    }
    let Ok(validator) = schemas.validator(id) else { return value };
    let changes = polish::status_fields(&mut value, status);
    if changes.is_empty() || validator.is_valid(&value) {
        return value;
    }
    // Not all at once: each field where the schema allows it.
    polish::undo(&mut value, changes.clone());
    for (pointer, before) in changes {
        let Some(slot) = value.pointer_mut(&pointer) else { continue };
        *slot = polish::status_value(&before, status);
        if !validator.is_valid(&value) {
            polish::undo(&mut value, vec![(pointer, before)]);
        }
    }
    value
}

/// Agreeing fields made to agree, unless that breaks the value.
fn polished(mut value: Value, validator: &jsonschema::Validator) -> Value {
    let changes = polish::agree(&mut value);
    if !changes.is_empty() && !validator.is_valid(&value) {
        polish::undo(&mut value, changes);
    }
    value
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
    Generator::new(schemas, side, seed, examples, None).value(schema, 1, name).map_err(|f| f.reason)
}

/// A random UUID v4 from the thread's generator (uuid's own `new_v4` asks the kernel each time).
pub fn fresh_uuid() -> String {
    uuid::Builder::from_random_bytes(rand::rng().random()).into_uuid().to_string()
}

/// A fresh seed for answers that should differ each time.
pub fn random_seed() -> u64 {
    rand::rng().random()
}
