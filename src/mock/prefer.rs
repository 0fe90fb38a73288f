//! `Prefer: code=, example=, dynamic=, seed=` (and `?__code=` etc.), as Prism reads them.

use http::HeaderMap;

/// What the client asked the mock for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefer {
    pub code: Option<u16>,
    pub example: Option<String>,
    pub dynamic: Option<bool>,
    pub seed: Option<u64>,
}

impl Prefer {
    /// Reads the `Prefer` header, or — when there is none — the `__code`-style query parameters.
    /// Preferences we do not know (`return=minimal`, …) are ignored, as RFC 7240 asks.
    pub fn from_request(headers: &HeaderMap, query: Option<&str>) -> Result<Prefer, String> {
        let mut prefer = Prefer::default();
        const PREFER: http::HeaderName = http::HeaderName::from_static("prefer");
        let headers: Vec<&str> = headers.get_all(PREFER).iter().filter_map(|v| v.to_str().ok()).collect();
        if !headers.is_empty() {
            for pref in headers.iter().flat_map(|h| h.split([',', ';'])) {
                let pref = pref.trim();
                if pref.is_empty() {
                    continue;
                }
                let (key, value) = pref.split_once('=').unwrap_or((pref, ""));
                prefer.set(key.trim(), value.trim().trim_matches('"'), "Prefer")?;
            }
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

    fn set(&mut self, key: &str, value: &str, source: &str) -> Result<(), String> {
        let shown = |k: &str| if source == "query" { format!("__{k}") } else { format!("Prefer {k}") };
        match key.to_ascii_lowercase().as_str() {
            "code" => match value.parse::<u16>() {
                Ok(code) if (100..=599).contains(&code) => self.code = Some(code),
                _ => return Err(format!("{}={value:?} is not an HTTP status code (100-599)", shown("code"))),
            },
            "example" => {
                if value.is_empty() {
                    return Err(format!("{} needs an example name", shown("example")));
                }
                self.example = Some(value.to_string());
            }
            "dynamic" => match value {
                "true" | "" => self.dynamic = Some(true),
                "false" => self.dynamic = Some(false),
                _ => return Err(format!("{}={value:?} must be true or false", shown("dynamic"))),
            },
            "seed" => match value.parse::<u64>() {
                Ok(seed) => self.seed = Some(seed),
                Err(_) => return Err(format!("{}={value:?} must be a non-negative integer", shown("seed"))),
            },
            _ => {}
        }
        Ok(())
    }
}
