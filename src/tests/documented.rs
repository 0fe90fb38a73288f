//! Generation honours the document first: a property's `example`, `examples` and `default`
//! (null included) win over invented values, and defaulted properties are always present.

use std::collections::BTreeSet;

use super::common::data;
use crate::generate::{generate, generate_fresh};
use serde_json::{Value, json};

#[test]
fn documented_values_win_at_every_level_for_every_seed() {
    let api = crate::spec::load_file(std::path::Path::new(&data("documented-values.yaml"))).expect("loads");
    let schema = api.operations[0].responses[0].content[0].schema.expect("a schema");
    let mut names = BTreeSet::new();
    for seed in 0..200 {
        for value in [generate(&api.schemas, schema, seed), generate_fresh(&api.schemas, schema, seed)] {
            let value = value.expect("generates");
            assert_eq!(value["starting_after"], Value::Null, "seed {seed}: {value}");
            assert_eq!(value["limit"], json!(0), "seed {seed}: {value}");
            assert_eq!(value["order"], "desc", "seed {seed}: {value}");
            if let Some(greeting) = value.get("greeting") {
                assert_eq!(greeting, "hello", "seed {seed}: {value}");
            }
            if let Some(motto) = value.get("meta").and_then(|m| m.get("motto")) {
                assert_eq!(motto, "hello", "seed {seed}: {value}");
            }
            if let Some(tags) = value.get("tags") {
                assert_eq!(tags, &json!(["a", "b"]), "seed {seed}: {value}");
            }
            if let Some(region) = value.get("region") {
                assert_eq!(region, "eu-west-1", "seed {seed}: {value}");
            }
            if let Some(name) = value.get("name") {
                names.insert(name.to_string());
            }
        }
    }
    // Where the document says nothing, values are still invented, and differ.
    assert!(names.len() > 3, "{names:?}");
}

#[test]
fn defaulted_properties_are_present_even_deep_down() {
    let api = crate::spec::load_file(std::path::Path::new(&data("documented-values.yaml"))).expect("loads");
    let schema = api.operations[0].responses[0].content[0].schema.expect("a schema");
    for seed in 0..50 {
        let value = generate(&api.schemas, schema, seed).expect("generates");
        assert_eq!(value.pointer("/deep/deeper/deepest/level/count"), Some(&json!(3)), "seed {seed}: {value}");
    }
}
