//! `discriminator`: the generated branch carries its tag (the dialect makes a known tag pick
//! its branch, so overlapping branches are told apart).

use crate::spec::keyword::Keyword;
use serde_json::{Map, Value};

use super::generator::Generator;

impl Generator<'_> {
    /// Sets the discriminator property to the tag of the branch that was generated.
    pub(super) fn discriminate(&self, discriminator: &Value, branch: &Value, object: &mut Map<String, Value>) {
        let Some(property) = discriminator.kw("propertyName").and_then(Value::as_str) else { return };
        let Some(origin) = branch.kw("$ref").and_then(Value::as_str).and_then(|r| self.schemas.origin_of(r)) else {
            return;
        };
        let pointer = origin.split_once(": #").map(|(_, p)| p).unwrap_or("");
        let tag = discriminator
            .kw("mapping")
            .and_then(Value::as_object)
            .and_then(|m| {
                m.iter().find(|(_, target)| target.as_str().is_some_and(|t| t.ends_with(&format!("#{pointer}"))))
            })
            .map(|(tag, _)| tag.clone())
            .or_else(|| pointer.rsplit('/').next().map(str::to_string));
        if let Some(tag) = tag
            && !object.get(property).is_some_and(|v| v.is_string())
        {
            object.insert(property.to_string(), Value::String(tag));
        }
    }
}
