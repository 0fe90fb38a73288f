//! Reading a lifecycle's answers: where the item is in an answer (`{…}`, `{data: {…}}`,
//! `{org: {…}}`), what its id is, whether the values written are the values read back,
//! and whether a list holds an item.

use serde_json::{Map, Value};

/// How deep a list answer is searched for an item, and how many values at most.
const MAX_DEPTH: usize = 8;
const MAX_VISITED: usize = 100_000;

/// An item found in an answer: the keys leading to it, the id property and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<'a> {
    pub path: Vec<String>,
    pub id_property: String,
    pub id: String,
    pub item: &'a Map<String, Value>,
}

impl Located<'_> {
    /// A `jq` filter for the id: `.id`, `.data.id`, `.["odd key"].id`.
    pub fn jq(&self) -> String {
        let mut out = String::new();
        for key in self.path.iter().chain(std::iter::once(&self.id_property)) {
            if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push('.');
                out.push_str(key);
            } else {
                out.push_str(&format!(".[{}]", Value::String(key.clone())));
            }
        }
        out
    }
}

/// The item in an answer: the answer itself if it has one of the id properties, else the
/// first object-valued property that does.
pub fn locate<'a>(answer: &'a Value, id_properties: &[String]) -> Option<Located<'a>> {
    let own = |map: &'a Map<String, Value>| {
        id_properties.iter().find_map(|p| match map.get(p) {
            Some(v @ (Value::String(_) | Value::Number(_))) => Some((p.clone(), text(v))),
            _ => None,
        })
    };
    let map = answer.as_object()?;
    if let Some((id_property, id)) = own(map) {
        return Some(Located { path: Vec::new(), id_property, id, item: map });
    }
    map.iter().find_map(|(key, value)| {
        let inner = value.as_object()?;
        let (id_property, id) = own(inner)?;
        Some(Located { path: vec![key.clone()], id_property, id, item: inner })
    })
}

/// The item whose id is at `pointer` (`/data/id`): the object holding it.
pub fn locate_at<'a>(answer: &'a Value, pointer: &str) -> Option<Located<'a>> {
    let (parent, last) = pointer.rsplit_once('/')?;
    let item = answer.pointer(parent)?.as_object()?;
    let id_property = crate::spec::pointer::unescape(last);
    let id = match item.get(&id_property)? {
        v @ (Value::String(_) | Value::Number(_)) => text(v),
        _ => return None,
    };
    Some(Located { path: crate::spec::pointer::tokens(parent), id_property, id, item })
}

/// Whether a (list) answer holds an object whose id property is `id`, anywhere inside.
pub fn contains(answer: &Value, id_properties: &[String], id: &str) -> bool {
    let mut visited = 0;
    search(answer, id_properties, id, 0, &mut visited)
}

fn search(value: &Value, id_properties: &[String], id: &str, depth: usize, visited: &mut usize) -> bool {
    *visited += 1;
    if depth > MAX_DEPTH || *visited > MAX_VISITED {
        return false;
    }
    match value {
        Value::Object(map) => {
            id_properties.iter().any(|p| map.get(p).is_some_and(|v| scalar_text(v).as_deref() == Some(id)))
                || map.values().any(|v| search(v, id_properties, id, depth + 1, visited))
        }
        Value::Array(items) => items.iter().any(|v| search(v, id_properties, id, depth + 1, visited)),
        _ => false,
    }
}

