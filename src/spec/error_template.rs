//! `x-specmock-error`, read once: the body template split into what is fixed (written out as
//! it is) and what names a variable (`{{field}}`), and the per-keyword variables likewise.
//! Rendering (src/style) then only looks up and writes.

use serde_json::Value;

/// A document's (or an operation's) error template.
#[derive(Debug)]
pub struct ErrorTemplate {
    /// As written (refreshing documented examples reads its placeholders).
    pub raw: Value,
    pub body: Node,
    /// Variables per violation keyword (`required`, `maxLength`, … and `default`).
    vars: Vec<(String, Vars)>,
}

/// Variables one keyword defines, each a template of its own.
pub type Vars = Vec<(String, Node)>;

/// A part of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// No placeholder anywhere inside.
    Fixed(Value),
    /// Exactly `"{{name}}"`: the variable's value, keeping its type.
    Whole(String),
    /// Text with placeholders: `"Enter {{field}}."`.
    Text(Vec<Piece>),
    Object(Vec<(String, Node)>),
    Array(Vec<Item>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Literal(String),
    Var(String),
}

/// An array element: itself, or (`$each: violations`) repeated once per violation.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    One(Node),
    Each(Node),
}

impl ErrorTemplate {
    pub fn parse(raw: Value) -> ErrorTemplate {
        let body = Node::parse(raw.get("body").unwrap_or(&Value::Null));
        let vars = match raw.get("vars") {
            Some(Value::Object(by_keyword)) => by_keyword
                .iter()
                .map(|(keyword, vars)| {
                    let vars = match vars {
                        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), Node::parse(v))).collect(),
                        _ => Vec::new(),
                    };
                    (keyword.clone(), vars)
                })
                .collect(),
            _ => Vec::new(),
        };
        ErrorTemplate { raw, body, vars }
    }

    /// The variables for a violation of `keyword` (else the `default` ones).
    pub fn vars_for(&self, keyword: &str) -> Option<&Vars> {
        let find = |k: &str| self.vars.iter().find(|(name, _)| name == k).map(|(_, v)| v);
        find(keyword).or_else(|| find("default"))
    }
}

impl Node {
    pub fn parse(value: &Value) -> Node {
        match value {
            Value::String(s) => match pieces(s) {
                None => Node::Fixed(value.clone()),
                Some(pieces) => match pieces.as_slice() {
                    [Piece::Var(name)] => Node::Whole(name.clone()),
                    _ => Node::Text(pieces),
                },
            },
            Value::Object(map) => {
                let entries: Vec<(String, Node)> = map.iter().map(|(k, v)| (k.clone(), Node::parse(v))).collect();
                if entries.iter().all(|(_, n)| matches!(n, Node::Fixed(_))) {
                    Node::Fixed(value.clone())
                } else {
                    Node::Object(entries)
                }
            }
            Value::Array(items) => {
                let parsed: Vec<Item> = items
                    .iter()
                    .map(|item| match (item.get("$each").and_then(Value::as_str), item) {
                        (Some("violations"), Value::Object(map)) => {
                            let mut each = map.clone();
                            each.shift_remove("$each");
                            Item::Each(Node::parse(&Value::Object(each)))
                        }
                        _ => Item::One(Node::parse(item)),
                    })
                    .collect();
                if parsed.iter().all(|i| matches!(i, Item::One(Node::Fixed(_)))) {
                    Node::Fixed(value.clone())
                } else {
                    Node::Array(parsed)
                }
            }
            other => Node::Fixed(other.clone()),
        }
    }
}

/// A string's pieces, or `None` when it has no placeholder. An unclosed `{{` is text.
fn pieces(s: &str) -> Option<Vec<Piece>> {
    if !s.contains("{{") {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else { break };
        if start > 0 {
            out.push(Piece::Literal(rest[..start].to_string()));
        }
        out.push(Piece::Var(rest[start + 2..start + len].trim().to_string()));
        rest = &rest[start + len + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest.to_string()));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn templates_are_split_into_fixed_parts_and_placeholders() {
        let lit = |s: &str| Piece::Literal(s.into());
        let var = |s: &str| Piece::Var(s.into());
        let table = [
            (json!("plain"), Node::Fixed(json!("plain"))),
            (json!("{{field}}"), Node::Whole("field".into())),
            (json!("{{ field }}"), Node::Whole("field".into())),
            (json!("Enter {{field}}."), Node::Text(vec![lit("Enter "), var("field"), lit(".")])),
            (json!("{{a}}{{b}}"), Node::Text(vec![var("a"), var("b")])),
            (json!("unclosed {{x"), Node::Text(vec![lit("unclosed {{x")])),
            (json!({"code": 3, "details": []}), Node::Fixed(json!({"code": 3, "details": []}))),
            (
                json!({"code": "{{code}}", "n": 1}),
                Node::Object(vec![("code".into(), Node::Whole("code".into())), ("n".into(), Node::Fixed(json!(1)))]),
            ),
            (
                json!([{"$each": "violations", "m": "{{message}}"}]),
                Node::Array(vec![Item::Each(Node::Object(vec![("m".into(), Node::Whole("message".into()))]))]),
            ),
        ];
        for (value, node) in table {
            assert_eq!(Node::parse(&value), node, "{value}");
        }
    }
}
