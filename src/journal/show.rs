//! Entries as JSON (the journal API, the event stream, the JSON log) and as a curl command,
//! with credentials redacted.

use base64::Engine;
use bytes::Bytes;
use http::HeaderMap;
use serde_json::{Map, Value, json};

use super::entry::Entry;
use super::millis;

/// Bodies longer than this are cut in what is shown (the journal keeps them whole).
const SHOWN_BODY: usize = 64 * 1024;

impl Entry {
    /// The fields of the journal's list and of the JSON log.
    pub fn summary(&self) -> Value {
        let r = &self.reasons;
        let violations: Vec<Value> = r
            .violations
            .iter()
            .map(|v| json!({"location": v.location, "keyword": v.keyword, "message": v.message}))
            .collect();
        let mut out = json!({
            "id": self.id,
            "time": self.time.to_string(),
            "method": self.method.as_str(),
            "path": self.path,
            "query": self.query.as_deref().map(|q| self.secrets.target(&format!("?{q}"))[1..].to_string()),
            "operation": r.operation.as_deref(),
            "status": self.status,
            "latency_ms": millis(self.latency),
            "violations": violations,
            "response": {
                "chosen": r.chosen.as_str(),
                "example": r.example,
                "why": r.why,
            },
        });
        if self.id == 0
            && let Some(map) = out.as_object_mut()
        {
            // Only logged, never kept: it has no id.
            map.shift_remove("id");
        }
        if let Some(delay) = r.delay {
            out["delay_ms"] = json!(millis(delay));
        }
        if let Some(fault) = r.fault {
            out["fault"] = json!(fault);
        }
        out
    }

    /// The summary with the request and response themselves, and the request as curl.
    pub fn detail(&self) -> Value {
        let mut out = self.summary();
        let request_headers = self.secrets.request_headers(&self.request_headers);
        out["request"] = json!({
            "headers": headers(&request_headers),
            "body": body(&self.request_body),
            "curl": self.curl(&request_headers),
        });
        if let Some(response) = out["response"].as_object_mut() {
            response.insert("headers".into(), headers(&self.secrets.response_headers(&self.response_headers)));
            response.insert("body".into(), body(&self.response_body));
        }
        out
    }

    /// The request as a curl command (credentials redacted: put yours back in).
    fn curl(&self, redacted: &HeaderMap) -> String {
        let host = redacted.get(http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1:4010");
        let target = match &self.query {
            Some(q) => self.secrets.target(&format!("{}?{q}", self.path)),
            None => self.path.clone(),
        };
        let mut parts = vec!["curl".to_string()];
        if self.method != http::Method::GET || !self.request_body.is_empty() {
            parts.push(format!("-X {}", self.method));
        }
        parts.push(quote(&format!("http://{host}{target}")));
        for (name, value) in redacted {
            // Set by curl itself, or by the transport.
            if matches!(name.as_str(), "host" | "content-length" | "connection" | "user-agent" | "accept-encoding") {
                continue;
            }
            parts.push(format!("-H {}", quote(&format!("{}: {}", name, String::from_utf8_lossy(value.as_bytes())))));
        }
        if !self.request_body.is_empty() {
            parts.push(format!("--data-binary {}", quote(&String::from_utf8_lossy(&self.request_body))));
        }
        parts.join(" ")
    }
}

/// Single-quoted for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn headers(headers: &HeaderMap) -> Value {
    let mut out = Map::new();
    for (name, value) in headers {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match out.get_mut(name.as_str()) {
            Some(Value::String(first)) => {
                first.push_str(", ");
                first.push_str(&text);
            }
            _ => {
                out.insert(name.as_str().to_string(), Value::String(text));
            }
        }
    }
    Value::Object(out)
}

/// Text as text, anything else as base64; long bodies cut.
fn body(bytes: &Bytes) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    let shown = &bytes[..bytes.len().min(SHOWN_BODY)];
    let cut = bytes.len() > SHOWN_BODY;
    let (text, encoding) = match std::str::from_utf8(shown) {
        Ok(text) => (text.to_string(), "text"),
        // A cut may fall inside a character: keep what is whole.
        Err(e) if cut && e.error_len().is_none() => {
            (String::from_utf8_lossy(&shown[..e.valid_up_to()]).into_owned(), "text")
        }
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(shown), "base64"),
    };
    let mut out = json!({"text": text, "size": bytes.len()});
    if encoding == "base64" {
        out = json!({"base64": text, "size": bytes.len()});
    }
    if cut {
        out["truncated"] = json!(true);
    }
    out
}
