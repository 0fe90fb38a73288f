//! What the contract runner sends: for each operation a valid request, the same without
//! credentials, invalid ones, an undocumented method on its path, boundary cases and random
//! valid requests. Planned once, before anything is sent.

use std::collections::HashSet;

use bytes::Bytes;
use http::Method;

use super::build::{Builder, Credentials, Draft, Fixed};
use super::request::needs_credentials;
use super::variants::{invalid_requests, undocumented_method, without_credentials};
use super::verdict::Finding;
use super::{boundary, random};
use crate::spec::{Api, Operation};

/// What a case expects of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Any documented answer.
    Documented,
    /// 401 or 403.
    Refused,
    /// A documented 4xx.
    Rejected,
    /// 405 with Allow.
    MethodNotAllowed,
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct Case {
    /// Index in `Api::operations`; for a method case, an operation at the same path.
    pub operation: usize,
    pub description: String,
    pub expect: Expect,
    pub method: Method,
    /// The path, with path parameters filled in and percent-encoded.
    pub path: String,
    /// Query parameters, decoded: encoded once, by [`Case::target`].
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<(String, Bytes)>,
    /// The path parameters' values, unencoded (a lifecycle reuses its parents' ids).
    pub path_values: Vec<(String, String)>,
    /// What a boundary or random case probes; `None` for the other cases.
    pub probe: Option<Box<Probe>>,
}

/// What a generated case probes, and how to get it again.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `body/name maxLength=200`, `random #3`.
    pub label: String,
    /// The run's `--seed`: the same seed plans the same cases.
    pub seed: u64,
    /// A random request's values, kept to shrink it should it fail.
    pub draft: Option<Draft>,
}

impl Case {
    /// Path and query, as sent (`/orgs?limit=2`).
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.extend_pairs(&self.query);
        format!("{}?{}", self.path, q.finish())
    }

    /// The whole URL under `base` (already checked to be an http(s) URL), query encoded by `url`.
    pub fn url(&self, base: &str) -> String {
        match reqwest::Url::parse(&format!("{base}{}", self.path)) {
            Ok(mut url) => {
                if !self.query.is_empty() {
                    url.query_pairs_mut().extend_pairs(&self.query);
                }
                url.to_string()
            }
            // Unparseable only if a path parameter broke it; send it as written, to be judged.
            Err(_) => format!("{base}{}", self.target()),
        }
    }

    /// The request without any query parameter called `name`.
    pub fn without_query(&self, name: &str) -> Vec<(String, String)> {
        self.query.iter().filter(|(k, _)| k != name).cloned().collect()
    }
}

/// Options that shape the plan.
pub struct PlanOptions<'a> {
    pub operations: &'a [String],
    pub tags: &'a [String],
    pub seed: u64,
    pub credentials: &'a Credentials,
    /// Random valid requests per operation (`--max-examples`); 0 for none.
    pub max_examples: usize,
}

/// What to send, and what the document got wrong on the way.
pub struct Plan {
    pub cases: Vec<Case>,
    /// Broken request examples, by operation: replaced by generated values.
    pub notes: Vec<(usize, Finding)>,
}

/// Cases for every selected operation: all valid requests first, so a small
/// `--max-requests` still touches every operation; then the refusals, the boundary cases and
/// the random requests.
pub fn plan(api: &Api, options: &PlanOptions<'_>) -> Plan {
    let mut builder = Builder::new(api, options.credentials);
    let mut valid = Vec::new();
    let mut refused = Vec::new();
    let mut invalid = Vec::new();
    let mut methods = Vec::new();
    let mut edges = Vec::new();
    let mut random = Vec::new();
    let mut seen_paths: Vec<&str> = Vec::new();
    let mut seen_requests: HashSet<String> = HashSet::new();
    for index in selected(api, options) {
        let op = &api.operations[index];
        // By the operation's place in the document: `--operation` alone plans the same values.
        let seed = seed_for(options.seed, index);
        let Some(draft) = builder.draft(index, seed, &Fixed::default()) else { continue };
        let base = builder.assemble(&draft);
        if needs_credentials(op) {
            refused.push(without_credentials(api, op, &base));
        }
        invalid.extend(invalid_requests(&mut builder, op, &base, seed));
        if !seen_paths.contains(&op.path.as_str()) {
            seen_paths.push(&op.path);
            if let Some(case) = undocumented_method(api, op, &base) {
                methods.push(case);
            }
        }
        edges.extend(boundary::cases(&builder, &draft, seed, options.seed, &mut seen_requests));
        random.extend(random::cases(&builder, index, seed, options.seed, options.max_examples, &mut seen_requests));
        valid.push(base);
    }
    let cases = valid.into_iter().chain(refused).chain(invalid).chain(methods).chain(edges).chain(random).collect();
    Plan { cases, notes: builder.notes }
}

/// The seed for the operation at `n` in the document.
pub fn seed_for(seed: u64, n: usize) -> u64 {
    seed.wrapping_add(n as u64 * 1000)
}

/// The selected operations, by index.
pub fn selected(api: &Api, options: &PlanOptions<'_>) -> Vec<usize> {
    (0..api.operations.len()).filter(|&i| is_selected(&api.operations[i], options)).collect()
}

/// `--operation` names no operation of the document: which ones it does have.
pub fn unknown_operations(api: &Api, wanted: &[String]) -> Vec<String> {
    wanted.iter().filter(|w| !api.operations.iter().any(|op| names(op, w))).cloned().collect()
}

fn names(op: &Operation, wanted: &str) -> bool {
    Some(wanted) == op.operation_id.as_deref() || wanted.eq_ignore_ascii_case(&format!("{} {}", op.method, op.path))
}

fn is_selected(op: &Operation, options: &PlanOptions<'_>) -> bool {
    let by_op = options.operations.is_empty() || options.operations.iter().any(|o| names(op, o));
    let by_tag = options.tags.is_empty() || options.tags.iter().any(|t| op.tags.contains(t));
    by_op && by_tag
}
