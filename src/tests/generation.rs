//! The generator against every schema the project can reach: valid for every seed, the
//! same bytes for the same seed, every keyword honoured, values that read like real ones,
//! and failures that name the schema at fault.

use std::collections::BTreeSet;
use std::time::Instant;

use serde_json::{Value, json};

use super::common::{Answer, client, data, shared_dir, start};
use crate::generate::generate;
use crate::spec::{Api, SchemaId};

const SEEDS: u64 = 50;

fn response_schemas(api: &Api) -> BTreeSet<u32> {
    api.operations
        .iter()
        .flat_map(|op| op.responses.iter())
        .flat_map(|r| r.content.iter())
        .filter_map(|m| m.schema.map(|SchemaId(i)| i))
        .collect()
}

/// Generates SEEDS bodies per response schema and validates each; returns (schemas, samples, misses).
fn prove(name: &str, api: &Api) -> (usize, usize, Vec<String>) {
    let schemas = response_schemas(api);
    let mut misses = Vec::new();
    let mut samples = 0;
    for &index in &schemas {
        let id = SchemaId(index);
        let validator = api.schemas.validator(id).expect("compiles");
        for seed in 0..SEEDS {
            samples += 1;
            match generate(&api.schemas, id, seed) {
                Ok(value) if validator.is_valid(&value) => {}
                Ok(value) => {
                    misses.push(format!("{name}: {} seed {seed}: invalid body {value}", api.schemas.origin(id)))
                }
                Err(e) => misses.push(format!("{name}: seed {seed}: {e}")),
            }
        }
    }
    (schemas.len(), samples, misses)
}

#[test]
fn every_response_schema_generates_valid_bodies() {
    let started = Instant::now();
    let mut documents: Vec<(String, Api)> =
        crate::spec::BUILTINS.iter().map(|b| (b.file.to_string(), b.load().expect("built-in loads"))).collect();
    match shared_dir() {
        Some(shared) => {
            let mut files: Vec<_> = walk(&shared.join("vendor-specs"));
            files.sort();
            for file in files {
                // Files that do not load (Swagger 2.0) are covered by the loading tests.
                if let Ok(api) = crate::spec::load_file(&file) {
                    documents.push((file.display().to_string(), api));
                }
            }
        }
        None => eprintln!("skipped the vendor files: ../shared/vendor-specs is not beside this checkout"),
    }
    let (mut schema_count, mut sample_count, mut misses) = (0, 0, Vec::new());
    for (name, api) in &documents {
        let (schemas, samples, missed) = prove(name, api);
        eprintln!("{name}: {schemas} response schemas, {samples} samples, {} misses", missed.len());
        schema_count += schemas;
        sample_count += samples;
        misses.extend(missed);
    }
    eprintln!(
        "checked {schema_count} response schemas in {} documents with {sample_count} samples ({SEEDS} seeds each) in {:?}",
        documents.len(),
        started.elapsed()
    );
    assert!(
        misses.is_empty(),
        "{} misses, first ones:\n{}",
        misses.len(),
        misses.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")) {
            out.push(path);
        }
    }
    out
}

#[test]
fn the_same_seed_gives_the_same_value_for_every_builtin_schema() {
    for builtin in crate::spec::BUILTINS {
        let api = builtin.load().unwrap();
        for index in response_schemas(&api) {
            let id = SchemaId(index);
            let first = serde_json::to_vec(&generate(&api.schemas, id, 42).unwrap()).unwrap();
            let second = serde_json::to_vec(&generate(&api.schemas, id, 42).unwrap()).unwrap();
            assert_eq!(first, second, "{}", api.schemas.origin(id));
        }
    }
}

#[test]
fn every_keyword_is_honoured() {
    let api = crate::spec::load_file(std::path::Path::new(&data("keywords.yaml"))).unwrap();
    let schemas = response_schemas(&api);
    assert!(!schemas.is_empty());
    for index in schemas {
        let id = SchemaId(index);
        let validator = api.schemas.validator(id).unwrap();
        for seed in 0..200 {
            let value = generate(&api.schemas, id, seed).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert!(validator.is_valid(&value), "seed {seed}: {value}");
        }
    }
}

/// A document whose every path answers GET with 200 and its schema, as JSON.
fn document(title: &str, paths: &[(&str, Value)], schemas: Value) -> String {
    let paths: serde_json::Map<String, Value> = paths
        .iter()
        .map(|(path, schema)| {
            let ok = json!({"description": "ok", "content": {"application/json": {"schema": schema}}});
            (path.to_string(), json!({"get": {"responses": {"200": ok}}}))
        })
        .collect();
    let info = json!({"title": title, "version": "1"});
    json!({"openapi": "3.1.0", "info": info, "paths": paths, "components": {"schemas": schemas}}).to_string()
}

