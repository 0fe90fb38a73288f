//! What would stop a response schema from compiling, found without compiling it. Response
//! validators are built on first use (see [`Schemas::compile_responses`]); compiling each at
//! start-up to find errors was half of a large document's start-up, because every answer's
//! validator walks the same large `$ref` trees again. The errors a build can meet in a
//! bundled schema are a keyword the meta-schema refuses and a `pattern` the regex engine
//! refuses; both are checked here once per schema, linearly.

use std::collections::HashSet;

use serde_json::Value;

use super::dialect::Side;
use super::error::SpecError;
use super::schemas::{SchemaId, Schemas};

/// Keywords whose values are data, not schemas: a `pattern` inside an example is no regex.
const DATA: [&str; 5] = ["example", "examples", "default", "enum", "const"];

impl Schemas {
    /// Every response schema an operation uses, and every schema it reaches through `$ref`,
    /// checked against the meta-schema and for regexes that do not compile.
    pub(super) fn precheck_responses(&self) -> Result<(), SpecError> {
        let mut seen = HashSet::new();
        let mut todo: Vec<SchemaId> = self.roots(Side::Response).collect();
        // Each schema once: the walk is bounded by the number of schemas.
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            let schema = self.get(id);
            let failure = jsonschema::meta::validate(schema).err().map(|e| e.to_string()).or_else(|| {
                let mut patterns = Vec::new();
                walk(schema, &mut patterns, &mut |r| todo.extend(self.id_of(r)));
                patterns.into_iter().find_map(|p| self.regex_error(p))
            });
            if let Some(message) = failure {
                let origin = self.origin(id);
                let (file, pointer) = origin.split_once(": #").unwrap_or((origin, ""));
                return Err(SpecError::at(file, pointer, format!("schema does not compile: {message}")));
            }
        }
        Ok(())
    }
}

/// The `pattern`s and `patternProperties` names of a schema, and its `$ref`s.
fn walk<'v>(value: &'v Value, patterns: &mut Vec<&'v str>, refs: &mut impl FnMut(&str)) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("pattern", Value::String(p)) => patterns.push(p),
                    ("$ref", Value::String(r)) => refs(r),
                    ("patternProperties", Value::Object(by)) => {
                        patterns.extend(by.keys().map(String::as_str));
                        by.values().for_each(|s| walk(s, patterns, refs));
                    }
                    (data, _) if DATA.contains(&data) => {}
                    _ => walk(child, patterns, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| walk(item, patterns, refs)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(document: &str) -> Result<(), SpecError> {
        crate::spec::load_text("t.yaml", document).and_then(|api| api.schemas.precheck_responses())
    }

    fn answering(schema: &str) -> String {
        format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /x:\n    get:\n      responses:\n        \
             '200':\n          description: ok\n          content:\n            application/json:\n              \
             schema: {schema}\ncomponents:\n  schemas:\n    Bad: {{type: string, pattern: '(['}}\n    \
             Fine: {{type: string, pattern: '^[a-z]+$', example: {{pattern: '(('}}}}\n"
        )
    }

    #[test]
    fn broken_regexes_and_keywords_are_found_where_they_are_reached() {
        let table = [
            ("{type: string, pattern: '([a-z'}", Some("#/paths/~1x/get/responses/200")),
            ("{type: object, patternProperties: {'(': {type: string}}}", Some("#/paths/~1x/get/responses/200")),
            ("{type: 42}", Some("#/paths/~1x/get/responses/200")),
            ("{$ref: '#/components/schemas/Bad'}", Some("#/components/schemas/Bad")),
            ("{type: array, items: {$ref: '#/components/schemas/Bad'}}", Some("#/components/schemas/Bad")),
            ("{$ref: '#/components/schemas/Fine'}", None),
            ("{type: string, pattern: '^\\d{3}$'}", None),
        ];
        for (schema, failing_at) in table {
            let result = check(&answering(schema));
            match (failing_at, result) {
                (None, Ok(())) => {}
                (Some(at), Err(e)) => {
                    let pointer = e.pointer.clone().unwrap_or_default();
                    assert!(
                        pointer.starts_with(at.trim_start_matches('#')) || pointer.starts_with(at),
                        "{schema}: {e}"
                    );
                }
                (expected, got) => panic!("{schema}: expected an error at {expected:?}, got {got:?}"),
            }
        }
    }
}
