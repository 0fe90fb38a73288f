//! Reading parameters out of a request, by `in`, `style` and `explode`.

use std::borrow::Cow;

use http::HeaderMap;
use serde_json::Value;

use super::coerce;
use crate::spec::Types;
use crate::spec::{Param, ParamIn, Schemas, Style};

/// The raw places parameters come from, decoded once per request.
pub struct RawParams<'a> {
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub cookies: Vec<(String, String)>,
    pub path: &'a [(&'a str, Cow<'a, str>)],
}

impl<'a> RawParams<'a> {
    pub fn new(query: Option<&str>, headers: &'a HeaderMap, path: &'a [(&'a str, Cow<'a, str>)]) -> Self {
        let query = query
            .map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
            .unwrap_or_default();
        let cookies = cookies(headers).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        RawParams { query, headers, cookies, path }
    }

    /// The parameter's value as JSON, typed by its schema; `None` when it is absent.
    pub fn extract(&self, param: &Param, schemas: &Schemas) -> Option<Value> {
        // Most optional parameters are absent: find that out before reading any schema.
        if !self.present(param) {
            return None;
        }
        let schema = param.schema.map(|id| schemas.get(id));
        if param.content_type.is_some() {
            // `content`-described parameters carry a serialized value (JSON in practice).
            let raw = self.single(param)?;
            return Some(serde_json::from_str(&raw).unwrap_or(Value::String(raw)));
        }
        let types = schema.map(|s| schemas.types(s)).unwrap_or_default();
        let wants_array = types.has(Types::ARRAY) && !types.has(Types::STRING);
        let wants_object = types.has(Types::OBJECT) && !types.has(Types::STRING);

        if param.location == ParamIn::Query && wants_object && (param.style == Style::DeepObject || param.explode) {
            return self.query_object(param, schemas, schema);
        }
        if param.location == ParamIn::Query && wants_array && param.explode && param.style == Style::Form {
            let values: Vec<&str> =
                self.query.iter().filter(|(k, _)| *k == param.name).map(|(_, v)| v.as_str()).collect();
            if values.is_empty() {
                return None;
            }
            // `ids=1,2` also arrives from clients that ignore explode; accept both spellings.
            let split: Vec<&str> = values.iter().flat_map(|v| v.split(',')).collect();
            let chosen = if values.len() == 1 { split } else { values };
            return Some(coerce::array(schemas, schema, &chosen));
        }

        let raw = self.single(param)?;
        let raw = strip_prefix(param, &raw);
        if wants_array {
            let parts: Vec<&str> = if raw.is_empty() { Vec::new() } else { raw.split(delimiter(param)).collect() };
            return Some(coerce::array(schemas, schema, &parts));
        }
        if wants_object {
            return Some(coerce::object(schemas, schema, &object_pairs(param, &raw)));
        }
        Some(coerce::scalar(schemas, schema, &raw))
    }

    /// Whether a header parameter is present with bytes that are not UTF-8.
    pub fn unreadable_header(&self, param: &Param) -> bool {
        self.headers.get_all(param.name.as_str()).iter().any(|v| std::str::from_utf8(v.as_bytes()).is_err())
    }

    /// Whether anything in the request could be this parameter.
    fn present(&self, param: &Param) -> bool {
        match param.location {
            // Exploded objects spread over several keys (`filter[min]`, or the properties themselves).
            ParamIn::Query => !self.query.is_empty(),
            ParamIn::Header => self.headers.contains_key(param.name.as_str()),
            ParamIn::Cookie => self.cookies.iter().any(|(k, _)| *k == param.name),
            ParamIn::Path => self.path.iter().any(|(k, _)| *k == param.name),
        }
    }

    /// The first raw value of a parameter in its location.
    fn single(&self, param: &Param) -> Option<String> {
        match param.location {
            ParamIn::Query => self.query.iter().find(|(k, _)| *k == param.name).map(|(_, v)| v.clone()),
            ParamIn::Header => {
                // UTF-8, not only visible ASCII: `X-Name: José` is a value like any other.
                let values: Vec<&str> = self
                    .headers
                    .get_all(param.name.as_str())
                    .iter()
                    .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            ParamIn::Cookie => self.cookies.iter().find(|(k, _)| *k == param.name).map(|(_, v)| v.clone()),
            ParamIn::Path => self.path.iter().find(|(k, _)| *k == param.name).map(|(_, v)| v.to_string()),
        }
    }

    /// deepObject (`filter[name]=x`) or exploded form objects (`name=x&region=US`).
    fn query_object(&self, param: &Param, schemas: &Schemas, schema: Option<&Value>) -> Option<Value> {
        let prefix = format!("{}[", param.name);
        let pairs: Vec<(String, String)> = if param.style == Style::DeepObject {
            self.query
                .iter()
                .filter_map(|(k, v)| {
                    let inner = k.strip_prefix(&prefix)?.strip_suffix(']')?;
                    Some((inner.to_string(), v.clone()))
                })
                .collect()
        } else {
            let props = schema.map(|s| schemas.deref(s)).and_then(|s| s.get("properties"));
            self.query.iter().filter(|(k, _)| props.is_some_and(|p| p.get(k).is_some())).cloned().collect()
        };
        (!pairs.is_empty()).then(|| coerce::object(schemas, schema, &pairs))
    }
}

fn strip_prefix(param: &Param, raw: &str) -> String {
    match param.style {
        Style::Label => raw.strip_prefix('.').unwrap_or(raw).to_string(),
        Style::Matrix => {
            let head = format!(";{}=", param.name);
            raw.strip_prefix(&head).or_else(|| raw.strip_prefix(';')).unwrap_or(raw).to_string()
        }
        _ => raw.to_string(),
    }
}

fn delimiter(param: &Param) -> char {
    match param.style {
        Style::SpaceDelimited => ' ',
        Style::PipeDelimited => '|',
        Style::TabDelimited => '\t',
        Style::Label if param.explode => '.',
        _ => ',',
    }
}

/// `k,v,k2,v2` (explode false) or `k=v,k2=v2` (explode true).
fn object_pairs(param: &Param, raw: &str) -> Vec<(String, String)> {
    if param.explode {
        raw.split(',').filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string()))).collect()
    } else {
        let parts: Vec<&str> = raw.split(',').collect();
        parts.chunks(2).filter(|c| c.len() == 2).map(|c| (c[0].to_string(), c[1].to_string())).collect()
    }
}

/// Every `name=value` of the request's `Cookie` headers (quotes around values dropped).
pub fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers.get_all(http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).filter_map(
        |pair| {
            let (k, v) = pair.trim().split_once('=')?;
            Some((k.trim(), v.trim().trim_matches('"')))
        },
    )
}
