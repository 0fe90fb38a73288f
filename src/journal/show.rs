//! Entries as JSON (the journal API, the event stream, the JSON log) and as a curl command,
//! with credentials redacted.

use base64::Engine;
use bytes::Bytes;
use http::HeaderMap;
use serde_json::{Map, Value, json};

use super::entry::Entry;
use super::millis;

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
            "time": self.time().to_string(),
            "method": self.method.as_str(),
            "path": self.path(),
            "query": self.query().map(|q| self.secrets.target(&format!("?{q}"))[1..].to_string()),
            "operation": r.operation.as_deref(),
            "status": self.status,
            "latency_ms": millis(self.latency),
            "violations": violations,
            "response": {
                "chosen": r.chosen.as_str(),
                "example": r.example,
                "why": r.why_text(self.status),
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
        let request_headers = self.secrets.request_headers(&self.request_headers());
        out["request"] = json!({
            "headers": headers(&request_headers),
            "body": body(&self.request_body, self.request_size),
            "curl": self.curl(&request_headers),
        });
        if let Some(response) = out["response"].as_object_mut() {
            let shown = self.secrets.response_headers(&self.response_headers());
            response.insert("headers".into(), headers(&shown));
            response.insert("body".into(), body(&self.response_body, self.response_size));
        }
        out
    }

    /// The request as a curl command (credentials redacted: put yours back in).
    fn curl(&self, redacted: &HeaderMap) -> String {
        let host = redacted.get(http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1:4010");
        let target = match self.query() {
            Some(q) => self.secrets.target(&format!("{}?{q}", self.path())),
            None => self.path().to_string(),
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
        if self.request_size > self.request_body.len() {
            parts.push(format!(
                "# the body was {} bytes; the journal kept the first {}",
                self.request_size,
                self.request_body.len()
            ));
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

/// Text as text, anything else as base64; `size` is the body's whole size (the journal may
/// have kept only its start).
fn body(shown: &Bytes, size: usize) -> Value {
    if size == 0 {
        return Value::Null;
    }
    let cut = size > shown.len();
    let text = match std::str::from_utf8(shown) {
        Ok(text) => Some(text.to_string()),
        // A cut may fall inside a character: keep what is whole.
        Err(e) if cut && e.error_len().is_none() => {
            Some(String::from_utf8_lossy(&shown[..e.valid_up_to()]).into_owned())
        }
        Err(_) => None,
    };
    let mut out = match text {
        Some(text) => json!({"text": text, "size": size}),
        None => json!({"base64": base64::engine::general_purpose::STANDARD.encode(shown), "size": size}),
    };
    if cut {
        out["truncated"] = json!(true);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::journal::Reasons;
    use crate::journal::entry::KEPT_BODY;

    #[test]
    fn large_bodies_are_kept_in_part_and_shown_as_cut() {
        let big = Bytes::from(vec![b'a'; KEPT_BODY * 4]);
        let request = http::Request::builder()
            .method("POST")
            .uri("/pets?key=1")
            .header("authorization", "Bearer sk_live")
            .body(big.clone())
            .unwrap();
        let response = http::Response::new(Bytes::from_static(b"{}"));
        let entry = Entry::of(crate::journal::Exchange {
            started: std::time::Instant::now(),
            request: &request,
            response: &response,
            latency: Duration::ZERO,
            reasons: &mut Reasons::default(),
            secrets: Arc::default(),
        });
        assert_eq!(entry.request_body.len(), KEPT_BODY, "only the start is kept");
        let shown = entry.detail();
        assert_eq!(shown["request"]["body"]["size"], KEPT_BODY * 4);
        assert_eq!(shown["request"]["body"]["truncated"], true);
        assert_eq!(shown["request"]["headers"]["authorization"], "Bearer [redacted]");
        assert!(shown["request"]["curl"].as_str().unwrap().contains("the journal kept the first"));
        assert_eq!(shown["response"]["body"]["text"], "{}");
        assert_eq!((entry.path(), entry.query()), ("/pets", Some("key=1")));
    }
}
