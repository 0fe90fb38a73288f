//! Integers beyond 64 bits. serde_json holds them as the nearest `f64`, which can round
//! onto a bound (`-9223372036854775809` becomes exactly `i64::MIN` and would pass int64).
//! Held instead one step further from zero than the nearest `f64`, they compare exactly
//! against every 64-bit bound, and still count as integers where the schema sets none.

use std::borrow::Cow;

use serde_json::Number;

/// An integer literal (`-?[0-9]+`) as a JSON number: exact within 64 bits, else the `f64`
/// just past it.
pub fn integer(raw: &str) -> Option<Number> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Ok(n) = raw.parse::<i64>() {
        return Some(Number::from(n));
    }
    if let Ok(n) = raw.parse::<u64>() {
        return Some(Number::from(n));
    }
    Number::from_f64(beyond(raw.parse::<f64>().ok()?))
}

/// The `f64` next after `nearest`, away from zero: rounding to nearest may have moved the
/// value toward zero by up to half a step; one whole step puts it strictly beyond.
fn beyond(nearest: f64) -> f64 {
    if nearest.is_sign_negative() { nearest.next_down() } else { nearest.next_up() }
}

/// A JSON text with every integer literal beyond 64 bits rewritten as [`integer`] holds it,
/// so that parsing keeps it on the right side of 64-bit bounds. Most bodies have none and
/// are returned as they are.
pub fn exact_integers(body: &[u8]) -> Cow<'_, [u8]> {
    // A literal past 64 bits has at least 19 digits in a row.
    if !body.windows(19).any(|w| w.iter().all(u8::is_ascii_digit)) {
        return Cow::Borrowed(body);
    }
    let mut out = Vec::with_capacity(body.len() + 16);
    let (mut i, mut in_string, mut escaped) = (0, false, false);
    while i < body.len() {
        let b = body[i];
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            out.push(b);
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            out.push(b);
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let end = (i + 1..body.len())
                .find(|&j| !matches!(body[j], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
                .unwrap_or(body.len());
            let token = &body[i..end];
            let replaced = std::str::from_utf8(token)
                .ok()
                .filter(|t| t.parse::<i64>().is_err() && t.parse::<u64>().is_err())
                .and_then(integer)
                .and_then(|n| n.as_f64())
                .map(|f| format!("{f:e}"));
            match replaced {
                Some(text) => out.extend_from_slice(text.as_bytes()),
                None => out.extend_from_slice(token),
            }
            i = end;
            continue;
        }
        out.push(b);
        i += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_past_64_bits_stay_past_the_bounds() {
        let below = integer("-9223372036854775809").and_then(|n| n.as_f64()).unwrap_or(0.0);
        assert!(below < i64::MIN as f64);
        let above = integer("18446744073709551616").and_then(|n| n.as_f64()).unwrap_or(0.0);
        assert!(above > u64::MAX as f64);
        assert_eq!(integer("-9223372036854775808").and_then(|n| n.as_i64()), Some(i64::MIN));
        assert_eq!(integer("12a"), None);
        assert_eq!(integer("1.5"), None);
    }

    #[test]
    fn json_bodies_keep_big_integers_beyond_the_bounds_and_leave_strings_alone() {
        let body = br#"{"n": -9223372036854775809, "s": "-9223372036854775809", "m": 1}"#;
        let fixed = exact_integers(body);
        let value: serde_json::Value = serde_json::from_slice(&fixed).expect("still JSON");
        assert!(value["n"].as_f64().is_some_and(|f| f < i64::MIN as f64));
        assert_eq!(value["s"], "-9223372036854775809");
        assert_eq!(value["m"], 1);
    }
}
