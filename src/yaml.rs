//! Documents and settings files are read one way everywhere. YAML with YAML 1.2 scalars,
//! as OpenAPI means it: under YAML 1.1 rules `no`, `on` and `y` become booleans (an enum of
//! country codes loses Norway) and `1_000` becomes 1000; here they stay strings. JSON errors
//! give the parser's line and column.

use serde::de::DeserializeOwned;

/// Parses YAML text; the error is the parser's message with its position.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        underscored_numbers_as_strings: true,
        // Nothing here reads comments; not capturing them makes large documents parse faster.
        emit_comments: false,
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let message = e.to_string();
        message.strip_prefix("error: ").unwrap_or(&message).to_string()
    })
}

/// Parses a settings file that may be JSON or YAML (tokens, seeds, fixtures): JSON when it
/// starts like JSON, with the parser's line and column; else YAML.
pub fn from_json_or_yaml<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    if text.trim_start().starts_with(['{', '[']) {
        serde_json::from_str(text).map_err(|e| invalid_json(&e))
    } else {
        from_str(text).map_err(|e| format!("invalid YAML: {e}"))
    }
}

/// A JSON parse error as files report it: `invalid JSON at line L, column C: reason`.
pub fn invalid_json(e: &serde_json::Error) -> String {
    let message = e.to_string();
    // serde_json appends " at line L column C"; it is said up front instead.
    let reason = message.split(" at line ").next().unwrap_or(&message);
    format!("invalid JSON at line {}, column {}: {reason}", e.line(), e.column())
}
