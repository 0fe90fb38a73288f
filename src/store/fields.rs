//! Fields the server owns: the id in the documented form, creation and update times in the
//! documented format, constants (`object: "organization"`), and required fields the client
//! did not send.

use serde_json::{Map, Value};

use crate::generate::{generate_part, random_seed};
use crate::spec::{Api, Side};

/// ASCII case-insensitive `contains`, without allocating a lower-cased copy.
fn contains(name: &str, part: &str) -> bool {
    name.as_bytes().windows(part.len()).any(|w| w.eq_ignore_ascii_case(part.as_bytes()))
}

fn ends_with(name: &str, part: &str) -> bool {
    name.len() >= part.len() && name.as_bytes()[name.len() - part.len()..].eq_ignore_ascii_case(part.as_bytes())
}

fn is_created(name: &str) -> bool {
    contains(name, "creat") && time_like(name)
}

fn is_updated(name: &str) -> bool {
    (contains(name, "updat") || contains(name, "change") || contains(name, "modif")) && time_like(name)
}

pub fn time_like(n: &str) -> bool {
    ends_with(n, "at") || ends_with(n, "time") || ends_with(n, "date") || ends_with(n, "on")
}

/// Optional fields a server fills in anyway: a state from a fixed set (`ORG_STATE_ACTIVE`),
/// or an object of bookkeeping that carries creation or change times (`details`).
fn server_made(api: &Api, schema: &Value) -> bool {
    if schema.get("enum").is_some() {
        return true;
    }
    properties(api, schema).iter().any(|(name, _)| is_created(name) || is_updated(name))
}

/// One moment for a whole change, so a new resource's creation and update times are equal
/// (as the vendors' own examples show them), read from the clock once.
pub struct Clock {
    millis: i64,
    text: std::sync::OnceLock<String>,
}

impl Clock {
    pub fn now() -> Clock {
        Clock { millis: jiff::Timestamp::now().as_millisecond(), text: std::sync::OnceLock::new() }
    }

    /// A time given in either form (RFC 3339 text, epoch milliseconds) in the schema's form.
    pub fn convert(sent: &Value, schema: &Value) -> Option<Value> {
        let millis = match sent {
            Value::Number(n) => n.as_i64()?,
            Value::String(s) => s.parse::<jiff::Timestamp>().ok()?.as_millisecond(),
            _ => return None,
        };
        let clock = Clock { millis, text: std::sync::OnceLock::new() };
        Some(clock.value(schema))
    }

    /// As the schema writes times: epoch milliseconds for numbers, else RFC 3339.
    fn value(&self, schema: &Value) -> Value {
        let integer = match schema.get("type") {
            Some(Value::String(t)) => t == "integer" || t == "number",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer") && !ts.iter().any(|t| t == "string"),
            _ => false,
        };
        if integer {
            return Value::from(self.millis);
        }
        let text = self.text.get_or_init(|| match jiff::Timestamp::from_millisecond(self.millis) {
            Ok(ts) => format!("{ts:.3}"),
            Err(_) => crate::style::template::now_rfc3339(),
        });
        Value::String(text.clone())
    }
}

/// The properties a schema describes: its own, its `allOf` parts', and those of the branches
/// of an `anyOf`/`oneOf` (a nullable `$ref` is `anyOf: [X, null]`; a polymorphic item has
/// its variants' properties) — the first description of a name wins.
pub fn properties<'a>(api: &'a Api, schema: &'a Value) -> Vec<(&'a String, &'a Value)> {
    let mut out: Vec<(&String, &Value)> = Vec::new();
    collect_properties(api, schema, &mut out, 0);
    out
}

/// Composition followed this deep: a schema that includes itself stops here.
const MAX_COMPOSITION: usize = 16;

fn collect_properties<'a>(api: &'a Api, schema: &'a Value, out: &mut Vec<(&'a String, &'a Value)>, depth: usize) {
    if depth > MAX_COMPOSITION {
        return;
    }
    let schema = api.schemas.deref(schema);
    if let Some(Value::Object(props)) = schema.get("properties") {
        for (name, prop) in props {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, prop));
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for branch in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            collect_properties(api, branch, out, depth + 1);
        }
    }
}

pub fn required(api: &Api, schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_required(api, schema, &mut out, 0);
    out
}

fn collect_required(api: &Api, schema: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_COMPOSITION {
        return;
    }
    let schema = api.schemas.deref(schema);
    let names = schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
    out.extend(names.map(str::to_string));
    for branch in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        collect_required(api, branch, out, depth + 1);
    }
}

/// Which of an object's properties a client could have sent.
#[derive(Clone, Copy)]
pub enum Sent<'a> {
    /// The item itself: what the create operation lets a client write.
    By(&'a super::writes::Writable),
    /// Inside an object the client sent: all of it was theirs to send.
    All,
    /// Inside an object the server made: none of it.
    Nothing,
}

impl Sent<'_> {
    fn writable(&self, name: &str) -> bool {
        match self {
            Sent::By(writable) => writable.allows(name),
            Sent::All => true,
            Sent::Nothing => false,
        }
    }
}

