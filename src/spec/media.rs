//! Media type names, read with the `mime` crate: what a document's content key or a
//! `Content-Type` header stands for. Documents in the wild carry names `mime` refuses
//! (`application/json;`, a stray space); those keep their text before any `;`, so a document
//! with an odd key is still served.

use std::borrow::Cow;

use mime::Mime;

/// A media type name as parsed: `type/subtype` lower-case, and the parameters we use.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaName {
    /// `type/subtype`, lower-case (`application/vnd.api+json`, `*/*`).
    pub essence: String,
    /// The multipart boundary, when given.
    pub boundary: Option<String>,
    /// The Accept quality (`q=0.5`); 1 unless given.
    pub quality: f32,
}

impl MediaName {
    pub fn parse(name: &str) -> MediaName {
        match name.trim().parse::<Mime>() {
            Ok(mime) => MediaName {
                essence: mime.essence_str().to_ascii_lowercase(),
                boundary: mime.get_param(mime::BOUNDARY).map(|b| b.as_str().to_string()),
                quality: mime.get_param("q").and_then(|q| q.as_str().parse().ok()).unwrap_or(1.0),
            },
            Err(_) => MediaName { essence: essence(name).into_owned(), boundary: None, quality: 1.0 },
        }
    }

    /// `type` and `subtype`.
    pub fn parts(&self) -> Option<(&str, &str)> {
        self.essence.split_once('/')
    }
}

/// `type/subtype` of a name, lower-case, parameters dropped.
pub fn essence(name: &str) -> Cow<'_, str> {
    match name.trim().parse::<Mime>() {
        Ok(mime) => Cow::Owned(mime.essence_str().to_ascii_lowercase()),
        // The name as written up to its parameters: what the document meant.
        Err(_) => {
            let text = name.split(';').next().unwrap_or("").trim();
            match text.bytes().any(|b| b.is_ascii_uppercase()) {
                true => Cow::Owned(text.to_ascii_lowercase()),
                false => Cow::Borrowed(text),
            }
        }
    }
}

/// JSON or `+json` (and `*/*`, which is served as JSON).
pub fn is_json_media(name: &str) -> bool {
    let essence = essence(name);
    essence == "application/json" || essence.ends_with("+json") || essence == "text/json" || essence == "*/*"
}

/// `application/xml`, `text/xml` and any `+xml` type.
pub fn is_xml_media(name: &str) -> bool {
    let essence = essence(name);
    essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml")
}

/// The Content-Type to send for a documented, possibly wildcard, media type.
pub fn concrete_type(media: &str) -> Cow<'_, str> {
    let essence = essence(media);
    match essence.as_ref() {
        "*/*" | "application/*" => Cow::Borrowed("application/json"),
        e if e.contains("*+json") => Cow::Borrowed("application/json"),
        "text/*" => Cow::Borrowed("text/plain"),
        _ => essence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_their_essence() {
        let table = [
            ("application/json", "application/json"),
            ("Application/JSON; charset=utf-8", "application/json"),
            ("application/vnd.api+json;version=2", "application/vnd.api+json"),
            ("application/*+json", "application/*+json"),
            ("*/*", "*/*"),
            // Names mime refuses still mean what they say.
            ("application/json;", "application/json"),
            ("text/plain ; charset", "text/plain"),
        ];
        for (name, expected) in table {
            assert_eq!(essence(name), expected, "{name}");
        }
    }

    #[test]
    fn parameters_are_read() {
        let multipart = MediaName::parse("multipart/form-data; boundary=\"abc\"");
        assert_eq!(multipart.essence, "multipart/form-data");
        assert_eq!(multipart.boundary.as_deref(), Some("abc"));
        assert_eq!(MediaName::parse("text/html;q=0.5").quality, 0.5);
        assert_eq!(MediaName::parse("text/html").quality, 1.0);
    }

    #[test]
    fn families_and_concrete_types() {
        assert!(is_json_media("application/problem+json"));
        assert!(is_json_media("*/*"));
        assert!(!is_json_media("application/xml"));
        assert!(is_xml_media("application/atom+xml; charset=utf-8"));
        assert!(is_xml_media("TEXT/XML"));
        assert_eq!(concrete_type("application/*"), "application/json");
        assert_eq!(concrete_type("application/*+json"), "application/json");
        assert_eq!(concrete_type("text/*"), "text/plain");
        assert_eq!(concrete_type("text/csv; header=present"), "text/csv");
    }
}
