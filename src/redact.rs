//! Credentials kept out of everything check, proxy, validate and the request journal print or write: reports,
//! logs, recorded fixtures. Values are replaced, names are kept: a fixture still shows that
//! credentials were sent (`Bearer [redacted]`), so `validate` can still tell an anonymous
//! request from an authenticated one. Known secret values (given on the command line, or
//! seen in a credential header) are also scrubbed from any text, as a last line of defence.

use http::{HeaderMap, HeaderName, HeaderValue, header};

use crate::spec::{Api, ParamIn, SchemeKind};

pub const REDACTED: &str = "[redacted]";
/// Shorter values are too likely to be ordinary text to be scrubbed wherever they appear
/// (where their place is known — a header — they are redacted whatever their length).
const MIN_SCRUBBED: usize = 4;

/// What counts as a credential for one document.
#[derive(Debug, Default, Clone)]
pub struct Secrets {
    /// apiKey headers, lower-case.
    headers: Vec<String>,
    /// apiKey query parameters.
    query: Vec<String>,
    /// Cookies the document declares as parameters (not apiKeys): data, kept as is.
    documented_cookies: Vec<String>,
    /// Secret values to scrub from text, longest first.
    values: Vec<String>,
}

impl Secrets {
    pub fn of(api: &Api) -> Secrets {
        let mut secrets = Secrets::default();
        let mut cookie_keys = Vec::new();
        for scheme in &api.security_schemes {
            if let SchemeKind::ApiKey { location, name } = &scheme.kind {
                match location {
                    ParamIn::Header => secrets.headers.push(name.to_ascii_lowercase()),
                    ParamIn::Query => secrets.query.push(name.clone()),
                    ParamIn::Cookie => cookie_keys.push(name.clone()),
                    ParamIn::Path => {}
                }
            }
        }
        for param in api.operations.iter().flat_map(|op| &op.params) {
            if param.location == ParamIn::Cookie
                && !cookie_keys.contains(&param.name)
                && !secrets.documented_cookies.contains(&param.name)
            {
                secrets.documented_cookies.push(param.name.clone());
            }
        }
        secrets
    }

    /// Also scrubs `value` (and, for `Scheme credentials`, the credentials) from any text.
    pub fn add_value(&mut self, value: &str) {
        let value = value.trim();
        let parts = std::iter::once(value).chain(value.split_once(' ').map(|(_, token)| token.trim()));
        for part in parts {
            if part.len() >= MIN_SCRUBBED && !self.values.iter().any(|v| v == part) {
                self.values.push(part.to_string());
            }
        }
        // Longest first, so a token inside a longer value does not leave the rest behind.
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Remembers the credentials a request carried, to scrub them from what is printed.
    pub fn remember(&mut self, headers: &HeaderMap, target: &str) {
        for (name, value) in headers {
            let Ok(text) = value.to_str() else { continue };
            if self.is_secret_header(name) {
                if name == header::COOKIE {
                    for (cookie_name, v) in text.split(';').filter_map(|c| c.split_once('=')) {
                        if !self.documented_cookies.iter().any(|d| d == cookie_name.trim()) {
                            self.add_value(v);
                        }
                    }
                } else {
                    self.add_value(text);
                }
            }
        }
        if let Some((_, query)) = target.split_once('?') {
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                if self.query.iter().any(|q| *q == k) {
                    self.add_value(&v);
                }
            }
        }
    }

    /// Whether a header carries credentials: Authorization, cookies, the document's apiKeys.
    pub fn is_secret_header(&self, name: &HeaderName) -> bool {
        name == header::AUTHORIZATION
            || name == header::PROXY_AUTHORIZATION
            || name == header::COOKIE
            || name == header::SET_COOKIE
            || self.headers.iter().any(|h| h == name.as_str())
    }

    /// The text with every known secret value replaced.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), REDACTED);
            }
        }
        out
    }

    /// Request headers with Authorization, Proxy-Authorization, apiKey headers and cookie
    /// values redacted.
    pub fn request_headers(&self, headers: &HeaderMap) -> HeaderMap {
        let mut out = HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            let text = value.to_str().unwrap_or("");
            let redacted = if name == header::AUTHORIZATION || name == header::PROXY_AUTHORIZATION {
                Some(authorization(text))
            } else if name == header::COOKIE {
                Some(self.cookie(text))
            } else if self.headers.iter().any(|h| h == name.as_str()) {
                Some(REDACTED.to_string())
            } else {
                None
            };
            append(&mut out, name, redacted, value);
        }
        out
    }

    /// Response headers with Set-Cookie values redacted (attributes kept).
    pub fn response_headers(&self, headers: &HeaderMap) -> HeaderMap {
        let mut out = HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            let redacted = (name == header::SET_COOKIE).then(|| {
                let text = value.to_str().unwrap_or("");
                let (pair, attributes) = text.split_once(';').map(|(p, a)| (p, Some(a))).unwrap_or((text, None));
                let name = pair.split_once('=').map(|(n, _)| n.trim()).unwrap_or("");
                match attributes {
                    Some(a) => format!("{name}={REDACTED};{a}"),
                    None => format!("{name}={REDACTED}"),
                }
            });
            append(&mut out, name, redacted, value);
        }
        out
    }

    /// The request target with apiKey query values redacted; everything else byte for byte.
    pub fn target(&self, target: &str) -> String {
        let Some((path, query)) = target.split_once('?') else { return target.to_string() };
        if self.query.is_empty() {
            return target.to_string();
        }
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| {
                let raw_key = pair.split_once('=').map(|(k, _)| k).unwrap_or(pair);
                let key = form_urlencoded::parse(raw_key.as_bytes()).next().map(|(k, _)| k.into_owned());
                match key {
                    Some(k) if self.query.contains(&k) => format!("{raw_key}=%5Bredacted%5D"),
                    _ => pair.to_string(),
                }
            })
            .collect();
        format!("{path}?{}", pairs.join("&"))
    }

    /// Every cookie value redacted, except cookies the document declares as plain parameters.
    fn cookie(&self, text: &str) -> String {
        text.split(';')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| match c.split_once('=') {
                Some((name, _)) if self.documented_cookies.iter().any(|d| d == name.trim()) => c.to_string(),
                Some((name, _)) => format!("{}={REDACTED}", name.trim()),
                None => REDACTED.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `Bearer abc` → `Bearer [redacted]`: the scheme says which kind of credential was sent.
fn authorization(text: &str) -> String {
    match text.trim().split_once(' ') {
        Some((scheme, _)) => format!("{scheme} {REDACTED}"),
        None => REDACTED.to_string(),
    }
}

fn append(out: &mut HeaderMap, name: &HeaderName, redacted: Option<String>, original: &HeaderValue) {
    let value = match redacted {
        // Built from ASCII pieces of a valid value; should that fail, drop the value rather than keep it.
        Some(text) => HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(REDACTED)),
        None => original.clone(),
    };
    out.append(name.clone(), value);
}
