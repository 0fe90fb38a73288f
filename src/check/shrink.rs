//! Shrinking a failing random request to a smaller one that still fails: optional
//! parameters and properties left out, arrays cut, strings shortened, numbers brought
//! towards zero — each step strictly smaller, so the walk ends, and bounded in requests.

use serde_json::Value;

use super::build::Draft;

/// Values looked at per candidate list: a huge body is shrunk where it starts.
const MAX_NODES: usize = 400;

/// Shrinks `start` while `fails` says a candidate still fails, trying only candidates
/// `valid` accepts, sending at most `budget` candidates; the parameters at `kept` (an
/// idempotency key) stay as they are. Returns the smallest failing draft found and how many
/// steps it took.
pub async fn shrink<V, F>(start: Draft, kept: &[usize], valid: V, mut fails: F, budget: usize) -> (Draft, usize)
where
    V: Fn(&Draft) -> bool,
    F: AsyncFnMut(&Draft) -> bool,
{
    let mut current = start;
    let mut steps = 0;
    let mut sent = 0;
    'smaller: while sent < budget {
        for candidate in candidates(&current, kept) {
            if !valid(&candidate) {
                continue;
            }
            sent += 1;
            if fails(&candidate).await {
                current = candidate;
                steps += 1;
                continue 'smaller;
            }
            if sent >= budget {
                break 'smaller;
            }
        }
        break;
    }
    (current, steps)
}

/// Smaller versions of a draft, the largest reductions first; the parameters at `kept` stay.
pub fn candidates(draft: &Draft, kept: &[usize]) -> Vec<Draft> {
    let mut out = Vec::new();
    // Leaving things out first: each optional parameter, then each property and item.
    for (i, value) in draft.params.iter().enumerate() {
        if value.is_some() && !kept.contains(&i) {
            let mut smaller = draft.clone();
            smaller.params[i] = None;
            out.push(smaller);
        }
    }
    let Some((media, body)) = &draft.body else {
        out.extend(scalar_candidates(draft, kept));
        return out;
    };
    let mut places = Vec::new();
    nodes(body, String::new(), &mut places);
    let with_body = |value: Value| {
        let mut smaller = draft.clone();
        smaller.body = Some((*media, value));
        smaller
    };
    for pointer in &places {
        if let Some((parent, last)) = pointer.rsplit_once('/') {
            let mut smaller = body.clone();
            let removed = match smaller.pointer_mut(parent) {
                Some(Value::Object(map)) => map.shift_remove(&unescape(last)).is_some(),
                Some(Value::Array(items)) => last.parse::<usize>().ok().filter(|i| *i < items.len()).is_some_and(|i| {
                    items.remove(i);
                    true
                }),
                _ => false,
            };
            if removed {
                out.push(with_body(smaller));
            }
        }
    }
    for pointer in &places {
        let Some(value) = body.pointer(pointer) else { continue };
        for replacement in smaller_values(value) {
            let mut smaller = body.clone();
            if let Some(slot) = smaller.pointer_mut(pointer) {
                *slot = replacement;
                out.push(with_body(smaller));
            }
        }
    }
    out.extend(scalar_candidates(draft, kept));
    out
}

/// Parameters' values made smaller.
fn scalar_candidates(draft: &Draft, kept: &[usize]) -> Vec<Draft> {
    let mut out = Vec::new();
    for (i, value) in draft.params.iter().enumerate() {
        let Some(value) = value.as_ref().filter(|_| !kept.contains(&i)) else { continue };
        for replacement in smaller_values(value) {
            let mut smaller = draft.clone();
            smaller.params[i] = Some(replacement);
            out.push(smaller);
        }
    }
    out
}

