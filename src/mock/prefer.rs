//! `Prefer: code=, example=, dynamic=, seed=` (and `?__code=` etc.), as Prism reads them,
//! `delay=` (a slow server) and `fault=` (a failing one).

use http::{HeaderMap, StatusCode};

/// What the client asked the mock for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefer {
    pub code: Option<StatusCode>,
    pub example: Option<String>,
    pub dynamic: Option<bool>,
    pub seed: Option<u64>,
    /// `delay=300` (milliseconds, or with a unit: `1.5s`): answer this much later.
    pub delay: Option<std::time::Duration>,
    /// `fault=reset|close|empty|malformed|slow-body`.
    pub fault: Option<String>,
}

/// A preference we cannot follow: the status to answer with, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfollowable {
    pub status: StatusCode,
    pub message: String,
}

impl From<String> for Unfollowable {
    fn from(message: String) -> Self {
        Unfollowable { status: StatusCode::UNPROCESSABLE_ENTITY, message }
    }
}

impl Prefer {
    /// Reads the `Prefer` header, or — when there is none — the `__code`-style query parameters.
    /// Preferences we do not know (`return=minimal`, …) are ignored, as RFC 7240 asks; a
    /// header that is not well-formed (not UTF-8, a name that is not a token, an unclosed
    /// quote) is refused like a bad value of ours.
    pub fn from_request(headers: &HeaderMap, query: Option<&str>) -> Result<Prefer, Unfollowable> {
        let mut prefer = Prefer::default();
        const PREFER: http::HeaderName = http::HeaderName::from_static("prefer");
        let mut sent = false;
        for value in headers.get_all(PREFER) {
            sent = true;
            let text = std::str::from_utf8(value.as_bytes())
                .map_err(|_| "the Prefer header is not valid UTF-8 text".to_string())?;
            for pref in split(text)? {
                let (key, value) = pref.split_once('=').unwrap_or((pref, ""));
                let key = key.trim();
                if key.is_empty() || !key.bytes().all(is_tchar) {
                    return Err(format!("Prefer: '{pref}' is not a well-formed preference (name[=value])").into());
                }
                prefer.set(key, &unquote(value.trim()), "Prefer")?;
            }
        }
        if sent {
            return Ok(prefer);
        }
        if let Some(query) = query.filter(|q| q.contains("__")) {
            for (key, value) in form_urlencoded::parse(query.as_bytes()) {
                if let Some(name) = key.strip_prefix("__") {
                    prefer.set(name, &value, "query")?;
                }
            }
        }
        Ok(prefer)
    }

    fn set(&mut self, key: &str, value: &str, source: &str) -> Result<(), Unfollowable> {
        let shown = |k: &str| if source == "query" { format!("__{k}") } else { format!("Prefer {k}") };
        match key.to_ascii_lowercase().as_str() {
            // Any final status can be asked for, documented or not; what is not a status
            // has no answer (404), as with Prism.
            "code" => match value.parse::<u16>().ok().filter(|c| (200..=599).contains(c)).map(StatusCode::from_u16) {
                Some(Ok(code)) => self.code = Some(code),
                _ => {
                    return Err(Unfollowable {
                        status: StatusCode::NOT_FOUND,
                        message: format!(
                            "{}={value:?} is not an HTTP status code that can be answered (200-599)",
                            shown("code")
                        ),
                    });
                }
            },
            "example" => {
                if value.is_empty() {
                    return Err(format!("{} needs an example name", shown("example")).into());
                }
                self.example = Some(value.to_string());
            }
            "dynamic" => match value {
                "true" | "" => self.dynamic = Some(true),
                "false" => self.dynamic = Some(false),
                _ => return Err(format!("{}={value:?} must be true or false", shown("dynamic")).into()),
            },
            "delay" => match crate::units::parse_duration(value) {
                Ok(delay) => self.delay = Some(delay),
                Err(e) => return Err(format!("{}: {e}", shown("delay")).into()),
            },
            "seed" => match value.parse::<u64>() {
                Ok(seed) => self.seed = Some(seed),
                Err(_) => return Err(format!("{}={value:?} must be a non-negative integer", shown("seed")).into()),
            },
            "fault" => match crate::server::Fault::named(value, std::time::Duration::ZERO) {
                Some(fault) => self.fault = Some(fault.name().to_string()),
                None => {
                    return Err(format!(
                        "{}={value:?} is not a fault (use {})",
                        shown("fault"),
                        crate::server::Fault::NAMES.join(", ")
                    )
                    .into());
                }
            },
            _ => {}
        }
        Ok(())
    }
}

/// The preferences and their parameters (`a=1, b; c="x,y"`), split on `,` and `;` outside
/// quoted strings; empty elements are skipped, as HTTP lists allow.
fn split(header: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in header.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' | ';' if !quoted => {
                out.push(header[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(format!("Prefer: '{}' has an unclosed quote", header.trim()));
    }
    out.push(header[start..].trim());
    out.retain(|p| !p.is_empty());
    Ok(out)
}

/// `"a \"b\""` → `a "b"`; an unquoted value as it is.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else { return value.to_string() };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next().unwrap_or(c) } else { c });
    }
    out
}

/// RFC 9110 token characters.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}
