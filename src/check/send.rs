//! Sending one planned request to the server under test and reading its whole answer.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};

use super::plan::Case;

/// An answer, read whole.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why no answer came.
pub struct Failure {
    /// The server could not be reached at all (refused, DNS, TLS): nothing else will reach it.
    pub unreachable: bool,
    pub message: String,
}

pub async fn send(client: &reqwest::Client, base: &str, case: &Case) -> Result<Answer, Failure> {
    let mut request = client.request(case.method.clone(), case.url(base));
    let mut headers = HeaderMap::new();
    for (k, v) in &case.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            headers.append(k, v);
        }
    }
    if let Some((content_type, body)) = &case.body {
        if let Ok(v) = HeaderValue::from_str(content_type) {
            headers.insert(http::header::CONTENT_TYPE, v);
        }
        request = request.body(body.clone());
    }
    let answer = async {
        let response = request.headers(headers).send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok::<_, reqwest::Error>(Answer { status, headers, body })
    };
    answer.await.map_err(|e| Failure {
        unreachable: e.is_connect(),
        message: match (e.is_timeout(), e.is_connect()) {
            (true, _) => "timed out".to_string(),
            // Refused, DNS, TLS: the innermost cause says which.
            (false, true) => cause(&e),
            (false, false) => describe(&e),
        },
    })
}

fn cause(e: &reqwest::Error) -> String {
    let mut last = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

/// reqwest's top-level message hides the cause ("error sending request"); show it.
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}
