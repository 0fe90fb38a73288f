//! Credentials, checked before anything else by the mock and the strict proxy: 401 when they are missing or malformed,
//! 403 when they are present but not allowed — the answer Prism never gives.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine;
use http::HeaderMap;
use serde::Deserialize;

use crate::spec::{Api, Operation, ParamIn, SchemeKind};

/// A credential with this value is always refused with 403 (documented in the README).
pub const FORBIDDEN_TOKEN: &str = "forbidden";

/// `--tokens FILE`: which tokens exist, and what each may do.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    grants: HashMap<String, Grant>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub token: String,
    /// OAuth2 scopes the token carries; `"*"` is every scope. Absent: every scope.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// operationIds (or `METHOD /path`) it may call; `"*"` is all. Absent: all.
    #[serde(default)]
    pub operations: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    tokens: Vec<Grant>,
}

impl Tokens {
    pub fn load(path: &Path) -> Result<Tokens, String> {
        let name = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read the tokens file: {e}"))?;
        let file: TokensFile =
            crate::yaml::from_json_or_yaml(&text).map_err(|e| format!("{name}: invalid tokens file: {e}"))?;
        let mut grants = HashMap::new();
        for grant in file.tokens {
            if grant.token.is_empty() {
                return Err(format!("{name}: a token must not be empty"));
            }
            grants.insert(grant.token.clone(), grant);
        }
        Ok(Tokens { grants })
    }
}

/// The verdict on a request's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    Allowed,
    /// 401: with one `WWW-Authenticate` challenge per scheme that would have worked.
    Unauthorized {
        challenges: Vec<String>,
        reason: String,
    },
    /// 403: credentials were fine, permission was not.
    Forbidden {
        reason: String,
    },
}

enum Credential<'a> {
    Missing,
    Malformed(String),
    Present(std::borrow::Cow<'a, str>),
}

/// Checks an operation's security: OR of requirement sets, AND within one.
pub fn check(api: &Api, op: &Operation, headers: &HeaderMap, query: Option<&str>, tokens: Option<&Tokens>) -> Auth {
    if op.security.is_empty() || op.security.iter().any(|set| set.schemes.is_empty()) {
        return Auth::Allowed;
    }
    let mut forbidden: Option<String> = None;
    let mut unauthorized: Option<String> = None;
    for set in &op.security {
        let mut set_ok = true;
        for (index, scopes) in &set.schemes {
            let scheme = api.scheme(*index);
            match credential(&scheme.kind, headers, query) {
                Credential::Missing => {
                    unauthorized.get_or_insert_with(|| format!("missing credentials for {}", scheme.name));
                    set_ok = false;
                }
                Credential::Malformed(why) => {
                    unauthorized.get_or_insert_with(|| format!("{}: {why}", scheme.name));
                    set_ok = false;
                }
                Credential::Present(value) => match permission(&value, scopes, op, tokens) {
                    Ok(()) => {}
                    Err(Denied::Unknown) => {
                        unauthorized
                            .get_or_insert_with(|| format!("{}: the credential is not recognised", scheme.name));
                        set_ok = false;
                    }
                    Err(Denied::Forbidden(why)) => {
                        forbidden.get_or_insert(why);
                        set_ok = false;
                    }
                },
            }
        }
        if set_ok {
            return Auth::Allowed;
        }
    }
    match forbidden {
        Some(reason) => Auth::Forbidden { reason },
        None => Auth::Unauthorized {
            challenges: challenges(api, op),
            reason: unauthorized.unwrap_or_else(|| "authentication required".into()),
        },
    }
}

enum Denied {
    Unknown,
    Forbidden(String),
}

fn permission(value: &str, scopes: &[String], op: &Operation, tokens: Option<&Tokens>) -> Result<(), Denied> {
    // Basic credentials arrive as `user:password`; the user name is what is forbidden.
    if value == FORBIDDEN_TOKEN || value.strip_prefix(FORBIDDEN_TOKEN).is_some_and(|rest| rest.starts_with(':')) {
        return Err(Denied::Forbidden(format!("the credential '{FORBIDDEN_TOKEN}' is never allowed")));
    }
    let Some(tokens) = tokens else { return Ok(()) };
    // Basic credentials are granted by user name or by `user:password`.
    let grant = tokens
        .grants
        .get(value)
        .or_else(|| value.split_once(':').and_then(|(user, _)| tokens.grants.get(user)))
        .ok_or(Denied::Unknown)?;
    if let Some(allowed) = &grant.operations {
        let label = format!("{} {}", op.method, op.path);
        let ok = allowed
            .iter()
            .any(|a| a == "*" || Some(a.as_str()) == op.operation_id.as_deref() || a.eq_ignore_ascii_case(&label));
        if !ok {
            return Err(Denied::Forbidden(format!("the token may not call {}", op.label)));
        }
    }
    if let Some(granted) = &grant.scopes
        && !granted.iter().any(|s| s == "*")
    {
        let missing: Vec<&str> = scopes.iter().filter(|s| !granted.contains(s)).map(String::as_str).collect();
        if !missing.is_empty() {
            return Err(Denied::Forbidden(format!("the token lacks the scope(s) {}", missing.join(", "))));
        }
    }
    Ok(())
}

