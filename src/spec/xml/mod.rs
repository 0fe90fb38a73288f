//! XML bodies (`application/xml`, `text/xml`, `*+xml`): values written as XML the way the
//! schema's `xml` objects describe (name, attribute, wrapped, namespace, prefix), and XML
//! read back into the value the schema describes, so one validator judges JSON and XML.

mod decode;
mod encode;
mod schema;

use bytes::Bytes;
use serde_json::Value;

use crate::spec::{SchemaId, Schemas, is_json_media};

pub use decode::Scalar;

pub use super::media::is_xml_media;

/// A documented example as an XML document; a string example is taken to be XML already
/// and sent as it is.
pub fn encode(schemas: &Schemas, schema: Option<SchemaId>, value: &Value) -> Bytes {
    match value {
        Value::String(text) => Bytes::from(text.clone()),
        _ => Bytes::from(encode::document(schemas, schema.map(|id| schemas.get(id)), value)),
    }
}

/// An XML body as the JSON value its schema describes; `Err` says why it is not XML.
pub fn decode(schemas: &Schemas, schema: Option<&Value>, body: &[u8], scalar: &Scalar<'_>) -> Result<Value, String> {
    decode::document(schemas, schema, body, scalar)
}

/// A generated value as the body of a documented media type: XML for XML types, JSON for JSON types,
/// and a string as it is for any other type (`text/plain`, `application/octet-stream`).
pub fn body(schemas: &Schemas, media: &str, schema: Option<SchemaId>, value: &Value) -> Bytes {
    // A generated value is never XML text already: even a string becomes an element.
    if is_xml_media(media) {
        return Bytes::from(encode::document(schemas, schema.map(|id| schemas.get(id)), value));
    }
    match value {
        Value::String(s) if !is_json_media(media) => Bytes::from(s.clone()),
        _ => Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
    }
}
