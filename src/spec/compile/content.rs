//! Request bodies, responses and their media types, headers, examples and links.

use bytes::Bytes;
use serde_json::Value;

use super::super::dialect::Side;
use super::super::error::SpecError;
use super::super::examples;
use super::super::load::Loc;
use super::super::media::{concrete_type, is_json_media};
use super::super::model::*;
use super::Compiler;

impl Compiler<'_> {
    pub(super) fn request_body(&mut self, loc: Loc) -> Result<RequestBody, SpecError> {
        let (loc, body) = self.sources.resolve(loc)?;
        let required = body.get("required").and_then(Value::as_bool).unwrap_or(false);
        let content = self.content(body.get("content"), &loc.child("content"), Side::Request)?;
        Ok(RequestBody { required, content })
    }

    pub(super) fn responses(&mut self, loc: Loc) -> Result<Vec<Response>, SpecError> {
        let (loc, responses) = self.sources.resolve(loc)?;
        let Value::Object(map) = responses else {
            return Err(self.sources.error(&loc, "responses must be a map of status codes"));
        };
        let mut out = Vec::new();
        for key in map.keys() {
            if key.starts_with("x-") {
                continue;
            }
            let status = parse_status(key).ok_or_else(|| {
                self.sources
                    .error(&loc.child(key), format!("'{key}' is not a status code, a range like 4XX, or default"))
            })?;
            let (rloc, r) = self.sources.resolve(loc.child(key))?;
            let mut headers = Vec::new();
            if let Some(Value::Object(hs)) = r.get("headers") {
                for name in hs.keys() {
                    let (hloc, h) = self.sources.resolve(rloc.child("headers").child(name))?;
                    let schema = match h.get("schema") {
                        Some(_) => Some(self.schemas.add(hloc.child("schema"), Side::Response)?),
                        None => None,
                    };
                    let example = match h.get("example").or_else(|| h.pointer("/schema/example")) {
                        Some(value) => Some(value.clone()),
                        None => match self.first_example_value(h.get("examples"), &hloc.child("examples"))? {
                            Some(value) => Some(value),
                            // The schema's example or default: a documented header is sent.
                            None => examples::header_example(self.sources, &hloc, h),
                        },
                    };
                    headers.push(HeaderDef {
                        name: name.to_ascii_lowercase(),
                        required: h.get("required").and_then(Value::as_bool).unwrap_or(false),
                        schema,
                        example,
                    });
                }
            }
            self.check_links(r.get("links"), &rloc.child("links"))?;
            out.push(Response {
                status,
                headers,
                content: self.content(r.get("content"), &rloc.child("content"), Side::Response)?,
                links: self.links(&rloc.child("links")),
            });
        }
        out.sort_by_key(|r| r.status);
        Ok(out)
    }

    /// Links are not served, but one that points nowhere is a broken document.
    fn check_links(&self, links: Option<&Value>, loc: &Loc) -> Result<(), SpecError> {
        let Some(Value::Object(links)) = links else { return Ok(()) };
        for name in links.keys() {
            self.sources.resolve(loc.child(name))?;
        }
        Ok(())
    }

    fn content(&mut self, content: Option<&Value>, loc: &Loc, side: Side) -> Result<Vec<MediaType>, SpecError> {
        let Some(content) = content else { return Ok(Vec::new()) };
        let Value::Object(map) = content else {
            return Err(self.sources.error(loc, "content must be a map of media types"));
        };
        let mut out = Vec::new();
        for name in map.keys() {
            let (mloc, media) = self.sources.resolve(loc.child(name))?;
            let name = name.to_ascii_lowercase();
            let schema = match media.get("schema") {
                Some(_) => Some(self.schemas.add(mloc.child("schema"), side)?),
                None => None,
            };
            let examples = self.examples(media, &mloc, &name)?;
            let content_type = http::HeaderValue::from_str(&concrete_type(&name))
                .unwrap_or(http::HeaderValue::from_static("application/octet-stream"));
            let reserved_escaped = media
                .get("encoding")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|(_, e)| e.get("allowReserved").and_then(Value::as_bool) == Some(false))
                .map(|(field, _)| field.clone())
                .collect();
            out.push(MediaType { name, content_type, schema, examples, reserved_escaped });
        }
        Ok(out)
    }

    /// A response's `links`; one that cannot be read is left out (it only guides `check`).
    fn links(&self, loc: &Loc) -> Vec<Link> {
        let Some(Value::Object(map)) = self.sources.get(loc) else { return Vec::new() };
        let mut out = Vec::new();
        for name in map.keys().filter(|k| !k.starts_with("x-")) {
            let Ok((_, link)) = self.sources.resolve(loc.child(name)) else { continue };
            let text = |k: &str| link.get(k).and_then(Value::as_str).map(str::to_string);
            let parameters = match link.get("parameters") {
                Some(Value::Object(p)) => p.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                _ => Vec::new(),
            };
            out.push(Link { operation_id: text("operationId"), operation_ref: text("operationRef"), parameters });
        }
        out
    }

    /// `example`, then `examples`, then the schema's own `example`/`examples`.
    fn examples(&self, media: &Value, loc: &Loc, media_name: &str) -> Result<Vec<Example>, SpecError> {
        let mut out = Vec::new();
        if let Some(value) = media.get("example") {
            out.push(example("default", value.clone(), media_name, self.origin(&loc.child("example"))));
        }
        if let Some(Value::Object(named)) = media.get("examples") {
            for key in named.keys() {
                let (at, ex) = self.sources.resolve(loc.child("examples").child(key))?;
                // externalValue points outside the document; it has no value we can serve.
                if let Some(value) = ex.get("value") {
                    out.push(example(key, value.clone(), media_name, self.origin(&at.child("value"))));
                }
            }
        }
        if out.is_empty()
            && media.get("schema").is_some()
            && let Ok((at, schema)) = self.sources.resolve(loc.child("schema"))
        {
            let own = match schema.get("example") {
                Some(value) => Some((value, at.child("example"))),
                None => schema
                    .get("examples")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .map(|v| (v, at.child("examples").child("0"))),
            };
            if let Some((value, at)) = own {
                out.push(example("schema", value.clone(), media_name, self.origin(&at)));
            }
        }
        Ok(out)
    }
}

fn example(name: &str, value: Value, media: &str, origin: String) -> Example {
    let bytes = match (&value, media.starts_with("text/") && !is_json_media(media)) {
        (Value::String(s), true) => Bytes::from(s.clone()),
        _ => Bytes::from(serde_json::to_vec(&value).unwrap_or_default()),
    };
    Example { name: name.into(), value, bytes, origin }
}

fn parse_status(key: &str) -> Option<StatusKey> {
    if key == "default" {
        return Some(StatusKey::Default);
    }
    let bytes = key.as_bytes();
    if bytes.len() == 3 && bytes[1..].eq_ignore_ascii_case(b"XX") && (b'1'..=b'5').contains(&bytes[0]) {
        return Some(StatusKey::Range(bytes[0] - b'0'));
    }
    match key.parse::<u16>() {
        Ok(code @ 100..=599) => http::StatusCode::from_u16(code).ok().map(StatusKey::Exact),
        _ => None,
    }
}
