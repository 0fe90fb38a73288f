//! Validator errors → violations with a sentence a person can act on.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use super::{Keyword, Part, Violation};
use crate::spec::pointer;

/// One validator error may name several fields (e.g. several unexpected properties).
pub fn describe(error: &ValidationError<'_>, part: Part, prefix: &str) -> Vec<Violation> {
    let base = error.instance_path().as_str().to_string();
    let kind = error.kind();
    let keyword = Keyword::named(kind.keyword());
    match kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().map(str::to_string).unwrap_or_else(|| property.to_string());
            let ptr = pointer::push(&base, &name);
            vec![violation(part, prefix, &ptr, &keyword, |f| format!("{f} is required"))]
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                let ptr = pointer::push(&base, name);
                violation(part, prefix, &ptr, &keyword, |f| format!("{f} is not an allowed property"))
            })
            .collect(),
        _ => vec![violation(part, prefix, &base, &keyword, |f| sentence(kind, f, error))],
    }
}

fn violation(part: Part, prefix: &str, ptr: &str, keyword: &Keyword, text: impl FnOnce(&str) -> String) -> Violation {
    let tokens = pointer::tokens(ptr);
    let mut field = field_name(prefix, &tokens);
    let shown = if field.is_empty() && part == Part::Body {
        // The body itself (`[]` where an object belongs): name it so a template never shows "".
        field = "body".to_string();
        "the body".to_string()
    } else if field.is_empty() {
        part.as_str().to_string()
    } else {
        field.clone()
    };
    let mut location = part.as_str().to_string();
    if !prefix.is_empty() {
        location.push('/');
        location.push_str(prefix);
    }
    for t in &tokens {
        location.push('/');
        location.push_str(t);
    }
    Violation { part, location, message: text(&shown), field, pointer: ptr.to_string(), keyword: keyword.clone() }
}

/// `metadata.foo`, `items[2].name`; a parameter's name when the whole parameter is wrong.
fn field_name(prefix: &str, tokens: &[String]) -> String {
    let mut out = prefix.to_string();
    for t in tokens {
        if t.parse::<usize>().is_ok() && !out.is_empty() {
            out.push_str(&format!("[{t}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(t);
        }
    }
    out
}

fn sentence(kind: &ValidationErrorKind, f: &str, error: &ValidationError<'_>) -> String {
    use ValidationErrorKind as K;
    match kind {
        K::Type { kind } => {
            let expected: Vec<&str> = match kind {
                TypeKind::Single(t) => vec![type_name(*t)],
                TypeKind::Multiple(set) => set.iter().map(type_name).collect(),
            };
            format!("{f} must be {}, not {}", expected.join(" or "), value_kind(error.instance()))
        }
        K::MinLength { limit: 1 } => format!("{f} must not be empty"),
        K::MinLength { limit } => format!("{f} must be at least {limit} characters long"),
        K::MaxLength { limit } => format!("{f} must be at most {limit} characters long"),
        K::Pattern { pattern } => format!("{f} must match the pattern {pattern}"),
        K::Format { format } => format!("{f} must be a valid {format}"),
        K::Enum { options } => format!("{f} must be one of {}", list(options)),
        K::Constant { expected_value } => format!("{f} must be {expected_value}"),
        K::Minimum { limit } => format!("{f} must be at least {limit}"),
        K::Maximum { limit } => format!("{f} must be at most {limit}"),
        K::ExclusiveMinimum { limit } => format!("{f} must be greater than {limit}"),
        K::ExclusiveMaximum { limit } => format!("{f} must be less than {limit}"),
        K::MultipleOf { multiple_of } => format!("{f} must be a multiple of {multiple_of}"),
        K::MinItems { limit } => format!("{f} must have at least {limit} items"),
        K::MaxItems { limit } => format!("{f} must have at most {limit} items"),
        K::UniqueItems => format!("{f} must not contain duplicate items"),
        K::MinProperties { limit } => format!("{f} must have at least {limit} entries"),
        K::MaxProperties { limit } => format!("{f} must have at most {limit} entries"),
        K::AnyOf { .. } | K::OneOfNotValid { .. } => format!("{f} does not match any of the allowed shapes"),
        K::OneOfMultipleValid { .. } => format!("{f} matches more than one of the exclusive shapes"),
        K::FalseSchema => format!("{f} is not allowed"),
        K::Not { .. } => format!("{f} has a value that is not allowed"),
        _ => format!("{f}: {error}"),
    }
}

fn type_name(t: JsonType) -> &'static str {
    match t {
        JsonType::Null => "null",
        JsonType::Boolean => "a boolean",
        JsonType::Integer => "an integer",
        JsonType::Number => "a number",
        JsonType::String => "a string",
        JsonType::Array => "an array",
        JsonType::Object => "an object",
    }
}

pub fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn list(options: &Value) -> String {
    match options.as_array() {
        Some(items) => items.iter().map(Value::to_string).collect::<Vec<_>>().join(", "),
        None => options.to_string(),
    }
}
