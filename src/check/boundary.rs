//! Boundary cases: an operation's valid request changed in one place each — a parameter or
//! a body property set on an edge of its schema (`body/name maxLength=200`), an optional one
//! present or absent, all of them present together. The edges themselves come from the
//! generator; the validator decides which side of the document each case is on.

use std::collections::HashSet;

use serde_json::Value;

use super::build::{Builder, Draft};
use super::keys::{fresh_key, is_idempotency_key};
use super::oracle;
use super::plan::{Case, Expect, Probe};
use crate::generate::{edges, flattened, generate_named, generate_part, slot_seed};
use crate::spec::pointer::escape;
use crate::spec::{ParamIn, Schemas, Side, is_json_media};
use crate::validate::{Part, governed_by_http};

/// Properties deeper than this are not probed one by one (the value is still sent whole).
const MAX_DEPTH: usize = 3;
/// Places probed in one operation, and cases planned for it: documents with hundreds of
/// properties per body get the first ones, not an unbounded plan.
const MAX_SLOTS: usize = 96;
const MAX_CASES: usize = 600;

/// One place in a request a case changes, and what it changes it to.
struct Variation {
    label: String,
    draft: Draft,
    inside: bool,
}

/// The boundary cases of the operation whose valid request is `base`; `seen` holds the
/// requests already planned (a case the same as another is not sent twice).
pub fn cases(builder: &Builder<'_>, base: &Draft, seed: u64, run_seed: u64, seen: &mut HashSet<String>) -> Vec<Case> {
    let api = builder.api;
    let valid = builder.assemble(base);
    if !oracle::is_valid(api, &valid) {
        // Which side of the document a change lands on cannot be told from an invalid start.
        return Vec::new();
    }
    seen.insert(fingerprint(&valid));
    let mut variations = parameters(builder, base, seed);
    variations.extend(body(builder, base, seed));
    let mut out = Vec::new();
    for variation in variations {
        if out.len() >= MAX_CASES {
            break;
        }
        let mut draft = variation.draft;
        // Each request its own idempotency key: a key sent again with another body is refused.
        if let Some((i, key)) = fresh_key(api, &api.operations[base.operation], seed, &variation.label)
            && draft.params[i].is_some()
        {
            draft.params[i] = Some(key);
        }
        let mut case = builder.assemble(&draft);
        let fits = if variation.inside { oracle::is_valid(api, &case) } else { oracle::is_invalid(api, &case) };
        if !fits || !seen.insert(fingerprint(&case)) {
            continue;
        }
        case.description = format!("boundary: {}", variation.label);
        case.expect = if variation.inside { Expect::Documented } else { Expect::Rejected };
        case.probe = Some(Box::new(Probe { label: variation.label, seed: run_seed, draft: None }));
        out.push(case);
    }
    out
}

/// What makes two requests the same: method, target, and body.
pub fn fingerprint(case: &Case) -> String {
    let body = case.body.as_ref().map(|(t, b)| format!("{t}\n{}", String::from_utf8_lossy(b))).unwrap_or_default();
    let headers: Vec<String> = case.headers.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("{} {}\n{}\n{body}", case.method, case.target(), headers.join("\n"))
}

