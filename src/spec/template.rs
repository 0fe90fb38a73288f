//! Path templates (`/orgs/{org_id}/members`): their variables, and the rules a template
//! must follow to be routed — balanced braces, named variables, each name once, and no
//! two templates in a document that differ only in their variable names.

/// Names of the `{variables}` in a well-formed path template.
pub fn template_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

/// Why a template cannot be routed, if it cannot.
pub fn check(path: &str) -> Result<(), String> {
    let mut names: Vec<&str> = Vec::new();
    let mut open: Option<usize> = None;
    for (i, c) in path.char_indices() {
        match (c, open) {
            ('{', None) => open = Some(i),
            ('{', Some(start)) => return Err(format!("'{}' opens a variable inside another", &path[start..=i])),
            ('}', None) => return Err(format!("'{}' closes no variable", &path[..=i])),
            ('}', Some(start)) => {
                let name = &path[start + 1..i];
                if name.is_empty() {
                    return Err("a variable has no name ('{}')".to_string());
                }
                if name.contains('/') {
                    return Err(format!("the variable '{{{name}}}' spans a '/'"));
                }
                if names.contains(&name) {
                    return Err(format!("the variable '{{{name}}}' appears twice"));
                }
                names.push(name);
                open = None;
            }
            _ => {}
        }
    }
    match open {
        Some(start) => Err(format!("'{}' is never closed", &path[start..])),
        None => Ok(()),
    }
}

/// The template with its variable names erased: two templates with the same shape match
/// the same requests (`/a/{id}` and `/a/{name}` are one route).
pub fn shape(path: &str) -> String {
    map_variables(path, |_| "{}".to_string())
}

/// The template with each `{variable}` replaced by what `each` makes of its position
/// (`/orgs/{org_id}/members/{id}` → `/orgs/{p0}/members/{p1}`); literal text is kept.
pub fn map_variables(path: &str, mut each: impl FnMut(usize) -> String) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    let mut index = 0;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push_str(&rest[..start]);
        out.push_str(&each(index));
        index += 1;
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}
