//! Recorded traffic: our own fixture format (JSON or YAML) and HAR files.
//!
//! ```json
//! {"name": "create", "request": {"method": "POST", "path": "/v1/organizations",
//!   "headers": {"content-type": "application/json"}, "body": {"name": "Acme"}},
//!  "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": {…}}}
//! ```
//! `body` is a JSON value sent as JSON; `body_text` is sent as is. A file holds one
//! exchange, or several under `exchanges`.

use std::path::{Path, PathBuf};

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One request and the response it got.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Where it came from: `file`, `file#3` for the fourth of several.
    pub source: String,
    pub name: String,
    pub request: Recorded,
    pub response_status: u16,
    pub response: Recorded,
}

/// Either side of an exchange.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    pub method: Option<Method>,
    /// Path and query (`/v1/orgs?limit=2`); requests only.
    pub target: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct FixtureError {
    pub file: String,
    pub message: String,
}

#[derive(Serialize, Deserialize)]
struct FileFormat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exchanges: Option<Vec<ExchangeFormat>>,
    #[serde(flatten)]
    single: Option<ExchangeFormat>,
}

#[derive(Serialize, Deserialize)]
struct ExchangeFormat {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    request: MessageFormat,
    response: MessageFormat,
}

#[derive(Serialize, Deserialize, Default)]
struct MessageFormat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    headers: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
}

/// What [`load_all`] read, and the files in searched directories it passed over.
#[derive(Debug, Default)]
pub struct Loaded {
    pub exchanges: Vec<Exchange>,
    /// (file, why it is not a fixture)
    pub skipped: Vec<(String, String)>,
}

/// Every fixture file named, directories searched for `.json`, `.yaml`, `.yml` and `.har`.
/// A file named on its own must be a fixture; a file met in a directory that is not one
/// (another JSON or YAML file) is skipped and listed in [`Loaded::skipped`].
pub fn load_all(paths: &[PathBuf]) -> Result<Loaded, FixtureError> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, false, &mut files)?;
    }
    let mut loaded = Loaded::default();
    for (file, searched) in files {
        match load(&file) {
            Ok(exchanges) => loaded.exchanges.extend(exchanges),
            Err(e) if searched && !looks_like_fixture(&file) => loaded.skipped.push((e.file, e.message)),
            Err(e) => return Err(e),
        }
    }
    // Judging nothing and passing is almost always a wrong path.
    if loaded.exchanges.is_empty() {
        let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(FixtureError {
            file: named.join(", "),
            message: "no fixtures found (looked for exchanges in .json, .yaml, .yml and .har files)".into(),
        });
    }
    Ok(loaded)
}

/// Whether a file means to be a fixture (it has a request, a response, exchanges or HAR
/// entries), so that its mistakes are worth stopping for.
fn looks_like_fixture(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    let Ok(value) = crate::yaml::from_json_or_yaml::<Value>(&text) else { return false };
    ["request", "response", "exchanges"].iter().any(|k| value.get(k).is_some())
        || value.get("log").and_then(|l| l.get("entries")).is_some()
}

/// Collects files, each with whether it was found by searching a directory.
fn collect(path: &Path, searched: bool, out: &mut Vec<(PathBuf, bool)>) -> Result<(), FixtureError> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| FixtureError {
                file: path.display().to_string(),
                message: format!("cannot read the directory: {e}"),
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            let fixture = matches!(entry.extension().and_then(|e| e.to_str()), Some("json" | "yaml" | "yml" | "har"));
            if entry.is_dir() || fixture {
                collect(&entry, true, out)?;
            }
        }
        Ok(())
    } else if path.exists() {
        out.push((path.to_path_buf(), searched));
        Ok(())
    } else {
        Err(FixtureError { file: path.display().to_string(), message: "no such file or directory".into() })
    }
}

/// Reads one file: a HAR archive or our own format.
pub fn load(path: &Path) -> Result<Vec<Exchange>, FixtureError> {
    let file = path.display().to_string();
    let fail = |message: String| FixtureError { file: file.clone(), message };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    let value: Value = crate::yaml::from_json_or_yaml(&text).map_err(fail)?;
    if value.get("log").and_then(|l| l.get("entries")).is_some() {
        return har(&file, &value).map_err(fail);
    }
    let parsed: FileFormat = serde_json::from_value(value).map_err(|e| fail(format!("not a fixture: {e}")))?;
    let list = match (parsed.exchanges, parsed.single) {
        (Some(list), _) => list,
        (None, Some(one)) => vec![one],
        (None, None) => return Err(fail("not a fixture: it needs `request` and `response`, or `exchanges`".into())),
    };
    let several = list.len() > 1;
    list.into_iter()
        .enumerate()
        .map(|(i, e)| {
            let source = if several { format!("{file}#{i}") } else { file.clone() };
            exchange(source, e).map_err(|m| fail(if several { format!("exchange {i}: {m}") } else { m }))
        })
        .collect()
}

fn exchange(source: String, format: ExchangeFormat) -> Result<Exchange, String> {
    let method = format.request.method.as_deref().ok_or("request.method is missing")?;
    let method: Method =
        method.to_ascii_uppercase().parse().map_err(|_| format!("request.method '{method}' is not a method"))?;
    let target = format.request.path.clone().ok_or("request.path is missing")?;
    if !target.starts_with('/') {
        return Err(format!("request.path '{target}' must start with '/'"));
    }
    let status = format.response.status.ok_or("response.status is missing")?;
    let name = if format.name.is_empty() { format!("{method} {target}") } else { format.name };
    Ok(Exchange {
        source,
        name,
        request: Recorded { method: Some(method), target, ..message(format.request, "request")? },
        response_status: status,
        response: message(format.response, "response")?,
    })
}

