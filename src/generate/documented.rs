//! The document's own values: a schema's `examples`, `example` and `default` win over
//! invented ones, and a defaulted property is always present.

use crate::spec::keyword::Keyword;
use rand::RngExt;
use serde_json::{Map, Value};

use super::generator::Generator;

impl Generator<'_> {
    /// The value the document gives: `examples` (one of them), `example`, then `default`
    /// (`null` included). Where the schema is written (`raw`, a `$ref` with siblings) speaks
    /// before what it refers to.
    pub(super) fn documented(&mut self, raw: &Value, map: &Map<String, Value>) -> Option<Value> {
        for source in [raw.as_object(), Some(map)].into_iter().flatten() {
            if let Some(Value::Array(examples)) = source.kw("examples")
                && !examples.is_empty()
            {
                return Some(examples[self.rng.random_range(0..examples.len())].clone());
            }
            if let Some(value) = source.kw("example").or_else(|| source.kw("default")) {
                return Some(value.clone());
            }
        }
        None
    }

    /// Whether the document gives the schema a `default`, on it or where its `$ref` leads:
    /// such properties are always present, as a server fills them in.
    pub fn defaulted(&self, schema: &Value) -> bool {
        let mut current = schema;
        for _ in 0..16 {
            if current.kw("default").is_some() {
                return true;
            }
            match self.schemas.follow(current) {
                Some(target) => current = target,
                None => return false,
            }
        }
        false
    }
}