/// Schemas the generator used to answer 500 for, though values exist: every seed must work.
fn satisfiable() -> String {
    let optional = json!({
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "extra": {"type": "array", "contains": {"const": 42}, "items": {"type": "integer"}},
            "never": {"allOf": [{"type": "string"}, {"type": "integer"}]},
            "unreachable": {"type": "integer", "multipleOf": 2, "not": {"multipleOf": 2}}
        }
    });
    let overlap = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["overlap", "pp", "dep"],
        "properties": {
            "overlap": {"oneOf": [
                {"type": "integer", "minimum": 0, "maximum": 10},
                {"type": "integer", "minimum": 5, "maximum": 20}
            ]},
            "pp": {
                "type": "object",
                "patternProperties": {"^x-[a-z]+$": {"type": "integer"}},
                "additionalProperties": false,
                "minProperties": 1
            },
            "dep": {
                "type": "object",
                "dependentRequired": {"a": ["b"]},
                "properties": {"a": {"type": "string"}, "b": {"type": "string"}}
            }
        }
    });
    let paths = [
        ("/not", json!({"not": {"type": "string"}})),
        (
            "/cond",
            json!({
                "type": "object",
                "if": {"properties": {"t": {"const": "a"}}},
                "then": {"required": ["a"]},
                "else": {"required": ["b"]},
                "properties": {"t": {"enum": ["a", "b"]}}
            }),
        ),
        (
            "/contains",
            json!({"type": "array", "contains": {"const": 42}, "minContains": 2, "items": {"type": "integer"}}),
        ),
        ("/optional", optional),
        ("/overlap", overlap),
    ];
    document("satisfiable", &paths, json!({}))
}

/// A schema nested `levels` deep without recursion: a list of one list of one list …
fn nested(levels: usize) -> String {
    let mut schema = json!({"type": "integer"});
    for _ in 0..levels {
        schema = json!({"type": "array", "minItems": 1, "maxItems": 1, "items": schema});
    }
    document("deep", &[("/deep", schema)], json!({}))
}

#[test]
fn satisfiable_schemas_generate_for_every_seed() {
    for (name, text) in [("satisfiable.json", satisfiable()), ("deep.json", nested(60))] {
        let api = crate::spec::load_text(name, &text).unwrap();
        for index in response_schemas(&api) {
            let id = SchemaId(index);
            let validator = api.schemas.validator(id).unwrap();
            for seed in 0..60 {
                let value = generate(&api.schemas, id, seed).unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
                assert!(validator.is_valid(&value), "{name} seed {seed}: {value}");
                // Optional properties that cannot be generated are left out, not fatal.
                for absent in ["never", "unreachable"] {
                    assert!(value.get(absent).is_none(), "{value}");
                }
            }
        }
    }
}

/// Schemas no value satisfies, each failing in a different, nested place.
fn unsatisfiable_document() -> String {
    let lengths = json!({
        "type": "object",
        "required": ["outer"],
        "properties": {"outer": {
            "type": "object",
            "required": ["code"],
            "properties": {"code": {"type": "string", "minLength": 3, "maxLength": 2}}
        }}
    });
    let negation = json!({
        "type": "object",
        "required": ["even"],
        "properties": {"even": {"type": "integer", "multipleOf": 2, "not": {"multipleOf": 2}}}
    });
    let schemas = json!({
        "Root": {"type": "object", "required": ["member"], "properties": {"member": {"$ref": "#/components/schemas/Member"}}},
        "Member": {"type": "object", "required": ["kind"], "properties": {"kind": {"allOf": [{"type": "string"}, {"type": "integer"}]}}}
    });
    let paths =
        [("/types", json!({"$ref": "#/components/schemas/Root"})), ("/lengths", lengths), ("/negation", negation)];
    document("unsatisfiable", &paths, schemas)
}