fn message(format: MessageFormat, side: &str) -> Result<Recorded, String> {
    let mut headers = HeaderMap::new();
    for (name, value) in &format.headers {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{side}.headers: '{name}' is not a header name"))?;
        let value =
            HeaderValue::from_str(&text).map_err(|_| format!("{side}.headers.{name}: not a valid header value"))?;
        headers.append(name, value);
    }
    let body = match (format.body, format.body_text, format.body_base64) {
        (Some(v), None, None) => Bytes::from(serde_json::to_vec(&v).unwrap_or_default()),
        (None, Some(t), None) => Bytes::from(t),
        (None, None, Some(b)) => Bytes::from(
            base64::engine::general_purpose::STANDARD.decode(b).map_err(|e| format!("{side}.body_base64: {e}"))?,
        ),
        (None, None, None) => Bytes::new(),
        _ => return Err(format!("{side}: give only one of body, body_text and body_base64")),
    };
    Ok(Recorded { headers, body, ..Recorded::default() })
}

/// HAR 1.2 (browsers' and proxies' "save all as HAR").
fn har(file: &str, value: &Value) -> Result<Vec<Exchange>, String> {
    let entries = value["log"]["entries"].as_array().ok_or("log.entries must be an array")?;
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let at = |m: &str| format!("log.entries[{i}]: {m}");
        let request = &entry["request"];
        let response = &entry["response"];
        let method: Method =
            request["method"].as_str().unwrap_or("").parse().map_err(|_| at("request.method is missing"))?;
        let url = request["url"].as_str().ok_or_else(|| at("request.url is missing"))?;
        let target = match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map(|p| rest[p..].to_string()).unwrap_or_else(|| "/".into()),
            None => url.to_string(),
        };
        let target = target.split('#').next().unwrap_or("/").to_string();
        let status = response["status"].as_u64().ok_or_else(|| at("response.status is missing"))? as u16;
        let request_body = request["postData"]["text"].as_str().map(|t| Bytes::from(t.to_string())).unwrap_or_default();
        let content = &response["content"];
        let response_body = match (content["text"].as_str(), content["encoding"].as_str()) {
            (Some(t), Some("base64")) => Bytes::from(
                base64::engine::general_purpose::STANDARD.decode(t).map_err(|e| at(&format!("content: {e}")))?,
            ),
            (Some(t), _) => Bytes::from(t.to_string()),
            (None, _) => Bytes::new(),
        };
        let mut response_headers = har_headers(&response["headers"]);
        if !response_headers.contains_key(http::header::CONTENT_TYPE)
            && let Some(mime) = content["mimeType"].as_str().filter(|m| !m.is_empty() && !response_body.is_empty())
            && let Ok(v) = HeaderValue::from_str(mime)
        {
            response_headers.insert(http::header::CONTENT_TYPE, v);
        }
        out.push(Exchange {
            source: format!("{file}#{i}"),
            name: format!("{method} {target}"),
            request: Recorded {
                method: Some(method),
                target,
                headers: har_headers(&request["headers"]),
                body: request_body,
            },
            response_status: status,
            response: Recorded { headers: response_headers, body: response_body, ..Recorded::default() },
        });
    }
    Ok(out)
}

fn har_headers(list: &Value) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for h in list.as_array().into_iter().flatten() {
        let (Some(name), Some(value)) = (h["name"].as_str(), h["value"].as_str()) else { continue };
        // HTTP/2 pseudo-headers (:authority) are not headers.
        if name.starts_with(':') {
            continue;
        }
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            headers.append(n, v);
        }
    }
    headers
}

/// Writes an exchange in our own format (the proxy's `--record`).
pub fn to_fixture(
    name: &str,
    method: &Method,
    target: &str,
    request: &Recorded,
    status: u16,
    response: &Recorded,
) -> Value {
    let side = |r: &Recorded, head: MessageFormat| -> MessageFormat {
        let mut headers = Map::new();
        for (k, v) in &r.headers {
            headers.insert(k.as_str().to_string(), Value::String(v.to_str().unwrap_or("").to_string()));
        }
        let is_json = r
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(crate::spec::is_json_media);
        let mut out = MessageFormat { headers, ..head };
        if r.body.is_empty() {
            return out;
        }
        match (is_json, serde_json::from_slice::<Value>(&r.body), std::str::from_utf8(&r.body)) {
            (true, Ok(v), _) => out.body = Some(v),
            (_, _, Ok(text)) => out.body_text = Some(text.to_string()),
            _ => out.body_base64 = Some(base64::engine::general_purpose::STANDARD.encode(&r.body)),
        }
        out
    };
    let format = ExchangeFormat {
        name: name.to_string(),
        note: None,
        request: side(
            request,
            MessageFormat {
                method: Some(method.to_string()),
                path: Some(target.to_string()),
                ..MessageFormat::default()
            },
        ),
        response: side(response, MessageFormat { status: Some(status), ..MessageFormat::default() }),
    };
    serde_json::to_value(format).unwrap_or_default()
}
