//! Where a sandbox lives in Redis: every key under `specmock:<sandbox>:`, so several
//! sandboxes share one Redis without seeing each other; and how a URL is shown without its
//! password.

/// The keys of one sandbox.
#[derive(Debug, Clone)]
pub(super) struct Space {
    /// `specmock:<sandbox>:`.
    pub prefix: String,
}

/// The keys of one resource (`clerk:/v1/organizations`).
#[derive(Debug, Clone)]
pub(super) struct ResourceKeys {
    /// id → the item as JSON.
    pub items: String,
    /// id, scored by creation: lists come out in the same order on every replica.
    pub order: String,
    /// `field\nvalue as JSON` → id, for properties no two items may share.
    pub unique: String,
    /// The largest integer id the resource has held (its sequence).
    pub high: String,
    /// Counts creations, for `order`.
    pub clock: String,
}

impl Space {
    pub fn new(sandbox: &str) -> Space {
        Space { prefix: format!("specmock:{sandbox}:") }
    }

    pub fn resource(&self, resource: &str) -> ResourceKeys {
        let base = format!("{}r:{resource}:", self.prefix);
        ResourceKeys {
            items: format!("{base}items"),
            order: format!("{base}order"),
            unique: format!("{base}unique"),
            high: format!("{base}high"),
            clock: format!("{base}clock"),
        }
    }

    /// The set of resources the sandbox holds items of.
    pub fn resources(&self) -> String {
        format!("{}resources", self.prefix)
    }

    /// Moves on at every reset: idempotency keys of an earlier epoch are forgotten.
    pub fn epoch(&self) -> String {
        format!("{}epoch", self.prefix)
    }

    /// Set by the first replica to start the sandbox (and seed it).
    pub fn marker(&self) -> String {
        format!("{}started", self.prefix)
    }

    /// Idempotency keys: `<prefix>key:<epoch>:<scope>`.
    pub fn keys_prefix(&self) -> String {
        format!("{}key:", self.prefix)
    }
}

/// Characters a sandbox name may have: it is part of every key, and shown in messages.
fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')
}

/// `--sandbox NAME`, checked.
pub fn check_name(name: &str) -> Result<String, String> {
    if name.is_empty() || name.len() > 100 || !name.chars().all(allowed) {
        return Err(format!("--sandbox '{name}': a sandbox name is 1 to 100 letters, digits, '.', '_', '-' or '+'"));
    }
    Ok(name.to_string())
}

/// The sandbox of replicas serving the same documents: their names, sorted, joined by `+`.
pub fn default_name(documents: &[&str]) -> String {
    let mut names: Vec<String> =
        documents.iter().map(|d| d.chars().map(|c| if allowed(c) { c } else { '_' }).collect()).collect();
    names.sort();
    names.dedup();
    let joined = names.join("+");
    if joined.is_empty() { "default".to_string() } else { joined.chars().take(100).collect() }
}

/// The URL as it may be shown: a password (in the user part or the query) becomes `***`.
pub fn shown(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            // `redis://secret@host`: redis-rs reads a lone user part as the username.
            None => format!("{user}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("pass") || k.eq_ignore_ascii_case("password") => {
                        format!("{k}=***")
                    }
                    _ => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_shown() {
        for (url, expected) in [
            ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
            ("redis://:s3cret@cache:6379/2", "redis://:***@cache:6379/2"),
            ("rediss://app:s3cr@t@cache.example:6380", "rediss://app:***@cache.example:6380"),
            ("redis+unix:///run/redis.sock?db=1&pass=s3cret", "redis+unix:///run/redis.sock?db=1&pass=***"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(shown(url), expected, "{url}");
        }
    }

    #[test]
    fn sandbox_names_are_derived_from_the_documents_and_checked() {
        assert_eq!(default_name(&["straddle", "clerk"]), "clerk+straddle");
        assert_eq!(default_name(&["my api"]), "my_api");
        assert_eq!(default_name(&[]), "default");
        assert!(check_name("team-a.staging").is_ok());
        for bad in ["", "a b", "a:b", "x/y"] {
            assert!(check_name(bad).unwrap_err().contains("--sandbox"), "{bad}");
        }
    }
}
