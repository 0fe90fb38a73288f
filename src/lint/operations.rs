//! What each operation documents: a success, a 401 when secured, a 4xx when it takes a
//! body, path parameters that match its template, an operationId of its own.

use serde_json::{Map, Value};

use super::{Issue, LintRule};
use crate::spec::{Loc, Sources, template_params};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub fn check(sources: &Sources) -> Vec<Issue> {
    let mut out = Vec::new();
    let root = sources.root();
    let Some(Value::Object(paths)) = root.get("paths") else { return out };
    let secured_by_default = root.get("security").is_some_and(secures);
    let mut ids: Vec<(String, Loc)> = Vec::new();
    for path in paths.keys() {
        let Ok((item_at, Value::Object(item))) = sources.resolve(Loc::new(0, "/paths").child(path)) else { continue };
        let shared = path_params(sources, item.get("parameters"), &item_at.child("parameters"));
        for method in METHODS {
            let Some(Value::Object(op)) = item.get(*method) else { continue };
            let at = item_at.child(method);
            let own = path_params(sources, op.get("parameters"), &at.child("parameters"));
            let mut declared = own.clone();
            declared.extend(shared.iter().filter(|(name, _)| !own.iter().any(|(n, _)| n == name)).cloned());
            out.extend(template_mismatches(sources, path, &at, &declared));
            if let Some(Value::String(id)) = op.get("operationId") {
                match ids.iter().find(|(other, _)| other == id) {
                    Some((_, first)) => out.push(Issue::at(
                        sources,
                        LintRule::OperationIdUnique,
                        &at.child("operationId"),
                        format!("operationId '{id}' is also used by #{}", first.ptr),
                    )),
                    None => ids.push((id.clone(), at.clone())),
                }
            }
            out.extend(responses(sources, op, &at, secured_by_default));
        }
    }
    out
}

/// Whether a `security` list requires credentials (it has no empty requirement).
fn secures(security: &Value) -> bool {
    security
        .as_array()
        .is_some_and(|sets| !sets.is_empty() && sets.iter().all(|s| s.as_object().is_some_and(|m| !m.is_empty())))
}

/// (name, where declared) of every `in: path` parameter in a list.
fn path_params(sources: &Sources, list: Option<&Value>, at: &Loc) -> Vec<(String, Loc)> {
    let Some(Value::Array(items)) = list else { return Vec::new() };
    (0..items.len())
        .filter_map(|i| {
            let (loc, p) = sources.resolve(at.child(&i.to_string())).ok()?;
            let name = p.get("name")?.as_str()?.to_string();
            (p.get("in")?.as_str()? == "path").then_some((name, loc))
        })
        .collect()
}

fn template_mismatches(sources: &Sources, path: &str, op: &Loc, declared: &[(String, Loc)]) -> Vec<Issue> {
    let variables = template_params(path);
    let mut out = Vec::new();
    for variable in &variables {
        if !declared.iter().any(|(name, _)| name == variable) {
            out.push(Issue::at(
                sources,
                LintRule::PathParams,
                op,
                format!("the path '{path}' has {{{variable}}}, but no parameter declares it (in: path)"),
            ));
        }
    }
    for (name, at) in declared {
        if !variables.contains(name) {
            out.push(Issue::at(
                sources,
                LintRule::PathParams,
                at,
                format!("path parameter '{name}' is not in the path '{path}'"),
            ));
        }
    }
    out
}

fn responses(sources: &Sources, op: &Map<String, Value>, at: &Loc, secured_by_default: bool) -> Vec<Issue> {
    let keys: Vec<String> = match op.get("responses") {
        Some(Value::Object(map)) => map.keys().map(|k| k.to_ascii_uppercase()).collect(),
        _ => Vec::new(),
    };
    let has = |exact: fn(u16) -> bool, range: &str| {
        keys.iter().any(|k| k == range || k == "DEFAULT" || k.parse::<u16>().is_ok_and(exact))
    };
    let mut out = Vec::new();
    let responses_at = at.child("responses");
    let success = keys.iter().any(|k| k == "2XX" || k.parse::<u16>().is_ok_and(|c| (200..300).contains(&c)));
    if !success {
        out.push(Issue::at(sources, LintRule::SuccessDocumented, &responses_at, "no 2xx response is documented"));
    }
    let secured = match op.get("security") {
        Some(security) => secures(security),
        None => secured_by_default,
    };
    if secured && !has(|c| c == 401, "4XX") {
        out.push(Issue::at(
            sources,
            LintRule::UnauthorizedDocumented,
            &responses_at,
            "the operation requires credentials but documents no 401 (nor 4XX or default)",
        ));
    }
    // Credentials and a missing item are no answer to a bad body.
    let about_the_body = |c: u16| (400..500).contains(&c) && ![401, 403, 404, 405].contains(&c);
    if op.contains_key("requestBody") && !has(about_the_body, "4XX") {
        out.push(Issue::at(
            sources,
            LintRule::ClientErrorDocumented,
            &responses_at,
            "the operation takes a request body but documents no 4xx (400, 422, …) for one it refuses",
        ));
    }
    out
}
