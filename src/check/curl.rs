//! `curl` commands that send a case again — runnable, yet without a secret in them: the
//! credentials given on the command line become environment variables (`$SPECMOCK_AUTH`
//! for `--auth`, `$SPECMOCK_HEADER_X_API_KEY` for `--header 'X-API-Key: …'`), and any other
//! credential is shown as `[redacted]`.

use super::build::Credentials;
use super::plan::Case;
use crate::redact::{REDACTED, Secrets};

/// The variable that stands for `--auth`.
pub const AUTH_VARIABLE: &str = "SPECMOCK_AUTH";

pub struct Reproducer<'a> {
    base_url: &'a str,
    credentials: &'a Credentials,
    secrets: &'a Secrets,
}

impl<'a> Reproducer<'a> {
    pub fn new(base_url: &'a str, credentials: &'a Credentials, secrets: &'a Secrets) -> Reproducer<'a> {
        Reproducer { base_url: base_url.trim_end_matches('/'), credentials, secrets }
    }

    /// `curl` that sends the case again.
    pub fn curl(&self, case: &Case) -> String {
        let url = self.secrets.target(&case.url(self.base_url));
        let mut out = format!("curl -i -X {} {}", case.method, quote(&url));
        for (name, value) in &case.headers {
            out.push_str(" -H ");
            out.push_str(&self.header(name, value));
        }
        if let Some((content_type, body)) = &case.body {
            out.push_str(&format!(" -H {}", quote(&format!("Content-Type: {content_type}"))));
            out.push_str(&format!(" --data-raw {}", quote(&String::from_utf8_lossy(body))));
        }
        out
    }

    /// The variables the reproducers read, with what each stands for (for the report's hint).
    pub fn variables(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.credentials.auth.is_some() {
            out.push((AUTH_VARIABLE.to_string(), "--auth".to_string()));
        }
        for (name, _) in &self.credentials.headers {
            out.push((header_variable(name), format!("--header '{name}: …'")));
        }
        out
    }

    fn header(&self, name: &str, value: &str) -> String {
        let from_command_line =
            if self.credentials.auth.as_deref() == Some(value) && name.eq_ignore_ascii_case("authorization") {
                Some(AUTH_VARIABLE.to_string())
            } else {
                self.credentials
                    .headers
                    .iter()
                    .any(|(n, v)| n.eq_ignore_ascii_case(name) && v == value)
                    .then(|| header_variable(name))
            };
        if let Some(variable) = from_command_line {
            return with_variable(name, &variable);
        }
        let secret = http::HeaderName::from_bytes(name.as_bytes()).is_ok_and(|n| self.secrets.is_secret_header(&n));
        match secret {
            // Cookies the document declares as data stay; credentials go.
            true => {
                let mut headers = http::HeaderMap::new();
                if let (Ok(n), Ok(v)) =
                    (http::HeaderName::from_bytes(name.as_bytes()), http::HeaderValue::from_str(value))
                {
                    headers.insert(n, v);
                }
                let shown = self
                    .secrets
                    .request_headers(&headers)
                    .values()
                    .next()
                    .and_then(|v| v.to_str().ok().map(str::to_string))
                    .unwrap_or_else(|| REDACTED.to_string());
                quote(&format!("{name}: {shown}"))
            }
            false => quote(&format!("{name}: {}", self.secrets.scrub(value))),
        }
    }
}

/// `X-API-Key` → `SPECMOCK_HEADER_X_API_KEY`.
pub fn header_variable(name: &str) -> String {
    let mut out = String::from("SPECMOCK_HEADER_");
    out.extend(name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }));
    out
}

/// `-H "Name: $VARIABLE"`, the name kept out of the shell's reach if it needs to be.
fn with_variable(name: &str, variable: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        format!("\"{name}: ${variable}\"")
    } else {
        format!("{}\"${variable}\"", quote(&format!("{name}: ")))
    }
}

pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_named_after_their_headers() {
        assert_eq!(header_variable("X-API-Key"), "SPECMOCK_HEADER_X_API_KEY");
        assert_eq!(with_variable("X-API-Key", "V"), "\"X-API-Key: $V\"");
        assert_eq!(with_variable("X$Key", "V"), "'X$Key: '\"$V\"");
    }
}
