//! The access log: one line per request, as text for people or as JSON for machines.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Response};
use serde_json::json;

use crate::journal::Entry;

/// Which operation answered, for the access log (set by handlers that know: the proxy).
#[derive(Debug, Clone)]
pub struct OperationTag(pub Arc<str>);

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `POST /pets 422 createPet body/name: required 127µs`
    #[default]
    Text,
    /// One JSON object per line, with the fields of the request journal.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<LogFormat, String> {
        match text.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("'{text}' is not a log format (use text or json)")),
        }
    }
}

/// The line for one exchange: from its journal entry when the handler made one (the mock),
/// else from what the server itself knows (the proxy, answers the server gave itself).
pub(super) fn line(
    format: LogFormat,
    response: &Response<Bytes>,
    method: &Method,
    path: &str,
    took: Duration,
) -> String {
    if let Some(entry) = response.extensions().get::<Arc<Entry>>() {
        return match format {
            LogFormat::Text => entry.log_text(),
            LogFormat::Json => entry.summary().to_string(),
        };
    }
    let operation = response.extensions().get::<OperationTag>().map(|t| t.0.as_ref());
    let status = response.status().as_u16();
    match format {
        LogFormat::Text => format!("{method} {path} {status} {} {}µs", operation.unwrap_or("-"), took.as_micros()),
        LogFormat::Json => json!({
            "time": jiff::Timestamp::now().to_string(),
            "method": method.as_str(),
            "path": path,
            "operation": operation,
            "status": status,
            "latency_ms": crate::journal::millis(took),
        })
        .to_string(),
    }
}