fn credential<'a>(kind: &SchemeKind, headers: &'a HeaderMap, query: Option<&str>) -> Credential<'a> {
    let authorization = || headers.get(http::header::AUTHORIZATION).map(|v| v.to_str().unwrap_or("\u{0}"));
    match kind {
        SchemeKind::Bearer | SchemeKind::OAuth2 | SchemeKind::OpenIdConnect => match authorization() {
            None => Credential::Missing,
            Some(h) => match split_auth(h) {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
                    Credential::Present(token.into())
                }
                Some((scheme, _)) if scheme.eq_ignore_ascii_case("bearer") => {
                    Credential::Malformed("the Bearer token is empty".into())
                }
                _ => Credential::Malformed("expected 'Authorization: Bearer <token>'".into()),
            },
        },
        SchemeKind::Basic => match authorization() {
            None => Credential::Missing,
            Some(h) => match split_auth(h) {
                Some((scheme, encoded)) if scheme.eq_ignore_ascii_case("basic") => {
                    match base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
                        Ok(bytes) => match String::from_utf8(bytes) {
                            Ok(pair) if pair.contains(':') => Credential::Present(pair.into()),
                            _ => Credential::Malformed("Basic credentials must encode 'user:password'".into()),
                        },
                        Err(_) => Credential::Malformed("Basic credentials are not valid base64".into()),
                    }
                }
                _ => Credential::Malformed("expected 'Authorization: Basic <base64 user:password>'".into()),
            },
        },
        SchemeKind::Http(scheme) => match authorization() {
            None => Credential::Missing,
            Some(h) => match split_auth(h) {
                Some((s, v)) if s.eq_ignore_ascii_case(scheme) && !v.is_empty() => Credential::Present(v.into()),
                _ => Credential::Malformed(format!("expected 'Authorization: {scheme} …'")),
            },
        },
        SchemeKind::ApiKey { location, name } => {
            let value = match location {
                ParamIn::Header => headers.get(name.as_str()).and_then(|v| v.to_str().ok()).map(str::to_string),
                ParamIn::Query => query.and_then(|q| {
                    form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
                }),
                ParamIn::Cookie => {
                    crate::validate::cookies(headers).find(|(k, _)| k == name).map(|(_, v)| v.to_string())
                }
                ParamIn::Path => None,
            };
            match value {
                None => Credential::Missing,
                Some(v) if v.is_empty() => Credential::Malformed(format!("the API key '{name}' is empty")),
                Some(v) => Credential::Present(v.into()),
            }
        }
        // A mock cannot see the TLS handshake; treat it as satisfied.
        SchemeKind::MutualTls => Credential::Present("".into()),
    }
}

/// Whether some requirement set has all of its credentials present — present, not good:
/// whether a credential is good is the server's business, and recordings carry redacted ones.
pub fn sent(api: &Api, op: &Operation, headers: &HeaderMap, query: Option<&str>) -> bool {
    op.security.iter().any(|set| {
        set.schemes
            .iter()
            .all(|(index, _)| !matches!(credential(&api.scheme(*index).kind, headers, query), Credential::Missing))
    })
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let header = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = split_auth(header)?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn split_auth(header: &str) -> Option<(&str, &str)> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    Some((scheme, rest.trim()))
}

/// One challenge per scheme the operation would accept.
fn challenges(api: &Api, op: &Operation) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for set in &op.security {
        for (index, scopes) in &set.schemes {
            let challenge = match &api.scheme(*index).kind {
                SchemeKind::Bearer | SchemeKind::OpenIdConnect => "Bearer realm=\"specmock\"".to_string(),
                SchemeKind::OAuth2 if scopes.is_empty() => "Bearer realm=\"specmock\"".to_string(),
                SchemeKind::OAuth2 => format!("Bearer realm=\"specmock\", scope=\"{}\"", scopes.join(" ")),
                SchemeKind::Basic => "Basic realm=\"specmock\"".to_string(),
                SchemeKind::Http(s) => format!("{s} realm=\"specmock\""),
                SchemeKind::ApiKey { location, name } => {
                    format!("ApiKey realm=\"specmock\", in=\"{}\", name=\"{name}\"", location.as_str())
                }
                SchemeKind::MutualTls => continue,
            };
            if !out.contains(&challenge) {
                out.push(challenge);
            }
        }
    }
    out
}