/// Every place in a value, parents before children (the root is `""`), at most [`MAX_NODES`].
fn nodes(value: &Value, pointer: String, out: &mut Vec<String>) {
    if out.len() >= MAX_NODES {
        return;
    }
    out.push(pointer.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                nodes(child, format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                nodes(child, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Strictly smaller values of the same kind: shorter, fewer, nearer zero, false.
fn smaller_values(value: &Value) -> Vec<Value> {
    match value {
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            let mut out = Vec::new();
            for len in [0, chars.len() / 2, chars.len().saturating_sub(1)] {
                if len < chars.len() {
                    let shorter = Value::String(chars[..len].iter().collect());
                    if !out.contains(&shorter) {
                        out.push(shorter);
                    }
                }
            }
            out
        }
        Value::Array(items) if items.len() > 1 => vec![Value::Array(items[..items.len() / 2].to_vec())],
        Value::Bool(true) => vec![Value::Bool(false)],
        Value::Number(n) => {
            let mut out: Vec<Value> = Vec::new();
            let mut push = |v: Value| {
                if !out.contains(&v) {
                    out.push(v);
                }
            };
            if let Some(i) = n.as_i64() {
                for smaller in [0, i / 2, i - i.signum()] {
                    if smaller.unsigned_abs() < i.unsigned_abs() {
                        push(Value::from(smaller));
                    }
                }
            } else if let Some(u) = n.as_u64() {
                for smaller in [0, u / 2, u - 1] {
                    push(Value::from(smaller));
                }
            } else if let Some(f) = n.as_f64() {
                for smaller in [0.0, f.trunc(), (f / 2.0).trunc()] {
                    if smaller.abs() < f.abs() {
                        push(Value::from(smaller as i64));
                    }
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft(body: Value, params: Vec<Option<Value>>) -> Draft {
        Draft { operation: 0, params, body: Some((0, body)), extra: Vec::new() }
    }

    #[tokio::test]
    async fn the_shrinker_finds_the_smallest_request_that_still_fails() {
        // Fails when the name has 3 characters or more and the count is over 10; `name` and
        // `count` are required, the rest optional; the `page` parameter is optional.
        let start = draft(
            json!({"name": "abcdefghij", "count": 77, "note": "zzz", "tags": ["a", "b", "c"], "flag": true}),
            vec![Some(json!(5))],
        );
        let valid = |d: &Draft| {
            let body = &d.body.as_ref().unwrap().1;
            body.get("name").is_some_and(Value::is_string) && body.get("count").is_some_and(Value::is_i64)
        };
        let mut sent = Vec::new();
        let fails = async |d: &Draft| {
            sent.push(d.clone());
            let body = &d.body.as_ref().unwrap().1;
            body["name"].as_str().unwrap().chars().count() >= 3 && body["count"].as_i64().unwrap() > 10
        };
        let (smallest, steps) = shrink(start, &[], valid, fails, 200).await;
        assert_eq!(smallest, draft(json!({"name": "abc", "count": 11}), vec![None]));
        assert!(steps > 0 && sent.len() <= 200, "{steps} steps, {} sent", sent.len());
    }

    #[tokio::test]
    async fn shrinking_stops_at_its_budget() {
        let start = draft(json!({"name": "a".repeat(1000)}), vec![]);
        let mut sent = 0;
        let fails = async |_: &Draft| {
            sent += 1;
            true
        };
        let valid = |d: &Draft| d.body.as_ref().is_some_and(|(_, b)| b["name"].as_str().is_some_and(|n| !n.is_empty()));
        let (smaller, _) = shrink(start, &[], valid, fails, 5).await;
        assert_eq!(sent, 5);
        assert!(smaller.body.unwrap().1.to_string().len() < 1000);
    }

    #[test]
    fn every_candidate_is_strictly_smaller() {
        assert_eq!(smaller_values(&json!(-7)), vec![json!(0), json!(-3), json!(-6)]);
        assert_eq!(smaller_values(&json!("abcd")), vec![json!(""), json!("ab"), json!("abc")]);
        assert!(smaller_values(&json!(0)).is_empty() && smaller_values(&json!("")).is_empty());
        assert!(smaller_values(&json!(false)).is_empty());
    }
}