/// A new resource: the server's fields set — the id aside, which the state allocates —
/// and the rest left as the client sent it. Filled: constants, creation and update times,
/// required properties the client did not send, and optional ones the client could not
/// send (read-only ones, a state from a fixed set, a bookkeeping object), from the
/// documented example where there is one, so a sandbox looks like the docs.
pub fn stamp_new(
    api: &Api,
    schema: &Value,
    value: &mut Map<String, Value>,
    example: Option<&Value>,
    clock: &Clock,
    id_field: &str,
    sent: Sent<'_>,
) {
    let required = required(api, schema);
    for (name, prop) in properties(api, schema) {
        let prop_schema = api.schemas.deref(prop);
        let client_side = sent.writable(name) && !read_only(prop_schema);
        let was_sent = value.contains_key(name.as_str());
        if let Some(c) = constant(prop_schema) {
            value.insert(name.clone(), c);
        } else if is_created(name) || is_updated(name) {
            // A time the client may set (Clerk's `created_at` on an imported user) is kept,
            // in the form the answer writes times; any other is the server's: now.
            let kept =
                value.get(name.as_str()).filter(|_| client_side).and_then(|sent| Clock::convert(sent, prop_schema));
            value.insert(name.clone(), kept.unwrap_or_else(|| clock.value(prop_schema)));
        } else if !was_sent
            && name != id_field
            && (required.contains(name) || (!client_side && (read_only(prop_schema) || server_made(api, prop_schema))))
        {
            // The documented example, else the schema's default, else an enum's first value
            // (a new resource starts in the first state listed: `active`, not `archived`).
            let filled = example
                .and_then(|e| e.get(name))
                .cloned()
                .or_else(|| prop_schema.get("default").cloned())
                .or_else(|| prop_schema.get("enum").and_then(|e| e.get(0)).cloned())
                .or_else(|| generate_part(&api.schemas, prop, Side::Response, random_seed(), name, true).ok());
            if let Some(v) = filled {
                value.insert(name.clone(), v);
            }
        }
        // Nested server-owned objects (`details: {creationDate, changeDate}`) get stamped too.
        if let Some(Value::Object(inner)) = value.get_mut(name.as_str())
            && prop_schema.get("properties").is_some()
        {
            let inner_sent = if was_sent && client_side { Sent::All } else { Sent::Nothing };
            stamp_new(api, prop, inner, example.and_then(|e| e.get(name)), clock, "", inner_sent);
        }
    }
}

fn read_only(schema: &Value) -> bool {
    schema.get("readOnly").and_then(Value::as_bool).unwrap_or(false)
}

/// A changed resource: update times move, creation times and constants stay.
pub fn stamp_update(api: &Api, schema: &Value, value: &mut Map<String, Value>, clock: &Clock) {
    for (name, prop) in properties(api, schema) {
        let prop_schema = api.schemas.deref(prop);
        if is_updated(name) && value.contains_key(name.as_str()) {
            value.insert(name.clone(), clock.value(prop_schema));
        }
        // An event sequence (Zitadel's `details.sequence`) counts every change.
        if name.as_str() == "sequence"
            && let Some(next) = value.get(name.as_str()).and_then(next_in_sequence)
        {
            value.insert(name.clone(), next);
        }
        if let Some(Value::Object(inner)) = value.get_mut(name.as_str())
            && prop_schema.get("properties").is_some()
        {
            stamp_update(api, prop, inner, clock);
        }
    }
}

/// The next number of a sequence, in the type it is written in (Zitadel writes `"2"`).
fn next_in_sequence(current: &Value) -> Option<Value> {
    match current {
        Value::Number(n) => n.as_u64().map(|n| Value::from(n + 1)),
        Value::String(s) => s.parse::<u64>().ok().map(|n| Value::String((n + 1).to_string())),
        _ => None,
    }
}

/// The schema of a property, if the item documents it.
pub fn property<'a>(api: &'a Api, schema: &'a Value, name: &str) -> Option<&'a Value> {
    properties(api, schema).into_iter().find(|(n, _)| n.as_str() == name).map(|(_, s)| s)
}

/// Server-owned properties, which a client's PATCH or PUT does not get to change. The
/// identifier and the times are the server's unless a create lets the client set them.
pub fn owned(api: &Api, schema: &Value, id_field: &str, settable: impl Fn(&str) -> bool) -> Vec<String> {
    properties(api, schema)
        .into_iter()
        .filter(|(name, prop)| {
            let p = api.schemas.deref(prop);
            let server_kept = name.as_str() == id_field || is_created(name) || is_updated(name);
            (server_kept && !settable(name)) || constant(p).is_some() || read_only(p)
        })
        .map(|(name, _)| name.clone())
        .collect()
}

fn constant(schema: &Value) -> Option<Value> {
    if let Some(c) = schema.get("const") {
        return Some(c.clone());
    }
    match schema.get("enum").and_then(Value::as_array) {
        Some(options) if options.len() == 1 => Some(options[0].clone()),
        _ => None,
    }
}
