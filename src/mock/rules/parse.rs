//! Reading rules (YAML or JSON) and checking each against its operation: every error names
//! the file and the JSON pointer of what is wrong.

use std::path::Path;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use serde_json::{Map, Value};

use super::{Answer, Condition, Place, Rule, Test, text_of};
use crate::route::{Mount, OperationRef};
use crate::spec::{Api, Operation, StatusKey, pointer, template_params};
use crate::validate::{Part, schema_violations};

/// A rule that cannot be used, and where it is.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}: #{pointer}: {message}")]
pub struct RuleError {
    pub file: String,
    pub pointer: String,
    pub message: String,
}

/// A place in a rules file or document.
#[derive(Clone)]
struct At<'a> {
    file: &'a str,
    pointer: String,
}

impl<'a> At<'a> {
    fn child(&self, token: &str) -> At<'a> {
        At { file: self.file, pointer: pointer::push(&self.pointer, token) }
    }

    fn error(&self, message: impl Into<String>) -> RuleError {
        RuleError { file: self.file.to_string(), pointer: self.pointer.clone(), message: message.into() }
    }
}

/// The keys of a condition that name a test (anything else is a value to equal).
const TESTS: [&str; 6] = ["equals", "one-of", "oneOf", "regex", "present", "absent"];

/// Longest regex program a rule may compile (keeps a rule from eating the process).
const REGEX_LIMIT: usize = 1 << 20;

