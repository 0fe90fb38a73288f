//! [`Contract`]: a document that judges real traffic, for a Rust test suite's own client.

use std::sync::Arc;

use bytes::Bytes;

use crate::Error;
use crate::check::{Exchange, Judge, Recorded, Verdict};
use crate::mock_server::Document;
use crate::route::Mount;

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
    /// Each document and the prefix it is served under (`""` for one served at the root).
    judges: Vec<(String, Judge)>,
}

impl Contract {
    /// A built-in name, a document file, or a [`Document::text`].
    pub fn load(document: impl Into<Document>) -> Result<Contract, Error> {
        let api = document.into().load()?.api;
        Ok(Contract { judges: vec![(String::new(), Judge::new(Arc::new(api))?)] })
    }

    /// The documents a mock serves, each under its prefix (see [`crate::MockServer::contract`]).
    pub(crate) fn of_mounts(mounts: &[Mount]) -> Result<Contract, Error> {
        let judges = mounts
            .iter()
            .map(|m| Ok((m.prefix.clone(), Judge::new(Arc::clone(&m.api))?)))
            .collect::<Result<_, Error>>()?;
        Ok(Contract { judges })
    }

    /// The document `path` is under, and the path within it: the longest prefix that ends at a
    /// segment boundary (none matching: the first document, with the whole path). `None` only
    /// for a contract of no document, which neither constructor makes.
    fn judge_for<'p>(&self, path: &'p str) -> Option<(&Judge, &'p str)> {
        let under = |prefix: &str| {
            let rest = path.strip_prefix(prefix)?;
            (rest.is_empty() || rest.starts_with(['/', '?'])).then_some(rest)
        };
        let best = self.judges.iter().filter_map(|(p, j)| under(p).map(|rest| (p.len(), j, rest))).max_by_key(|b| b.0);
        best.map(|(_, judge, rest)| (judge, rest)).or_else(|| self.judges.first().map(|(_, j)| (j, path)))
    }

    /// The verdict on one exchange: the request against its operation, the response against
    /// what the operation documents for its status.
    pub fn judge<A: AsRef<[u8]>, B: AsRef<[u8]>>(
        &self,
        request: &http::Request<A>,
        response: &http::Response<B>,
    ) -> Verdict {
        let full = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let Some((judge, within)) = self.judge_for(full) else { return Verdict::default() };
        let target = if within.starts_with('/') { within.to_string() } else { format!("/{within}") };
        let exchange = Exchange {
            source: "contract".into(),
            name: format!("{} {full}", request.method()),
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
        let mut verdict = judge.exchange(&exchange);
        verdict.path = full.to_string();
        verdict
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
        let Some((judge, within)) = self.judge_for(target) else { return Verdict::default() };
        let path = within.split(['?', '#']).next().filter(|p| !p.is_empty()).unwrap_or("/");
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
        judge.routed(verdict, method, path, |op, _| judge.response(op, method, status, headers, body))
    }
}