/// Every id a (list) answer holds, in order.
pub fn ids(answer: &Value, id_properties: &[String]) -> Vec<String> {
    fn walk(value: &Value, id_properties: &[String], depth: usize, out: &mut Vec<String>) {
        if depth > MAX_DEPTH || out.len() >= MAX_VISITED {
            return;
        }
        match value {
            Value::Object(map) => match id_properties.iter().find_map(|p| map.get(p).and_then(scalar_text)) {
                Some(id) => out.push(id),
                None => map.values().for_each(|v| walk(v, id_properties, depth + 1, out)),
            },
            Value::Array(items) => items.iter().for_each(|v| walk(v, id_properties, depth + 1, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(answer, id_properties, 0, &mut out);
    out
}

/// The length of the longest array in an answer (a page of a list), searched shallowly.
pub fn longest_list(answer: &Value) -> usize {
    match answer {
        Value::Array(items) => items.len(),
        Value::Object(map) => {
            map.values().map(|v| if let Value::Array(a) = v { a.len() } else { 0 }).max().unwrap_or(0)
        }
        _ => 0,
    }
}

/// Where the values written differ from the values answered: (JSON pointer, what differs).
/// Only what both sides have is compared — a server may leave out what it never shows
/// (writeOnly fields), and a `null` written is no value to keep — and scalars compare by
/// value, so `5` matches `"5"` from a form and two spellings of the same instant match.
pub fn differences(sent: &Value, got: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    compare(sent, got, &mut String::new(), &mut out, 0);
    out
}

fn compare(sent: &Value, got: &Value, at: &mut String, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > MAX_DEPTH || out.len() >= 10 {
        return;
    }
    match (sent, got) {
        (Value::Object(s), Value::Object(g)) => {
            for (key, value) in s {
                // `null` written asks for nothing in particular: a server may keep its default.
                if value.is_null() {
                    continue;
                }
                let Some(other) = g.get(key) else { continue };
                let len = at.len();
                at.push('/');
                at.push_str(&crate::spec::pointer::escape(key));
                compare(value, other, at, out, depth + 1);
                at.truncate(len);
            }
        }
        (Value::Array(s), Value::Array(g)) if s.len() == g.len() => {
            for (i, (a, b)) in s.iter().zip(g).enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                compare(a, b, at, out, depth + 1);
                at.truncate(len);
            }
        }
        (a, b) if same_scalar(a, b) => {}
        // A value answered in another shape than it was written (Scalekit takes permission
        // names and answers permission objects; a form's text answered as an object): the
        // document says so, and whether it is the same thing is not for a comparison to say.
        (a, b) if shape(a) != shape(b) => {}
        (a, b) => out.push((at.clone(), format!("{} was written, {} was answered", short(a), short(b)))),
    }
}

/// Object, array, or a scalar.
fn shape(value: &Value) -> u8 {
    match value {
        Value::Object(_) => 2,
        Value::Array(_) => 1,
        _ => 0,
    }
}

fn same_scalar(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (scalar_text(a), scalar_text(b)) {
        (Some(x), Some(y)) if x == y => true,
        (Some(_), Some(_)) => match (instant(a), instant(b)) {
            (Some(t), Some(u)) => t == u,
            _ => {
                match (a.as_f64().or_else(|| a.as_str()?.parse().ok()), b.as_f64().or_else(|| b.as_str()?.parse().ok()))
                {
                    (Some(m), Some(n)) => m == n,
                    _ => false,
                }
            }
        },
        _ => false,
    }
}

/// A point in time: an RFC 3339 string, or (against one) a Unix time in seconds or
/// milliseconds — APIs take one and answer the other (Clerk's `created_at`).
fn instant(v: &Value) -> Option<jiff::Timestamp> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => {
            let n = n.as_i64()?;
            // Beyond the year 5138 in seconds: milliseconds.
            if n.abs() >= 100_000_000_000 {
                jiff::Timestamp::from_millisecond(n).ok()
            } else {
                jiff::Timestamp::from_second(n).ok()
            }
        }
        _ => None,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text(v: &Value) -> String {
    scalar_text(v).unwrap_or_else(|| v.to_string())
}

/// A value as a message shows it: JSON, cut short.
fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 60 { text } else { format!("{}…", text.chars().take(57).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids() -> Vec<String> {
        vec!["id".into(), "thing_id".into()]
    }

    #[test]
    fn items_are_found_bare_or_wrapped() {
        let bare = json!({"id": "a1", "name": "x"});
        let found = locate(&bare, &ids()).unwrap();
        assert_eq!((found.id.as_str(), found.jq()), ("a1", ".id".to_string()));
        let wrapped = json!({"meta": {}, "data": {"thing_id": 7}});
        let found = locate(&wrapped, &ids()).unwrap();
        assert_eq!((found.id.as_str(), found.jq()), ("7", ".data.thing_id".to_string()));
        assert!(locate(&json!({"data": [1]}), &ids()).is_none());
    }

    #[test]
    fn a_link_says_where_the_id_is() {
        let answer = json!({"data": {"user": {"uid": "u1"}}});
        let found = locate_at(&answer, "/data/user/uid").unwrap();
        assert_eq!((found.id.as_str(), found.jq()), ("u1", ".data.user.uid".to_string()));
        assert!(locate_at(&answer, "/data/user").is_none());
    }

    #[test]
    fn lists_are_searched_at_any_depth() {
        let page = json!({"data": [{"id": "a"}, {"org": {"id": "b"}}], "total": 2});
        assert!(contains(&page, &ids(), "b"));
        assert!(!contains(&page, &ids(), "c"));
        assert_eq!(longest_list(&page), 2);
    }

    #[test]
    fn only_what_both_sides_have_is_compared() {
        let sent = json!({"name": "Acme", "secret": "s", "count": "5", "at": "2024-01-01T00:00:00Z", "tags": ["a"], "limit": null});
        let got = json!({"name": "Acme", "count": 5, "at": 1704067200000i64, "tags": ["a"], "id": "x", "limit": 10});
        assert!(differences(&sent, &got).is_empty());
        let wrong =
            differences(&json!({"name": "Acme", "meta": {"k": 1}}), &json!({"name": "Other", "meta": {"k": 2}}));
        assert_eq!(wrong.len(), 2);
        assert_eq!(wrong[0], ("/name".to_string(), "\"Acme\" was written, \"Other\" was answered".to_string()));
        assert_eq!(wrong[1].0, "/meta/k");
    }
}
