//! Which OpenAPI line a document follows, from its `openapi` or `swagger` field.

use serde_json::Value;

use super::super::error::SpecError;
use super::super::load::Sources;
use super::super::model::Version;

const SUPPORTED: &str = "only Swagger 2.0 and OpenAPI 3.0.x, 3.1.x and 3.2.x";

/// Reads the version field and refuses what we do not serve. Swagger 2.0 documents have
/// been converted to the 3.0 shape by now (they are derived documents).
pub fn detect(sources: &Sources) -> Result<(Version, String), SpecError> {
    let root = sources.root();
    let name = sources.root_name();
    let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    if let Some(swagger) = root.get("swagger") {
        let v = text(swagger);
        if sources.is_derived() && v.trim() == "2.0" {
            return Ok((Version::V20, v));
        }
        return Err(SpecError::at(name, "/swagger", format!("Swagger {v} is not supported ({SUPPORTED})")));
    }
    let Some(openapi) = root.get("openapi") else {
        return Err(SpecError::file(
            name,
            "not an OpenAPI document: it has neither an `openapi` field (OpenAPI 3) nor `swagger: \"2.0\"`",
        ));
    };
    // A YAML `openapi: 3.1` is a number; its text is still the version.
    let v = text(openapi);
    let Some(version) = line(&v) else {
        return Err(SpecError::at(name, "/openapi", format!("OpenAPI version {v} is not supported ({SUPPORTED})")));
    };
    Ok((version, v))
}

/// `3.0.x` → 3.0 rules; `3.1.x` and `3.2.x` → 3.1 rules (3.2 only adds to 3.1). The patch
/// part may be missing (`3.1`) but not malformed: `3.10` is not 3.1.
fn line(text: &str) -> Option<Version> {
    let mut parts = text.trim().splitn(3, '.');
    let (major, minor, patch) = (parts.next()?, parts.next()?, parts.next());
    let patch_ok = patch.is_none_or(|p| p.starts_with(|c: char| c.is_ascii_digit()));
    match (major, minor) {
        ("3", "0") if patch_ok => Some(Version::V30),
        ("3", "1" | "2") if patch_ok => Some(Version::V31),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_versions_are_whole_numbers() {
        assert_eq!(line("3.1.0"), Some(Version::V31));
        assert_eq!(line("3.2"), Some(Version::V31));
        assert_eq!(line("3.0.3"), Some(Version::V30));
        assert_eq!(line("3.10.0"), None);
        assert_eq!(line("3.0.x"), None);
        assert_eq!(line("2.0"), None);
    }
}