/// An operation's own `x-specmock-rules`.
pub fn for_operation(api: &Api, op: &Operation) -> Result<Vec<Rule>, RuleError> {
    let Some(value) = &op.mock_hints.rules else { return Ok(Vec::new()) };
    let at = At { file: &api.source, pointer: pointer::push(&op.pointer, "x-specmock-rules") };
    let Value::Array(items) = value else {
        return Err(at.error("x-specmock-rules must be a list of rules (each with `when` and `answer`)"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let label = format!("rule {} of x-specmock-rules", i + 1);
            rule(item, &at.child(&i.to_string()), api, op, label, &[])
        })
        .collect()
}

/// `--rules FILE`: rules per document and operation (`[mount][operation]`).
pub fn read_file(path: &Path, mounts: &[Mount]) -> Result<Vec<Vec<Vec<Rule>>>, RuleError> {
    let file = path.display().to_string();
    let whole = At { file: &file, pointer: String::new() };
    let text = std::fs::read_to_string(path).map_err(|e| whole.error(format!("cannot read the rules file: {e}")))?;
    let value: Value = crate::yaml::from_json_or_yaml(&text).map_err(|e| whole.error(e))?;
    let (items, at) = match &value {
        Value::Array(items) => (items, whole.clone()),
        Value::Object(map) => match map.get("rules") {
            Some(Value::Array(items)) => (items, whole.child("rules")),
            _ => return Err(whole.error("expected a list of rules, or `rules:` with one")),
        },
        _ => return Err(whole.error("expected a list of rules, or `rules:` with one")),
    };
    let mut out: Vec<Vec<Vec<Rule>>> =
        mounts.iter().map(|m| m.api.operations.iter().map(|_| Vec::new()).collect()).collect();
    for (i, item) in items.iter().enumerate() {
        let here = at.child(&i.to_string());
        let Value::Object(map) = item else { return Err(here.error("a rule must be a mapping")) };
        let Some(Value::String(name)) = map.get("operation") else {
            return Err(here.error("a rule in a rules file names its `operation` (operationId, or 'METHOD /path')"));
        };
        let at = find_operation(mounts, name).map_err(|message| here.child("operation").error(message))?;
        let label = match map.get("name").and_then(Value::as_str) {
            Some(n) => format!("rule '{n}' ({file})"),
            None => format!("rule {} of {file}", i + 1),
        };
        let api = &mounts[at.mount].api;
        out[at.mount][at.index].push(rule(item, &here, api, &api.operations[at.index], label, &["operation", "name"])?);
    }
    Ok(out)
}

/// `createPet`, `POST /pets`, or either after `DOCUMENT:` when several documents are served.
fn find_operation(mounts: &[Mount], name: &str) -> Result<OperationRef, String> {
    let named = |m: &Mount, name: &str| {
        m.api.operations.iter().position(|op| {
            op.operation_id.as_deref() == Some(name) || format!("{} {}", op.method, op.path).eq_ignore_ascii_case(name)
        })
    };
    let found: Vec<OperationRef> = mounts
        .iter()
        .enumerate()
        .filter_map(|(mount, m)| named(m, name).map(|index| OperationRef { mount, index }))
        .collect();
    match found.as_slice() {
        [one] => return Ok(*one),
        [] => {}
        several => {
            let docs: Vec<&str> = several.iter().map(|at| mounts[at.mount].name.as_str()).collect();
            return Err(format!("'{name}' is in several documents ({}); write DOCUMENT:{name}", docs.join(", ")));
        }
    }
    if let Some((doc, rest)) = name.split_once(':')
        && let Some(m) = mounts.iter().position(|m| m.name == doc)
        && let Some(o) = named(&mounts[m], rest)
    {
        return Ok(OperationRef { mount: m, index: o });
    }
    Err(format!("no operation '{name}' in the documents served (use an operationId, or 'METHOD /path')"))
}

fn rule(
    value: &Value,
    at: &At<'_>,
    api: &Api,
    op: &Operation,
    label: String,
    extra: &[&str],
) -> Result<Rule, RuleError> {
    let Value::Object(map) = value else { return Err(at.error("a rule must be a mapping with `when` and `answer`")) };
    if let Some(unknown) =
        map.keys().find(|k| !["when", "answer"].contains(&k.as_str()) && !extra.contains(&k.as_str()))
    {
        return Err(at.child(unknown).error(format!("unknown key '{unknown}' (a rule has `when` and `answer`)")));
    }
    let when = match map.get("when") {
        Some(when) => conditions(when, &at.child("when"), op)?,
        None => Vec::new(),
    };
    let answer = match map.get("answer") {
        Some(answer) => self::answer(answer, &at.child("answer"), api, op)?,
        None => return Err(at.error("a rule needs an `answer`")),
    };
    Ok(Rule { label, when, answer })
}

fn conditions(value: &Value, at: &At<'_>, op: &Operation) -> Result<Vec<Condition>, RuleError> {
    let Value::Object(parts) = value else {
        return Err(at.error("`when` must be a mapping of path, query, headers and body"));
    };
    let mut out = Vec::new();
    for (part, fields) in parts {
        let here = at.child(part);
        let Value::Object(fields) = fields else {
            return Err(here.error(format!("`{part}` must be a mapping of names to conditions")));
        };
        for (name, condition) in fields {
            let field_at = here.child(name);
            let place = match part.as_str() {
                "path" => {
                    if !template_params(&op.path).iter().any(|p| p == name) {
                        return Err(field_at.error(format!("{} has no path parameter '{name}'", op.path)));
                    }
                    Place::Path(name.clone())
                }
                "query" => Place::Query(name.clone()),
                "headers" | "header" => Place::Header(
                    HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
                        .map_err(|_| field_at.error(format!("'{name}' is not a header name")))?,
                ),
                "body" => {
                    if !name.is_empty() && !name.starts_with('/') {
                        return Err(field_at.error(format!("'{name}' is not a JSON pointer (write /{name})")));
                    }
                    Place::Body(name.clone())
                }
                other => {
                    return Err(
                        here.error(format!("'{other}' is not a part of a request (use path, query, headers or body)"))
                    );
                }
            };
            for test in tests(condition, &field_at)? {
                let place = match &place {
                    Place::Path(n) => Place::Path(n.clone()),
                    Place::Query(n) => Place::Query(n.clone()),
                    Place::Header(n) => Place::Header(n.clone()),
                    Place::Body(p) => Place::Body(p.clone()),
                };
                out.push(Condition { place, test });
            }
        }
    }
    Ok(out)
}

/// `value` (equals), or a mapping of tests: `equals`, `one-of`, `regex`, `present`, `absent`.
fn tests(value: &Value, at: &At<'_>) -> Result<Vec<Test>, RuleError> {
    let Value::Object(map) = value else { return Ok(vec![Test::Equals(value.clone())]) };
    let named = map.keys().filter(|k| TESTS.contains(&k.as_str())).count();
    if named == 0 {
        // An object to equal (a body part): `{name: x}` means "equals {name: x}".
        return Ok(vec![Test::Equals(value.clone())]);
    }
    if named != map.len() {
        let stray = map.keys().find(|k| !TESTS.contains(&k.as_str())).cloned().unwrap_or_default();
        return Err(at.child(&stray).error(format!(
            "'{stray}' is not a test (use {}); to match an object, write `equals:` before it",
            TESTS.join(", ")
        )));
    }
    map.iter().map(|(key, v)| test(key, v, &at.child(key))).collect()
}

fn test(key: &str, value: &Value, at: &At<'_>) -> Result<Test, RuleError> {
    Ok(match key {
        "equals" => Test::Equals(value.clone()),
        "one-of" | "oneOf" => match value {
            Value::Array(options) => Test::OneOf(options.clone()),
            _ => return Err(at.error("one-of takes a list of values")),
        },
        "regex" => {
            let Value::String(pattern) = value else { return Err(at.error("regex takes a string")) };
            let re = regex::RegexBuilder::new(pattern)
                .size_limit(REGEX_LIMIT)
                .build()
                .map_err(|e| at.error(format!("not a regular expression: {e}")))?;
            Test::Regex(re)
        }
        "present" | "absent" => match value {
            Value::Bool(b) => Test::Present(if key == "present" { *b } else { !*b }),
            _ => return Err(at.error(format!("{key} takes true or false"))),
        },
        _ => return Err(at.error(format!("'{key}' is not a test"))),
    })
}

fn answer(value: &Value, at: &At<'_>, api: &Api, op: &Operation) -> Result<Answer, RuleError> {
    let Value::Object(map) = value else {
        return Err(at.error("`answer` must be a mapping (status, example, body, headers, delay, fault)"));
    };
    const KEYS: [&str; 6] = ["status", "example", "body", "headers", "delay", "fault"];
    if let Some(unknown) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(at.child(unknown).error(format!("unknown key '{unknown}' (an answer has {})", KEYS.join(", "))));
    }
    let mut answer = Answer::default();
    if let Some(status) = map.get("status") {
        let here = at.child("status");
        let code = text_of(status).parse::<u16>().ok().filter(|c| (200..=599).contains(c));
        let Some(code) = code.and_then(|c| http::StatusCode::from_u16(c).ok()) else {
            return Err(here.error(format!("{status} is not an HTTP status (200-599)")));
        };
        if op.response_for(code).is_none() {
            return Err(here.error(format!(
                "answers {}, which {} does not document (documented: {})",
                code.as_u16(),
                op.label,
                op.status_labels().join(", ")
            )));
        }
        answer.status = Some(code);
    }
    answer.headers = headers(map, at)?;
    if let Some(example) = map.get("example") {
        let here = at.child("example");
        let Value::String(name) = example else { return Err(here.error("example takes an example's name")) };
        answer.status = Some(where_documented(op, answer.status, name).map_err(|m| here.error(m))?);
        answer.example = Some(name.clone());
    }
    if let Some(body) = map.get("body") {
        if answer.example.is_some() {
            return Err(at.child("body").error("an answer gives an example or a body, not both"));
        }
        answer.body = Some(inline_body(body, &answer, &at.child("body"), api, op)?);
    }
    if let Some(delay) = map.get("delay") {
        let text = text_of(delay);
        answer.delay = Some(crate::units::parse_delay_range(&text).map_err(|e| at.child("delay").error(e))?);
    }
    if let Some(fault) = map.get("fault") {
        let name = text_of(fault);
        if crate::server::Fault::named(&name, std::time::Duration::ZERO).is_none() {
            return Err(at
                .child("fault")
                .error(format!("'{name}' is not a fault (use {})", crate::server::Fault::NAMES.join(", "))));
        }
        answer.fault = Some(name.into_owned());
    }
    Ok(answer)
}

