//! [`Contract`]: a document that judges real traffic, for a Rust test suite's own client.

use std::sync::Arc;

use bytes::Bytes;

use crate::Error;
use crate::check::{Exchange, Judge, Recorded, Verdict};
use crate::mock_server::Document;

/// An OpenAPI document, ready to judge request/response pairs against.
///
/// A test calls its real client, hands the exchange to [`Contract::judge`], and snapshots
/// the [`Verdict`] (it serializes), so a change in the API's behaviour shows in review:
///
/// ```
/// let contract = specmock::Contract::load("clerk")?;
/// let request = http::Request::post("https://api.clerk.com/v1/organizations")
///     .header("authorization", "Bearer sk_test")
///     .header("content-type", "application/json")
///     .body(r#"{"name":"Acme"}"#)?;
/// let response = http::Response::builder()
///     .status(200)
///     .header("content-type", "application/json")
///     .body(r#"{"object":"organization","name":"Acme"}"#)?;
/// let verdict = contract.judge(&request, &response);
/// assert!(!verdict.passed(), "the answer lacks Clerk's required id");
/// assert_eq!(verdict.findings[0].rule.as_str(), "body-schema");
/// // insta::assert_yaml_snapshot!(verdict);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Contract {
    judge: Judge,
}

impl Contract {
    /// A built-in name, a document file, or a [`Document::text`].
    pub fn load(document: impl Into<Document>) -> Result<Contract, Error> {
        let api = document.into().load()?.api;
        Ok(Contract { judge: Judge::new(Arc::new(api))? })
    }

    /// The verdict on one exchange: the request against its operation, the response against
    /// what the operation documents for its status.
    pub fn judge<A: AsRef<[u8]>, B: AsRef<[u8]>>(
        &self,
        request: &http::Request<A>,
        response: &http::Response<B>,
    ) -> Verdict {
        let target = request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let exchange = Exchange {
            source: "contract".into(),
            name: format!("{} {target}", request.method()),
            request: Recorded {
                method: Some(request.method().clone()),
                target,
                headers: request.headers().clone(),
                body: Bytes::copy_from_slice(request.body().as_ref()),
            },
            response_status: response.status().as_u16(),
            response: Recorded {
                method: None,
                target: String::new(),
                headers: response.headers().clone(),
                body: Bytes::copy_from_slice(response.body().as_ref()),
            },
        };
        self.judge.exchange(&exchange)
    }

    /// The verdict on a response alone, to `method target` (a path, with or without its
    /// query): for a test that checks what came back and has no request to judge.
    ///
    /// ```
    /// let contract = specmock::Contract::load("straddle")?;
    /// let response = http::Response::builder()
    ///     .status(200)
    ///     .header("content-type", "application/json")
    ///     .body(r#"{"data": "not a list"}"#)?;
    /// let verdict = contract.judge_response(&http::Method::GET, "/v1/organizations?page_size=5", &response);
    /// assert_eq!(verdict.operation.as_deref(), Some("ListOrganizations"));
    /// assert!(!verdict.passed(), "Straddle's list answers an envelope of organizations");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn judge_response<B: AsRef<[u8]>>(
        &self,
        method: &http::Method,
        target: &str,
        response: &http::Response<B>,
    ) -> Verdict {
        let path = target.split(['?', '#']).next().unwrap_or(target);
        let status = response.status().as_u16();
        let verdict = Verdict {
            source: "contract".into(),
            name: format!("{method} {target}"),
            method: method.to_string(),
            path: target.to_string(),
            status,
            ..Verdict::default()
        };
        let (headers, body) = (response.headers(), response.body().as_ref());
        self.judge.routed(verdict, method, path, |op, _| self.judge.response(op, method, status, headers, body))
    }
}
