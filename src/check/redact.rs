//! Credentials kept out of recorded fixtures. Values are replaced, names are kept: a
//! fixture still shows that credentials were sent (`Bearer <redacted>`), so `validate` can
//! still tell an anonymous request from an authenticated one.

use http::{HeaderMap, HeaderName, HeaderValue, header};

use crate::spec::{Api, ParamIn, SchemeKind};

pub const REDACTED: &str = "<redacted>";

/// What counts as a credential for one document.
#[derive(Debug, Default)]
pub struct Secrets {
    /// apiKey headers, lower-case.
    headers: Vec<String>,
    /// apiKey query parameters.
    query: Vec<String>,
    /// Cookies the document declares as parameters (not apiKeys): data, kept as is.
    documented_cookies: Vec<String>,
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
                    Some(k) if self.query.contains(&k) => format!("{raw_key}=%3Credacted%3E"),
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

/// `Bearer abc` → `Bearer <redacted>`: the scheme says which kind of credential was sent.
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
