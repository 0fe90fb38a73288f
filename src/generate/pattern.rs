//! Strings from `pattern`s: ECMA-262 regexes read by regex-syntax, sampled by rand_regex.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// Longest minimum match of a pattern the generator takes on (`a{100000000}` is refused).
const MAX_PATTERN_LEN: usize = 64 * 1024;

/// Repetitions beyond their minimum are drawn at most this many more times, so that
/// `x{0,100000000}` gives short strings rather than a hundred megabytes.
const MAX_EXTRA_REPEATS: u32 = 8;

/// Patterns are compiled once per process: the dynamic mock generates on every request.
pub fn compiled_pattern(pattern: &str) -> Result<Arc<rand_regex::Regex>, String> {
    static CACHE: OnceLock<RwLock<HashMap<String, Arc<rand_regex::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(r) = cache.read().ok().and_then(|c| c.get(pattern).cloned()) {
        return Ok(r);
    }
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(true)
        .build()
        .parse(&ascii_classes(pattern))
        .map_err(|e| e.to_string())?;
    if let Some(min) = hir.properties().minimum_len().filter(|n| *n > MAX_PATTERN_LEN) {
        return Err(format!(
            "it needs strings of at least {min} bytes, more than a mock body should hold ({MAX_PATTERN_LEN})"
        ));
    }
    let regex = Arc::new(rand_regex::Regex::with_hir(without_anchors(hir), 8).map_err(|e| e.to_string())?);
    if let Ok(mut c) = cache.write() {
        c.insert(pattern.to_string(), Arc::clone(&regex));
    }
    Ok(regex)
}

/// ECMA-262 (JSON Schema's regex dialect) means ASCII by `\d`, `\w` and `\s`; Rust's
/// parser means Unicode. Spell them out so generated text matches what validators accept.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let class = match next {
                    'd' => Some("0-9"),
                    'w' => Some("A-Za-z0-9_"),
                    's' => Some(" \\t\\n\\r"),
                    _ => None,
                };
                match (class, in_class) {
                    (Some(body), true) => out.push_str(body),
                    (Some(body), false) => {
                        out.push('[');
                        out.push_str(body);
                        out.push(']');
                    }
                    (None, _) => {
                        out.push(c);
                        out.push(next);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Anchors and word boundaries constrain where a match sits, not what it contains; a
/// generator cannot produce them, so they are dropped (the result is validated anyway).
/// Repetitions are capped a few beyond their minimum.
fn without_anchors(hir: regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Capture, Hir, HirKind, Repetition};
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Concat(parts) => Hir::concat(parts.into_iter().map(without_anchors).collect()),
        HirKind::Alternation(parts) => Hir::alternation(parts.into_iter().map(without_anchors).collect()),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(without_anchors(*r.sub)),
            max: Some(r.max.unwrap_or(u32::MAX).min(r.min.saturating_add(MAX_EXTRA_REPEATS))),
            ..r
        }),
        HirKind::Capture(c) => Hir::capture(Capture { sub: Box::new(without_anchors(*c.sub)), ..c }),
        HirKind::Literal(literal) => Hir::literal(literal.0),
        HirKind::Class(class) => Hir::class(class),
        HirKind::Empty => Hir::empty(),
    }
}
