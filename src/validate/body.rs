//! Bodies: which documented media type a Content-Type selects, and turning bytes into JSON.

use serde_json::Value;

use super::coerce;
use super::{Part, Violation};
use crate::spec::{MediaType, Schemas, is_json_media, media};

/// A parsed `Content-Type` header.
pub use crate::spec::MediaName as ContentType;

pub fn parse_content_type(value: &str) -> ContentType {
    ContentType::parse(value)
}

/// How well a documented media range covers a concrete type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MediaMatch {
    Exact,
    Wildcard,
}

fn covers(range: &str, essence: &str) -> Option<MediaMatch> {
    let range = media::essence(range);
    if range == essence {
        return Some(MediaMatch::Exact);
    }
    let (rt, rs) = range.split_once('/')?;
    let (et, es) = essence.split_once('/')?;
    let type_ok = rt == "*" || rt == et;
    let sub_ok = rs == "*" || rs == es || rs.strip_prefix('*').is_some_and(|suffix| es.ends_with(suffix));
    (type_ok && sub_ok).then_some(MediaMatch::Wildcard)
}

/// The documented media type for a request's essence: exact match first, then ranges.
pub fn match_media<'m>(documented: &'m [MediaType], essence: &str) -> Option<&'m MediaType> {
    documented.iter().filter_map(|m| covers(&m.name, essence).map(|q| (q, m))).min_by_key(|(q, _)| *q).map(|(_, m)| m)
}

/// Why a body could not be read as its media type; becomes a `parse` violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

impl Unreadable {
    pub fn into_violation(self) -> Violation {
        Violation::whole(Part::Body, "parse", self.0)
    }
}

/// Decodes a body for validation. `Ok(None)`: a binary type we do not look into.
pub fn decode(
    schemas: &Schemas,
    media: &MediaType,
    content_type: &ContentType,
    body: &[u8],
) -> Result<Option<Value>, Unreadable> {
    let essence = content_type.essence.as_str();
    let schema = media.schema.map(|id| schemas.get(id));
    if is_json_media(essence) {
        let body = super::numbers::exact_integers(body);
        return serde_json::from_slice(&body).map(Some).map_err(|e| Unreadable(json_error(&e)));
    }
    if crate::spec::is_xml_media(essence) {
        let scalar = |schema: Option<&Value>, text: &str| coerce::scalar(schemas, schema, text);
        return crate::spec::xml::decode(schemas, schema, body, &scalar).map(Some).map_err(Unreadable);
    }
    if essence == "application/x-www-form-urlencoded" {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        return Ok(Some(coerce::object(schemas, schema, &pairs)));
    }
    if essence == "multipart/form-data" {
        return super::multipart::decode(schemas, schema, content_type, body).map(Some);
    }
    if essence.starts_with("text/") {
        return match std::str::from_utf8(body) {
            Ok(text) => Ok(Some(coerce::scalar(schemas, schema, text))),
            Err(e) => Err(Unreadable(format!("the body is not valid UTF-8 ({e})"))),
        };
    }
    Ok(None)
}

/// Fields of a urlencoded body whose `encoding` refuses reserved characters
/// (`allowReserved: false`) but that carry them unescaped. `+` is a space in forms.
pub fn reserved_violations(media: &MediaType, body: &[u8]) -> Vec<Violation> {
    const RESERVED: &[u8] = b":/?#[]@!$'()*,;=";
    if media.reserved_escaped.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for pair in body.split(|b| *b == b'&') {
        let (key, raw) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => continue,
        };
        let name: String = form_urlencoded::parse(key).map(|(k, _)| k.into_owned()).next().unwrap_or_default();
        if !media.reserved_escaped.contains(&name) {
            continue;
        }
        let mut found: Vec<char> = raw.iter().filter(|b| RESERVED.contains(b)).map(|b| *b as char).collect();
        found.dedup();
        if !found.is_empty() && !out.iter().any(|v: &Violation| v.field == name) {
            let shown: Vec<String> = found.iter().map(|c| format!("'{c}'")).collect();
            let mut v = Violation::new(
                Part::Body,
                &name,
                "allowReserved",
                format!("{name} contains reserved characters ({}) that must be percent-encoded", shown.join(", ")),
            );
            v.pointer = crate::spec::pointer::push("", &name);
            out.push(v);
        }
    }
    out
}

/// A JSON syntax error, with the parser's line and column.
pub fn json_error(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "the JSON body ends early",
        _ => "the body is not valid JSON",
    };
    let text = e.to_string();
    // serde_json appends " at line L column C"; we say it our way.
    let reason = text.split(" at line ").next().unwrap_or(&text);
    format!("{what}: {reason} (line {}, column {})", e.line(), e.column())
}
