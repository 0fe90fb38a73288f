//! Numbers and strings: bounds, multiples, lengths, patterns, and realistic text.

use crate::spec::keyword::Keyword;
use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus as Rng64;
use serde_json::{Map, Value};

use super::generator::{Fail, Generator};
use super::pattern::compiled_pattern;
use super::values;

impl Generator<'_> {
    pub(super) fn number(&mut self, map: &Map<String, Value>, name: &str, integer: bool) -> Result<Value, Fail> {
        let get = |k: &str| map.kw(k).and_then(Value::as_f64);
        let words = values::words_of(name);
        let last = words.last().map(String::as_str).unwrap_or("");
        let looks_like_time = last == "at" || last == "timestamp";
        let (default_low, default_high): (f64, f64) = if looks_like_time && integer {
            (1_577_836_800_000.0, 1_767_225_600_000.0)
        } else if words.iter().any(|w| w == "page") {
            (1.0, 10.0)
        } else {
            (0.0, 100.0)
        };
        let step = if integer { 1.0 } else { 0.01 };
        let mut low = get("minimum").unwrap_or(f64::MIN);
        if let Some(x) = get("exclusiveMinimum") {
            low = low.max(x + step);
        }
        let mut high = get("maximum").unwrap_or(f64::MAX);
        if let Some(x) = get("exclusiveMaximum") {
            high = high.min(x - step);
        }
        if low > high {
            return Err(self.fail(format!("no number lies between the minimum {low} and the maximum {high}")));
        }
        // Keep to realistic magnitudes unless the bounds say otherwise.
        let (mut lo, mut hi) = (low.max(default_low.min(high)), high.min(default_high.max(low)));
        if lo > hi {
            (lo, hi) = (low, high);
        }
        if let Some(m) = get("multipleOf").filter(|m| *m > 0.0) {
            let first = (lo / m).ceil();
            let last = (hi / m).floor();
            if first > last {
                return Err(self.fail(format!("no multiple of {m} lies between {lo} and {hi}")));
            }
            let k = if last - first > 1e15 { first } else { self.rng.random_range(first as i64..=last as i64) as f64 };
            let v = k * m;
            return Ok(if integer || m.fract() == 0.0 && v.abs() < 9e15 { Value::from(v as i64) } else { float(v) });
        }
        if integer {
            let (lo, hi) = (lo.ceil(), hi.floor());
            if lo > hi {
                return Err(self.fail(format!("no integer lies between {low} and {high}")));
            }
            let (lo, hi) = (lo.max(i64::MIN as f64) as i64, hi.min(i64::MAX as f64) as i64);
            Ok(Value::from(self.rng.random_range(lo..=hi)))
        } else {
            let v = if lo == hi { lo } else { self.rng.random_range(lo..hi) };
            Ok(clamp(float((v * 100.0).round() / 100.0), lo, hi))
        }
    }

    pub(super) fn string(&mut self, map: &Map<String, Value>, name: &str) -> Result<String, Fail> {
        let min = map.kw("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map.kw("maxLength").and_then(Value::as_u64).map(|m| m as usize).unwrap_or(usize::MAX);
        if min > max {
            return Err(self.fail(format!("minLength {min} is greater than maxLength {max}")));
        }
        if min > 100_000 {
            return Err(self.fail(format!("minLength {min} is more than a mock body should hold")));
        }
        if let Some(pattern) = map.kw("pattern").and_then(Value::as_str) {
            return self.pattern_string(pattern, min, max);
        }
        let format = map.kw("format").and_then(Value::as_str).unwrap_or("");
        let text = values::by_format(&mut self.rng, format)
            .or_else(|| if format.is_empty() { values::by_name(&mut self.rng, name) } else { None })
            .unwrap_or_else(|| values::words(&mut self.rng));
        Ok(fit_length(text, min, max, &mut self.rng))
    }

    pub(super) fn pattern_string(&mut self, pattern: &str, min: usize, max: usize) -> Result<String, Fail> {
        let regex =
            compiled_pattern(pattern).map_err(|e| self.fail(format!("cannot generate from pattern {pattern}: {e}")))?;
        let mut last = String::new();
        for _ in 0..16 {
            let candidate: String = self.rng.sample(&*regex);
            let len = candidate.chars().count();
            if len >= min && len <= max {
                return Ok(candidate);
            }
            last = candidate;
        }
        // Close enough for the validator to judge; a repair will pick another stream.
        Ok(last)
    }
}

fn clamp(value: Value, lo: f64, hi: f64) -> Value {
    match value.as_f64() {
        Some(v) if v < lo => float(lo),
        Some(v) if v > hi => float(hi),
        _ => value,
    }
}

fn float(v: f64) -> Value {
    serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::from(0))
}

fn fit_length(mut text: String, min: usize, max: usize, rng: &mut Rng64) -> String {
    let len = text.chars().count();
    if len < min {
        text.push_str(&values::alnum(rng, min - len));
    } else if len > max {
        text = text.chars().take(max).collect();
    }
    text
}