fn parameters(builder: &Builder<'_>, base: &Draft, seed: u64) -> Vec<Variation> {
    let api = builder.api;
    let op = &api.operations[base.operation];
    let mut out = Vec::new();
    let mut all_present = base.clone();
    let mut optional = 0;
    for (i, param) in op.params.iter().enumerate() {
        let Some(schema) = param.schema else { continue };
        if param.location == ParamIn::Header && governed_by_http(&param.name) {
            continue;
        }
        // Ids a lifecycle fixed are not the parameter's to vary; idempotency keys are new each time.
        if is_idempotency_key(param) || base.extra.iter().any(|(l, n, _)| *l == param.location && *n == param.name) {
            continue;
        }
        let place = format!("{}/{}", Part::from(param.location).as_str(), param.name);
        let param_seed = slot_seed(seed, &place);
        let current = match &base.params[i] {
            Some(value) => value.clone(),
            None => match generate_named(&api.schemas, schema, param_seed, &param.name) {
                Ok(value) => value,
                Err(_) => continue,
            },
        };
        let with = |value: Value| {
            let mut draft = base.clone();
            draft.params[i] = Some(value);
            draft
        };
        if base.params[i].is_none() {
            optional += 1;
            all_present.params[i] = Some(current.clone());
            out.push(Variation { label: format!("{place} present"), draft: with(current.clone()), inside: true });
        }
        let schema_value = api.schemas.get(schema);
        for edge in edges(&api.schemas, schema_value, &current, Side::Request, param_seed, &param.name) {
            out.push(Variation {
                label: format!("{place} {}", edge.label),
                draft: with(edge.value),
                inside: edge.inside,
            });
        }
    }
    if optional > 1 {
        out.push(Variation { label: "all optional parameters present".into(), draft: all_present, inside: true });
    }
    out
}

fn body(builder: &Builder<'_>, base: &Draft, seed: u64) -> Vec<Variation> {
    let api = builder.api;
    let op = &api.operations[base.operation];
    let (Some(request_body), Some((media_index, sent))) = (&op.body, &base.body) else { return Vec::new() };
    let Some(media) = request_body.content.get(*media_index) else { return Vec::new() };
    let form = crate::spec::concrete_type(&media.name) == "application/x-www-form-urlencoded";
    let Some(schema) = media.schema.filter(|_| is_json_media(&media.name) || form) else { return Vec::new() };
    let schema = api.schemas.get(schema).clone();
    let mut full = sent.clone();
    fill(&api.schemas, &schema, &mut full, 0, seed);
    let mut slots = Vec::new();
    collect(&api.schemas, &schema, &full, String::new(), false, 0, &mut slots);
    let with_body = |value: Value| {
        let mut draft = base.clone();
        draft.body = Some((*media_index, value));
        draft
    };
    let mut out = Vec::new();
    if &full != sent {
        out.push(Variation {
            label: "body: all optional properties present".into(),
            draft: with_body(full.clone()),
            inside: true,
        });
    }
    for slot in slots.iter().take(MAX_SLOTS) {
        let place = if slot.pointer.is_empty() { "body".to_string() } else { format!("body{}", slot.pointer) };
        let in_sent = sent.pointer(&slot.pointer).is_some();
        if !slot.required && !slot.pointer.is_empty() {
            let (label, changed) = if in_sent {
                (format!("{place} absent"), without(sent, &slot.pointer))
            } else {
                (format!("{place} present"), placed(sent, &full, &slot.pointer, None))
            };
            if let Some(changed) = changed {
                out.push(Variation { label, draft: with_body(changed), inside: true });
            }
        }
        let current = full.pointer(&slot.pointer).cloned().unwrap_or(Value::Null);
        let name = slot.pointer.rsplit('/').next().unwrap_or("");
        for edge in edges(&api.schemas, &slot.schema, &current, Side::Request, slot_seed(seed, &place), name) {
            if let Some(changed) = placed(sent, &full, &slot.pointer, Some(edge.value)) {
                out.push(Variation {
                    label: format!("{place} {}", edge.label),
                    draft: with_body(changed),
                    inside: edge.inside,
                });
            }
        }
    }
    out
}

/// A property or item of the body, with its schema.
struct Slot {
    pointer: String,
    schema: Value,
    required: bool,
}

