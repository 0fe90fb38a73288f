//! The one way an answer is built: a status, the content type of its body, the bytes. Every
//! answer the mock, the sandbox, the error styles and the admin routes give goes through here.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

/// A status number as the answer's status. Documented statuses are checked when the document
/// is compiled (100–599) and `Prefer: code=` and rules are checked when read, so a number out
/// of range here is specmock's own mistake: it answers 500 rather than a made-up success.
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An answer with `body`, described by `content_type` when there is one.
pub fn reply(code: u16, content_type: Option<HeaderValue>, body: impl Into<Bytes>) -> Response<Bytes> {
    let mut response = Response::new(body.into());
    *response.status_mut() = status(code);
    if let Some(content_type) = content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    }
    response
}

/// An answer without a body.
pub fn empty(code: u16) -> Response<Bytes> {
    reply(code, None, Bytes::new())
}

/// A 200 with `value` as indented JSON: what the admin and journal routes answer, for people
/// reading them with curl.
pub fn readable_json(value: &serde_json::Value) -> Response<Bytes> {
    let content_type = HeaderValue::from_static("application/json");
    reply(200, Some(content_type), serde_json::to_vec_pretty(value).unwrap_or_default())
}

/// A JSON answer; `value` is written compactly.
pub fn json(code: u16, content_type: HeaderValue, value: &serde_json::Value) -> Response<Bytes> {
    reply(code, Some(content_type), serde_json::to_vec(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_out_of_range_are_specmocks_mistake() {
        for (code, expected) in [(200, 200), (422, 422), (599, 599), (0, 500), (99, 500), (1000, 500)] {
            assert_eq!(status(code).as_u16(), expected, "{code}");
        }
    }

    #[test]
    fn a_reply_carries_its_status_type_and_body() {
        let r = reply(201, Some(HeaderValue::from_static("application/json")), "{}");
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(r.body().as_ref(), b"{}");
        assert!(empty(204).headers().get(header::CONTENT_TYPE).is_none());
    }
}
