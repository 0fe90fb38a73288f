//! JSON pointer helpers (RFC 6901).

use std::borrow::Cow;

/// Escapes one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(token: &str) -> String {
    if !token.contains(['~', '/']) {
        return token.to_string();
    }
    token.replace('~', "~0").replace('/', "~1")
}

/// Undoes [`escape`], in one pass (path items' tokens all hold `~1`, and are looked up often).
pub fn unescape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    let mut rest = token;
    while let Some(at) = rest.find('~') {
        out.push_str(&rest[..at]);
        let (unescaped, taken) = match rest.as_bytes().get(at + 1) {
            Some(b'0') => ('~', 2),
            Some(b'1') => ('/', 2),
            _ => ('~', 1),
        };
        out.push(unescaped);
        rest = &rest[at + taken..];
    }
    out.push_str(rest);
    out
}

/// Appends one token to a pointer.
pub fn push(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape(token))
}

/// Splits a pointer into its unescaped tokens; `""` is the whole document.
pub fn tokens(pointer: &str) -> Vec<String> {
    each_token(pointer).map(Cow::into_owned).collect()
}

/// A pointer's unescaped tokens, each borrowed unless it holds an escape (large documents are
/// walked by pointer tens of thousands of times while they compile).
pub fn each_token(pointer: &str) -> impl Iterator<Item = Cow<'_, str>> {
    let tokens = (!pointer.is_empty()).then(|| pointer.strip_prefix('/').unwrap_or(pointer).split('/'));
    tokens.into_iter().flatten().map(|raw| match raw.contains('~') {
        true => Cow::Owned(unescape(raw)),
        false => Cow::Borrowed(raw),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescaping_undoes_escaping_in_the_order_rfc_6901_gives() {
        for token in ["/pets/{id}", "a~b", "~01", "~~1", "plain", "", "~", "x~"] {
            assert_eq!(unescape(&escape(token)), token);
        }
        // `~1` first, then `~0`: `~01` is `~1`, not `~/`.
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(unescape("~1pets~1{id}"), "/pets/{id}");
        // A `~` that escapes nothing is kept.
        assert_eq!(unescape("a~2b~"), "a~2b~");
        assert_eq!(tokens("/paths/~1pets/get"), ["paths", "/pets", "get"]);
        assert_eq!(tokens("//a"), ["", "a"], "the empty key");
        assert!(tokens("").is_empty(), "the whole document");
    }
}
