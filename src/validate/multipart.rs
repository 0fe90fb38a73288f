//! `multipart/form-data` bodies: each part a field, files opaque.

use bytes::Bytes;
use futures_util::FutureExt;
use serde_json::Value;

use super::body::{ContentType, Unreadable};
use super::coerce;
use crate::spec::Schemas;

/// Decodes a multipart body into an object of its fields. Part headers with bytes HTTP
/// does not allow in a header (control characters in a name) are read again with those
/// bytes percent-escaped, so the field is judged by its name rather than the body refused.
pub fn decode(schemas: &Schemas, schema: Option<&Value>, ct: &ContentType, body: &[u8]) -> Result<Value, Unreadable> {
    let Some(boundary) = ct.boundary.clone() else {
        return Err(Unreadable("multipart/form-data needs a boundary parameter in Content-Type".into()));
    };
    match fields(body, &boundary) {
        Err(Failure::Headers(_)) => fields(&escaped_headers(body, &boundary), &boundary),
        other => other,
    }
    .map(|pairs| coerce::object(schemas, schema, &pairs))
    .map_err(|f| Unreadable(f.message()))
}

enum Failure {
    /// A part's headers could not be read.
    Headers(String),
    Other(String),
}

impl Failure {
    fn message(self) -> String {
        match self {
            Failure::Headers(m) | Failure::Other(m) => m,
        }
    }
}

fn fields(body: &[u8], boundary: &str) -> Result<Vec<(String, String)>, Failure> {
    let fail = Failure::Other;
    let data = Bytes::copy_from_slice(body);
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(data) });
    let mut form = multer::Multipart::new(stream, boundary.to_string());
    let mut pairs = Vec::new();
    // The whole body is already in memory, so every future here is ready at once.
    loop {
        let field = match form.next_field().now_or_never() {
            Some(Ok(Some(field))) => field,
            Some(Ok(None)) => break,
            Some(Err(e @ (multer::Error::ReadHeaderFailed(_) | multer::Error::DecodeHeaderValue { .. }))) => {
                return Err(Failure::Headers(format!("malformed multipart body: {e}")));
            }
            Some(Err(e)) => return Err(fail(format!("malformed multipart body: {e}"))),
            None => return Err(fail("malformed multipart body: truncated".into())),
        };
        let name = field.name().unwrap_or("").to_string();
        let is_file = field.file_name().is_some();
        let bytes = match field.bytes().now_or_never() {
            Some(Ok(b)) => b,
            Some(Err(e)) => return Err(fail(format!("malformed multipart part '{name}': {e}"))),
            None => return Err(fail(format!("malformed multipart part '{name}': truncated"))),
        };
        let text = match (is_file, std::str::from_utf8(&bytes)) {
            (false, Ok(t)) => t.to_string(),
            // Files are opaque here; a binary-format string schema accepts any text.
            _ => format!("<{} bytes>", bytes.len()),
        };
        pairs.push((name, text));
    }
    Ok(pairs)
}

/// The body with every byte a header may not hold (controls other than tab) written as
/// `%XX` inside the parts' header blocks; the data of the parts is left as it is.
fn escaped_headers(body: &[u8], boundary: &str) -> Vec<u8> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut out = Vec::with_capacity(body.len() + 32);
    let mut i = 0;
    while i < body.len() {
        if !body[i..].starts_with(delimiter) {
            out.push(body[i]);
            i += 1;
            continue;
        }
        // A delimiter: copy it and its line end, then escape its header block.
        out.extend_from_slice(delimiter);
        i += delimiter.len();
        let end = find(&body[i..], b"\r\n\r\n").map_or(body.len(), |at| i + at);
        let line_end = find(&body[i..], b"\r\n").map_or(end, |at| i + at);
        out.extend_from_slice(&body[i..line_end]);
        i = line_end;
        while i < end {
            let b = body[i];
            let allowed = b == b'\t' || b >= 0x20 && b != 0x7f || body[i..].starts_with(b"\r\n");
            if allowed {
                out.push(b);
                if body[i..].starts_with(b"\r\n") {
                    out.push(b'\n');
                    i += 1;
                }
            } else {
                out.extend_from_slice(format!("%{b:02X}").as_bytes());
            }
            i += 1;
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