#[tokio::test]
async fn failures_name_the_deepest_subschema_and_deep_nesting_is_not_recursion() {
    let dir = std::env::temp_dir().join(format!("specmock-unsatisfiable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (unsatisfiable, deep, deeper) =
        (dir.join("unsatisfiable.json"), dir.join("deep.json"), dir.join("deeper.json"));
    std::fs::write(&unsatisfiable, unsatisfiable_document()).unwrap();
    std::fs::write(&deep, nested(60)).unwrap();
    // Deeper than any document can be written inline: a chain of $refs, 200 levels.
    let mut schemas = serde_json::Map::new();
    for i in 0..200 {
        let next = json!({"$ref": format!("#/components/schemas/L{}", i + 1)});
        schemas.insert(format!("L{i}"), json!({"type": "object", "required": ["next"], "properties": {"next": next}}));
    }
    schemas.insert("L200".into(), json!({"type": "integer"}));
    let chain = document("chain", &[("/deep", json!({"$ref": "#/components/schemas/L0"}))], Value::Object(schemas));
    std::fs::write(&deeper, chain).unwrap();
    let specs = [unsatisfiable.to_str().unwrap(), deep.to_str().unwrap(), deeper.to_str().unwrap()];
    let server = start(&specs, |b| b).await;
    let detail = |path: &'static str| {
        let url = server.url(path);
        async move {
            let answer = Answer::of(client().get(url)).await;
            (answer.status, answer.json()["detail"].as_str().unwrap_or_default().to_string())
        }
    };
    for (path, needle) in [
        ("/unsatisfiable/types", "#/components/schemas/Member/properties/kind: the schema admits no value"),
        ("/unsatisfiable/lengths", "/properties/outer/properties/code: minLength 3 is greater than maxLength 2"),
        ("/unsatisfiable/negation", "/schema/properties/even: generated values keep failing validation"),
        ("/deeper/deep", "nests deeper than 128 levels"),
    ] {
        let (status, detail) = detail(path).await;
        assert_eq!(status, 500, "{path}");
        assert!(detail.contains(needle), "{path}: {detail}");
    }
    let (status, detail) = detail("/deep/deep").await;
    assert_eq!(status, 200, "60 levels without recursion are fine: {detail}");
    server.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Lower-case words of a property name (`primaryEmailAddressId` → primary email address id).
fn words(name: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() || (c.is_ascii_uppercase() && previous_lower) {
            out.push(String::new());
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        if c.is_ascii_alphanumeric() {
            out.last_mut().unwrap().push(c.to_ascii_lowercase());
        }
    }
    out.retain(|w| !w.is_empty());
    out
}

fn instant(value: &serde_json::Value) -> Option<i128> {
    match value {
        serde_json::Value::Number(n) => n.as_i64().map(i128::from),
        serde_json::Value::String(s) => s.parse::<jiff::Timestamp>().ok().map(|t| t.as_nanosecond() / 1_000_000),
        _ => None,
    }
}

/// What a reader would find odd in a generated value.
fn oddities(value: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let w = words(key);
                let last = w.last().map(String::as_str).unwrap_or("");
                let text = v.as_str();
                if last == "id" && text.is_some_and(|t| t.contains('@') || t.contains(' ')) {
                    out.push(format!("{at}/{key} is an id but reads {v}"));
                }
                if last == "strategies"
                    && v.as_array().is_some_and(|a| a.iter().any(|s| s.as_str().is_some_and(|s| s.contains('@'))))
                {
                    out.push(format!("{at}/{key} are strategies, not emails: {v}"));
                }
                if (key == "username" || key == "user_name") && text.is_some_and(|t| t.contains(' ')) {
                    out.push(format!("{at}/{key} has a space: {v}"));
                }
            }
            let find = |first: &[&str]| {
                map.iter().find(|(k, _)| {
                    let w = words(k);
                    w.first().is_some_and(|f| first.contains(&f.as_str()))
                        && matches!(w.last().map(String::as_str), Some("at" | "time" | "date"))
                })
            };
            if let (Some((ck, c)), Some((uk, u))) =
                (find(&["created", "create", "creation"]), find(&["updated", "update", "change", "changed"]))
                && let (Some(c), Some(u)) = (instant(c), instant(u))
                && u < c
            {
                out.push(format!("{at}: {uk} is earlier than {ck}"));
            }
            let lists: Vec<usize> = map.values().filter_map(Value::as_array).map(Vec::len).collect();
            for key in ["total_count", "total_size", "totalCount", "total"] {
                if let (Some(total), [len]) = (map.get(key).and_then(Value::as_u64), lists.as_slice())
                    && total != *len as u64
                {
                    out.push(format!("{at}/{key} is {total} beside {len} items"));
                }
            }
            for (key, v) in map {
                oddities(v, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| oddities(v, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

#[test]
fn generated_values_read_like_real_ones() {
    let mut documents: Vec<(String, Api)> =
        crate::spec::BUILTINS.iter().map(|b| (b.file.to_string(), b.load().expect("built-in loads"))).collect();
    match shared_dir() {
        Some(shared) => {
            for file in ["clerk/bapi/2025-11-10.yml", "clerk/fapi/2025-11-10.yml"] {
                let path = shared.join("vendor-specs").join(file);
                documents.push((file.to_string(), crate::spec::load_file(&path).expect("vendor file loads")));
            }
        }
        None => eprintln!("skipped the Clerk vendor files: ../shared/vendor-specs is not beside this checkout"),
    }
    let mut found = Vec::new();
    for (name, api) in &documents {
        for index in response_schemas(api) {
            for seed in 0..10 {
                if let Ok(value) = generate(&api.schemas, SchemaId(index), seed) {
                    let mut odd = Vec::new();
                    oddities(&value, "", &mut odd);
                    found.extend(
                        odd.into_iter()
                            .map(|o| format!("{name} {} seed {seed}: {o}", api.schemas.origin(SchemaId(index)))),
                    );
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} oddities, first ones:\n{}",
        found.len(),
        found.iter().take(15).cloned().collect::<Vec<_>>().join("\n")
    );
}