fn headers(map: &Map<String, Value>, at: &At<'_>) -> Result<Vec<(HeaderName, HeaderValue)>, RuleError> {
    let Some(headers) = map.get("headers") else { return Ok(Vec::new()) };
    let here = at.child("headers");
    let Value::Object(headers) = headers else {
        return Err(here.error("headers must be a mapping of names to values"));
    };
    headers
        .iter()
        .map(|(name, value)| {
            let name_ok = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes());
            let value_ok = HeaderValue::from_str(&text_of(value));
            match (name_ok, value_ok) {
                (Ok(n), Ok(v)) => Ok((n, v)),
                (Err(_), _) => Err(here.child(name).error(format!("'{name}' is not a header name"))),
                (_, Err(_)) => Err(here.child(name).error("not a valid header value")),
            }
        })
        .collect()
}

/// The status under which the example `name` is documented (`status`, when given).
fn where_documented(op: &Operation, status: Option<http::StatusCode>, name: &str) -> Result<http::StatusCode, String> {
    let has = |r: &crate::spec::Response| r.content.iter().any(|m| m.examples.iter().any(|e| &*e.name == name));
    match status {
        Some(code) => match op.response_for(code) {
            Some(r) if has(r) => Ok(code),
            _ => Err(format!("{} documents no example '{name}' for {}", op.label, code.as_u16())),
        },
        None => op
            .responses
            .iter()
            .find(|r| has(r))
            .map(|r| r.status.code())
            .ok_or_else(|| format!("{} documents no response example named '{name}'", op.label)),
    }
}

