//! OpenAPI runtime expressions, as callback URLs use them: `{$request.body#/callbackUrl}`,
//! `http://hooks.example/{$request.query.tenant}?id={$response.body#/id}`, `$url`, `$method`,
//! `$statusCode`, and `header.`, `query.`, `path.` and `body#/pointer` sources of the request
//! and the response.

use http::HeaderMap;
use serde_json::Value;

/// What an expression may read: one request and its answer.
pub struct Exchange<'a> {
    pub method: &'a str,
    /// The request's full URL.
    pub url: &'a str,
    pub query: Option<&'a str>,
    pub path_params: &'a [(String, String)],
    pub request_headers: &'a HeaderMap,
    pub request_body: Option<&'a Value>,
    pub status: u16,
    pub response_headers: &'a HeaderMap,
    pub response_body: Option<&'a Value>,
}

/// Fills every `{expression}` of a template; a bare expression (`$request.body#/url`) is one too.
pub fn evaluate(template: &str, exchange: &Exchange<'_>) -> Result<String, String> {
    if template.starts_with('$') {
        return value(template, exchange);
    }
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| format!("'{template}': a '{{' is never closed"))?;
        out.push_str(&value(&after[..close], exchange)?);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// One expression's value, as text.
fn value(expression: &str, x: &Exchange<'_>) -> Result<String, String> {
    let missing = |what: &str| format!("{expression}: the {what} is not there");
    match expression {
        "$url" => return Ok(x.url.to_string()),
        "$method" => return Ok(x.method.to_string()),
        "$statusCode" => return Ok(x.status.to_string()),
        _ => {}
    }
    let (side, source) = if let Some(source) = expression.strip_prefix("$request.") {
        ("request", source)
    } else if let Some(source) = expression.strip_prefix("$response.") {
        ("response", source)
    } else {
        return Err(format!(
            "'{expression}' is not a runtime expression ($url, $method, $statusCode, $request.…, $response.…)"
        ));
    };
    let (headers, body) = match side {
        "request" => (x.request_headers, x.request_body),
        _ => (x.response_headers, x.response_body),
    };
    if let Some(name) = source.strip_prefix("header.") {
        return headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| missing(&format!("{side} header '{name}'")));
    }
    if let Some(name) = source.strip_prefix("query.") {
        let query = if side == "request" { x.query } else { None };
        return query
            .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned()))
            .ok_or_else(|| missing(&format!("{side} query parameter '{name}'")));
    }
    if let Some(name) = source.strip_prefix("path.") {
        let params = if side == "request" { x.path_params } else { &[] };
        return params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| missing(&format!("{side} path parameter '{name}'")));
    }
    if let Some(rest) = source.strip_prefix("body") {
        let body = body.ok_or_else(|| missing(&format!("{side} body (JSON)")))?;
        let found = match rest {
            "" => Some(body),
            pointer => {
                let pointer = pointer
                    .strip_prefix('#')
                    .ok_or_else(|| format!("'{expression}': a body reference is body#/json/pointer"))?;
                body.pointer(pointer)
            }
        };
        return match found {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Ok(other.to_string()),
            None => Err(missing(&format!("{side} body's {rest}"))),
        };
    }
    Err(format!("'{expression}': after $request. or $response. comes header., query., path. or body"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with<T>(f: impl FnOnce(&Exchange<'_>) -> T) -> T {
        let mut headers = HeaderMap::new();
        headers.insert("x-tenant", http::HeaderValue::from_static("acme"));
        let request = json!({"callbackUrl": "http://127.0.0.1:9/cb", "nested": {"n": 3}});
        let response = json!({"id": "org_1"});
        let params = vec![("id".to_string(), "org_1".to_string())];
        f(&Exchange {
            method: "POST",
            url: "http://localhost/v1/things?x=1",
            query: Some("x=1&who=a%20b"),
            path_params: &params,
            request_headers: &headers,
            request_body: Some(&request),
            status: 201,
            response_headers: &HeaderMap::new(),
            response_body: Some(&response),
        })
    }

    #[test]
    fn expressions_read_the_request_and_the_answer() {
        with(|x| {
            assert_eq!(evaluate("{$request.body#/callbackUrl}", x).unwrap(), "http://127.0.0.1:9/cb");
            assert_eq!(evaluate("$request.body#/callbackUrl", x).unwrap(), "http://127.0.0.1:9/cb");
            assert_eq!(
                evaluate("http://h/{$request.header.x-tenant}/{$response.body#/id}?n={$request.body#/nested/n}", x)
                    .unwrap(),
                "http://h/acme/org_1?n=3"
            );
            assert_eq!(evaluate("{$request.query.who}/{$request.path.id}", x).unwrap(), "a b/org_1");
            assert_eq!(
                evaluate("{$method} {$statusCode} {$url}", x).unwrap(),
                "POST 201 http://localhost/v1/things?x=1"
            );
        });
    }

    #[test]
    fn what_is_missing_or_malformed_is_named() {
        with(|x| {
            assert!(evaluate("{$request.body#/nope}", x).unwrap_err().contains("/nope"));
            assert!(evaluate("{$request.query.nope}", x).unwrap_err().contains("'nope'"));
            assert!(evaluate("{$request.header.nope}", x).unwrap_err().contains("'nope'"));
            assert!(evaluate("{$whatever}", x).unwrap_err().contains("not a runtime expression"));
            assert!(evaluate("http://h/{$url", x).unwrap_err().contains("never closed"));
        });
    }
}
