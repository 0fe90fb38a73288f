//! The slow path, taken only when a generated value fails: the same stream again, this
//! time noting where every value came from, so the value can be repaired where it fails —
//! that value drawn again, an optional property dropped — and a failure can name the
//! deepest subschema that could not be satisfied.

use std::collections::HashMap;

use jsonschema::Validator;
use serde_json::Value;

use super::generator::Generator;
use crate::spec::pointer::unescape;

/// Repairs one value may need before the attempt is given up.
const REPAIRS: usize = 32;
/// Fresh draws of one value before its parent is drawn again instead.
const REDRAWS: u32 = 4;

/// Where the generator is, and every value it made.
#[derive(Debug, Default)]
pub struct Trace {
    /// The schema being generated, as `file: #/pointer`.
    pub at: String,
    /// JSON pointer of the value being generated.
    pub pointer: String,
    pub nodes: Vec<Node>,
}

impl Trace {
    pub fn new(origin: &str) -> Trace {
        Trace { at: origin.to_string(), ..Trace::default() }
    }
}

/// One generated value and what it was generated from.
#[derive(Debug, Clone)]
pub struct Node {
    pub pointer: String,
    pub at: String,
    pub schema: Value,
    pub depth: usize,
    pub name: String,
    /// An optional property: dropping it is a repair.
    pub optional: bool,
}

/// `pointer` is `path` or one of its ancestors.
fn contains(pointer: &str, path: &str) -> bool {
    pointer.is_empty() || path == pointer || path.strip_prefix(pointer).is_some_and(|rest| rest.starts_with('/'))
}

/// Why repairs gave up: the validator's complaint and the deepest subschema it concerns.
pub struct Unrepaired {
    pub at: Option<String>,
    pub problem: String,
}

/// Repairs `value` until the validator accepts it, or gives up.
pub fn repair(
    generator: &mut Generator<'_>,
    mut value: Value,
    validator: &Validator,
    stream: u64,
) -> Result<Value, Unrepaired> {
    let mut draws: HashMap<String, u32> = HashMap::new();
    for round in 0..REPAIRS {
        let Some(error) = validator.iter_errors(&value).next() else { return Ok(value) };
        let path = error.instance_path().as_str().to_string();
        let nodes = generator.trace.as_ref().map(|t| t.nodes.as_slice()).unwrap_or_default();
        // Deepest first: the smallest repair that may work.
        let mut pointers: Vec<&str> = nodes.iter().map(|n| n.pointer.as_str()).filter(|p| contains(p, &path)).collect();
        pointers.sort_by_key(|p| std::cmp::Reverse(p.len()));
        pointers.dedup();
        let mut action = None;
        for pointer in pointers {
            let Some(node) = nodes.iter().find(|n| n.pointer == pointer) else { continue };
            if draws.get(pointer).copied().unwrap_or(0) < REDRAWS {
                action = Some((node.clone(), false));
                break;
            }
            if node.optional && !pointer.is_empty() {
                action = Some((node.clone(), true));
                break;
            }
        }
        let Some((node, drop)) = action else { return Err(unrepaired(generator, &value, validator)) };
        forget(generator, &node.pointer, &mut draws);
        if drop {
            remove(&mut value, &node.pointer);
            continue;
        }
        *draws.entry(node.pointer.clone()).or_default() += 1;
        let seed = stream ^ (round as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407);
        generator.restart(seed, node.optional);
        if let Some(trace) = &mut generator.trace {
            trace.pointer = node.pointer.clone();
            trace.at = node.at.clone();
        }
        match generator.value(&node.schema, node.depth, &node.name) {
            Ok(fresh) => {
                if let Some(slot) = value.pointer_mut(&node.pointer) {
                    *slot = fresh;
                }
            }
            Err(_) if node.optional => remove(&mut value, &node.pointer),
            // Kept, so that its parent is drawn again next.
            Err(_) => {
                if let Some(trace) = &mut generator.trace {
                    trace.nodes.push(node);
                }
            }
        }
    }
    Err(unrepaired(generator, &value, validator))
}

/// The validator's first complaint, named by the deepest subschema it concerns.
fn unrepaired(generator: &Generator<'_>, value: &Value, validator: &Validator) -> Unrepaired {
    let Some(error) = validator.iter_errors(value).next() else {
        return Unrepaired { at: None, problem: "generated values keep failing validation".into() };
    };
    let path = error.instance_path().as_str();
    let nodes = generator.trace.as_ref().map(|t| t.nodes.as_slice()).unwrap_or_default();
    // The last node recorded at the deepest pointer is the innermost schema there (a oneOf's branch).
    let deepest = nodes.iter().filter(|n| contains(&n.pointer, path)).map(|n| n.pointer.len()).max();
    let at = deepest.and_then(|len| nodes.iter().rev().find(|n| n.pointer.len() == len && contains(&n.pointer, path)));
    let shown = if path.is_empty() { String::new() } else { format!(" at '{path}'") };
    Unrepaired {
        at: at.map(|n| n.at.clone()),
        problem: format!("generated values keep failing validation ({error}{shown})"),
    }
}

/// Drops what was known about the values under `pointer`: they are about to be replaced.
fn forget(generator: &mut Generator<'_>, pointer: &str, draws: &mut HashMap<String, u32>) {
    if let Some(trace) = &mut generator.trace {
        trace.nodes.retain(|n| !contains(pointer, &n.pointer));
    }
    draws.retain(|p, _| p == pointer || !contains(pointer, p));
}

/// Removes the property at `pointer` from its object.
fn remove(value: &mut Value, pointer: &str) {
    let Some((parent, key)) = pointer.rsplit_once('/') else { return };
    if let Some(Value::Object(object)) = value.pointer_mut(parent) {
        object.shift_remove(&unescape(key));
    }
}