/// Every property and first item down to [`MAX_DEPTH`], parents before children.
fn collect(
    schemas: &Schemas,
    schema: &Value,
    value: &Value,
    pointer: String,
    required: bool,
    depth: usize,
    out: &mut Vec<Slot>,
) {
    if out.len() >= MAX_SLOTS {
        return;
    }
    out.push(Slot { pointer: pointer.clone(), schema: schema.clone(), required });
    if depth >= MAX_DEPTH {
        return;
    }
    let flat = flattened(schemas, schema);
    match value {
        Value::Object(map) => {
            let needed = required_names(&flat);
            let properties = flat.get("properties").and_then(Value::as_object);
            for (name, child) in map {
                let Some(child_schema) = properties.and_then(|p| p.get(name)) else { continue };
                let child_pointer = format!("{pointer}/{}", escape(name));
                collect(schemas, child_schema, child, child_pointer, needed.contains(name), depth + 1, out);
            }
        }
        Value::Array(items) => {
            if let (Some(first), Some(item_schema)) = (items.first(), flat.get("items").filter(|i| i.is_object())) {
                collect(schemas, item_schema, first, format!("{pointer}/0"), true, depth + 1, out);
            }
        }
        _ => {}
    }
}

fn required_names(flat: &Value) -> Vec<String> {
    let list = flat.get("required").and_then(Value::as_array);
    list.into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
}

/// Every optional property the value leaves out, generated (not readOnly ones: a client
/// does not send them), down to [`MAX_DEPTH`].
fn fill(schemas: &Schemas, schema: &Value, value: &mut Value, depth: usize, seed: u64) {
    if depth >= MAX_DEPTH {
        return;
    }
    let flat = flattened(schemas, schema);
    let Some(properties) = flat.get("properties").and_then(Value::as_object) else { return };
    let Value::Object(map) = value else { return };
    for (name, child_schema) in properties {
        if !map.contains_key(name) {
            let read_only = flattened(schemas, child_schema).get("readOnly").and_then(Value::as_bool) == Some(true);
            if read_only {
                continue;
            }
            let Ok(generated) = generate_part(schemas, child_schema, Side::Request, slot_seed(seed, name), name, true)
            else {
                continue;
            };
            map.insert(name.clone(), generated);
        }
        if let Some(child) = map.get_mut(name) {
            fill(schemas, child_schema, child, depth + 1, seed);
        }
    }
}

/// `sent` without what `pointer` names.
fn without(sent: &Value, pointer: &str) -> Option<Value> {
    let (parent, last) = pointer.rsplit_once('/')?;
    let mut out = sent.clone();
    out.pointer_mut(parent)?.as_object_mut()?.shift_remove(&unescape(last))?;
    Some(out)
}

/// `sent` with the value at `pointer` set: the given one, else the full body's. Parents the
/// sent body lacks come from the full body.
fn placed(sent: &Value, full: &Value, pointer: &str, value: Option<Value>) -> Option<Value> {
    let mut out = sent.clone();
    if pointer.is_empty() {
        return value;
    }
    // The first ancestor (or the slot itself) the sent body lacks comes whole from the full one.
    let mut at = String::new();
    for token in pointer.split('/').skip(1) {
        let parent = at.clone();
        at = format!("{at}/{token}");
        if out.pointer(&at).is_none() {
            let copied = full.pointer(&at)?.clone();
            match out.pointer_mut(&parent)? {
                Value::Object(map) => {
                    map.insert(unescape(token), copied);
                }
                _ => return None,
            }
        }
    }
    if let Some(value) = value {
        *out.pointer_mut(pointer)? = value;
    }
    Some(out)
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_value_is_placed_under_parents_taken_from_the_full_body() {
        let sent = json!({"name": "a"});
        let full = json!({"name": "a", "address": {"city": "x", "zip": "1"}});
        assert_eq!(
            placed(&sent, &full, "/address/city", Some(json!("y"))),
            Some(json!({"name": "a", "address": {"city": "y", "zip": "1"}}))
        );
        assert_eq!(placed(&sent, &full, "/name", Some(json!("b"))), Some(json!({"name": "b"})));
        assert_eq!(without(&full, "/address"), Some(json!({"name": "a"})));
    }
}
