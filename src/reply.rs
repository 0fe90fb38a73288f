//! The one way an answer is built: a status, the content type of its body, the bytes. Every
//! answer the mock, the sandbox, the error styles and the admin routes give goes through here.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

/// An answer with `body`, described by `content_type` when there is one.
pub fn reply(status: StatusCode, content_type: Option<HeaderValue>, body: impl Into<Bytes>) -> Response<Bytes> {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    if let Some(content_type) = content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    }
    response
}

/// An answer without a body.
pub fn empty(status: StatusCode) -> Response<Bytes> {
    reply(status, None, Bytes::new())
}

/// A 200 with `value` as indented JSON: what the admin and journal routes answer, for people
/// reading them with curl.
pub fn readable_json(value: &serde_json::Value) -> Response<Bytes> {
    let content_type = HeaderValue::from_static("application/json");
    reply(StatusCode::OK, Some(content_type), serde_json::to_vec_pretty(value).unwrap_or_default())
}

/// A JSON answer; `value` is written compactly.
pub fn json(status: StatusCode, content_type: HeaderValue, value: &serde_json::Value) -> Response<Bytes> {
    reply(status, Some(content_type), serde_json::to_vec(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_carries_its_status_type_and_body() {
        let r = reply(StatusCode::CREATED, Some(HeaderValue::from_static("application/json")), "{}");
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(r.body().as_ref(), b"{}");
        assert!(empty(StatusCode::NO_CONTENT).headers().get(header::CONTENT_TYPE).is_none());
    }
}
