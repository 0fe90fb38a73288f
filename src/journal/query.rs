//! `GET /__specmock/requests?operation=&status=&since=&limit=`: which entries to list.

use super::entry::Entry;

/// Which entries to list.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The operationId, or `METHOD /path` for an operation without one.
    pub operation: Option<String>,
    pub status: Option<StatusFilter>,
    /// Only entries recorded at or after this time.
    pub since: Option<jiff::Timestamp>,
    /// Only entries with a larger id (the inspector catching up after a reconnect).
    pub after: Option<u64>,
    pub limit: usize,
}

impl Default for Filter {
    fn default() -> Self {
        Filter { operation: None, status: None, since: None, after: None, limit: usize::MAX }
    }
}

/// `422`, or a class: `4xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Exact(u16),
    Class(u16),
}

impl Filter {
    /// Reads the query string; a value that cannot be understood is an error naming it.
    pub fn parse(query: Option<&str>) -> Result<Filter, String> {
        let mut filter = Filter::default();
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "operation" => filter.operation = Some(value.into_owned()),
                "status" => filter.status = Some(status(&value)?),
                "since" => filter.since = Some(since(&value)?),
                "after" => {
                    filter.after =
                        Some(value.parse().map_err(|_| format!("?after={value} is not an entry id (a whole number)"))?)
                }
                "limit" => filter.limit = value.parse().map_err(|_| format!("?limit={value} is not a whole number"))?,
                "token" => {} // the admin token, for pages that cannot send headers
                other => {
                    return Err(format!(
                        "?{other} is not a filter of the request journal (there are operation, status, since, after and limit)"
                    ));
                }
            }
        }
        Ok(filter)
    }

    pub fn keeps(&self, entry: &Entry) -> bool {
        if let Some(operation) = &self.operation {
            let label = entry.reasons.operation.as_deref().unwrap_or("");
            if label != operation {
                return false;
            }
        }
        match self.status {
            Some(StatusFilter::Exact(s)) if entry.status != s => return false,
            Some(StatusFilter::Class(c)) if entry.status / 100 != c => return false,
            _ => {}
        }
        if self.since.is_some_and(|since| entry.time() < since) {
            return false;
        }
        if self.after.is_some_and(|after| entry.id <= after) {
            return false;
        }
        true
    }
}

fn status(text: &str) -> Result<StatusFilter, String> {
    let t = text.trim();
    let class = t.strip_suffix(['x', 'X']).and_then(|t| t.strip_suffix(['x', 'X']));
    match class {
        Some(digit) if digit.len() == 1 => match digit.parse::<u16>() {
            Ok(c) if (1..=5).contains(&c) => Ok(StatusFilter::Class(c)),
            _ => Err(format!("?status={text} is not a status class (1xx to 5xx)")),
        },
        _ => match t.parse::<u16>() {
            Ok(code) if (100..=599).contains(&code) => Ok(StatusFilter::Exact(code)),
            _ => Err(format!("?status={text} is not a status (e.g. 422) or a class (e.g. 4xx)")),
        },
    }
}

/// An RFC 3339 time (`2026-12-01T10:00:00Z`), or a span back from now (`30s`, `5m`).
fn since(text: &str) -> Result<jiff::Timestamp, String> {
    if let Ok(time) = text.parse::<jiff::Timestamp>() {
        return Ok(time);
    }
    let span = crate::units::parse_duration(text)
        .map_err(|_| format!("?since={text} is neither a time (2026-12-01T10:00:00Z) nor a span back (30s, 5m)"))?;
    let span = jiff::SignedDuration::try_from(span).map_err(|e| format!("?since={text}: {e}"))?;
    jiff::Timestamp::now().checked_sub(span).map_err(|e| format!("?since={text}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse() {
        let f = Filter::parse(Some("operation=createPet&status=4xx&limit=5")).unwrap();
        assert_eq!(f.operation.as_deref(), Some("createPet"));
        assert_eq!(f.status, Some(StatusFilter::Class(4)));
        assert_eq!(f.limit, 5);
        assert_eq!(Filter::parse(Some("status=422")).unwrap().status, Some(StatusFilter::Exact(422)));
        assert!(Filter::parse(Some("since=2026-12-01T10:00:00Z")).unwrap().since.is_some());
        assert!(Filter::parse(Some("since=5m")).unwrap().since.is_some());
        for bad in ["status=abc", "status=6xx", "status=99", "since=yesterday", "limit=-1", "colour=red", "after=x"] {
            assert!(Filter::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
