//! YAML is read one way everywhere: with YAML 1.2 scalars, as OpenAPI means it. Under
//! YAML 1.1 rules `no`, `on` and `y` become booleans (an enum of country codes loses
//! Norway) and `1_000` becomes 1000; here they stay the strings they were written as.

use serde::de::DeserializeOwned;

/// Parses YAML text; the error is the parser's message with its position.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        underscored_numbers_as_strings: true,
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let message = e.to_string();
        message.strip_prefix("error: ").unwrap_or(&message).to_string()
    })
}