/// An inline body: it must be one the documented answer allows.
fn inline_body(
    body: &Value,
    answer: &Answer,
    at: &At<'_>,
    api: &Api,
    op: &Operation,
) -> Result<(Bytes, HeaderValue), RuleError> {
    let status = answer.status.or_else(|| {
        op.responses.iter().find(|r| matches!(r.status, StatusKey::Exact(c) if c.is_success())).map(|r| r.status.code())
    });
    let Some(documented) = status.and_then(|s| op.response_for(s)) else {
        return Err(at.error(format!("{} documents no success answer: give the rule a `status`", op.label)));
    };
    let status = status.unwrap_or(http::StatusCode::OK);
    let shown = status.as_u16();
    let given_type = answer.headers.iter().find(|(n, _)| n == http::header::CONTENT_TYPE).map(|(_, v)| v.clone());
    let media = match &given_type {
        Some(ct) => {
            let essence = crate::spec::media::essence(ct.to_str().unwrap_or(""));
            crate::validate::match_media(&documented.content, &essence)
        }
        None => documented.content.first(),
    };
    let Some(media) = media else {
        let why = if documented.content.is_empty() {
            format!("the {shown} answer of {} documents no body", op.label)
        } else {
            format!("the {shown} answer of {} documents no such content type", op.label)
        };
        return Err(at.error(why));
    };
    if let Some(schema) = media.schema
        && media.is_json()
        && let Some(first) = schema_violations(&api.schemas, schema, body, Part::Body, "").first()
    {
        return Err(at.error(format!(
            "the body breaks the documented {shown} answer of {}: {}: {}",
            op.label, first.location, first.message
        )));
    }
    let bytes = match body {
        Value::String(text) if !media.is_json() => Bytes::from(text.clone()),
        other => Bytes::from(serde_json::to_vec(other).unwrap_or_default()),
    };
    Ok((bytes, given_type.unwrap_or_else(|| media.content_type.clone())))
}
