//! Path templates of every mounted document → operations, in one matchit tree.
//!
//! Parameter names are replaced by their position (`{p0}`) before insertion, so two
//! operations that spell the same variable differently (`/orgs/{id}` and
//! `/orgs/{org_id}/members`) share one branch of the tree instead of conflicting.
//! Lookup cost depends on the path's length, not on how many operations there are.

use std::borrow::Cow;
use std::sync::Arc;

use http::{HeaderValue, Method};
use percent_encoding::percent_decode_str;

use crate::spec::{Api, map_variables, template_params};

/// One document served under a path prefix.
#[derive(Debug, Clone)]
pub struct Mount {
    /// Short name: the built-in's name or the file stem.
    pub name: String,
    /// `""` for the root, else `/clerk`.
    pub prefix: String,
    pub api: Arc<Api>,
}

/// One operation of one served document: the document's place among the mounts, and the
/// operation's in its `Api::operations`. What the router finds and the sandbox, the rules
/// and the webhooks key their per-operation facts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationRef {
    pub mount: usize,
    pub index: usize,
}

/// What a path template leads to.
#[derive(Debug)]
pub struct Route {
    pub mount: usize,
    /// Operations at this template: method, index in `Api::operations`, its variable names in order.
    pub methods: Vec<(Method, usize, Vec<String>)>,
    /// The `Allow` header for a 405 at this path.
    pub allow: HeaderValue,
}

impl Route {
    fn find(&self, method: &Method) -> Option<&(Method, usize, Vec<String>)> {
        self.methods.iter().find(|(m, _, _)| m == method).or_else(|| {
            // HEAD is GET without the body, as HTTP says, unless documented on its own.
            (method == Method::HEAD).then(|| self.methods.iter().find(|(m, _, _)| m == Method::GET)).flatten()
        })
    }
}

/// Path variables by name, percent-decoded (borrowed when nothing needed decoding).
pub type PathParams<'a> = Vec<(&'a str, Cow<'a, str>)>;

/// The result of routing one request.
#[derive(Debug)]
pub enum Lookup<'r> {
    Found {
        route: &'r Route,
        operation: usize,
        params: PathParams<'r>,
    },
    MethodNotAllowed {
        route: &'r Route,
    },
    NotFound,
    /// The path does not decode to UTF-8 text (`/%FF`): a bad request, not a missing page.
    BadPath {
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: #{pointer}: path '{path}' cannot be routed: {reason}")]
pub struct RouteError {
    pub file: String,
    pub pointer: String,
    pub path: String,
    pub reason: String,
}

pub struct Router {
    tree: matchit::Router<usize>,
    routes: Vec<Route>,
    mounts: Vec<MountFacts>,
}

/// Most path segments taken for a base path a document does not name.
const MAX_UNNAMED_BASE: usize = 3;

/// What routing keeps of a mount.
struct MountFacts {
    prefix: String,
    /// The document names no base path.
    base_paths_unnamed: bool,
}

fn owned<'r>(params: Vec<(&'r str, Cow<'_, str>)>) -> PathParams<'r> {
    params.into_iter().map(|(name, value)| (name, Cow::Owned(value.into_owned()))).collect()
}

impl Router {
    pub fn new(mounts: &[Mount]) -> Result<Router, RouteError> {
        let mut tree = matchit::Router::new();
        let mut routes: Vec<Route> = Vec::new();
        let mut by_key: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (mount_index, mount) in mounts.iter().enumerate() {
            for (op_index, op) in mount.api.operations.iter().enumerate() {
                let key = format!("{}{}", mount.prefix, positional(&op.path));
                let names = template_params(&op.path);
                let route_index = match by_key.get(&key) {
                    // Nested prefixes can put two documents' paths at one place: refuse to guess.
                    Some(&i) if routes[i].mount != mount_index => {
                        let other = &mounts[routes[i].mount];
                        let (_, other_op, _) = &routes[i].methods[0];
                        return Err(RouteError {
                            file: mount.api.source.clone(),
                            pointer: crate::spec::pointer::push("/paths", &op.path),
                            path: op.path.clone(),
                            reason: format!(
                                "under {} it is {}{}, which {} already serves as '{}' under {}",
                                shown(&mount.prefix),
                                mount.prefix,
                                op.path,
                                other.api.source,
                                other.api.operations[*other_op].path,
                                shown(&other.prefix)
                            ),
                        });
                    }
                    Some(&i) => i,
                    None => {
                        let i = routes.len();
                        tree.insert(key.clone(), i).map_err(|e| RouteError {
                            file: mount.api.source.clone(),
                            pointer: crate::spec::pointer::push("/paths", &op.path),
                            path: op.path.clone(),
                            reason: e.to_string(),
                        })?;
                        routes.push(Route {
                            mount: mount_index,
                            methods: Vec::new(),
                            allow: HeaderValue::from_static(""),
                        });
                        by_key.insert(key, i);
                        i
                    }
                };
                routes[route_index].methods.push((op.method.clone(), op_index, names));
            }
        }
        for route in &mut routes {
            route.allow = allow_header(&route.methods);
        }
        base_path_aliases(&mut tree, &routes, mounts);
        let mounts = mounts
            .iter()
            .map(|m| MountFacts { prefix: m.prefix.clone(), base_paths_unnamed: m.api.base_path_unnamed })
            .collect();
        Ok(Router { tree, routes, mounts })
    }

    /// Routes a raw (still percent-encoded) path: `/test%20path` is the documented
    /// `/test path`; a path that decodes to bytes that are not UTF-8 is [`Lookup::BadPath`].
    pub fn lookup<'r>(&'r self, method: &Method, path: &'r str) -> Lookup<'r> {
        match normalize(path) {
            Err(reason) => Lookup::BadPath { reason },
            Ok(Cow::Borrowed(path)) => match self.find(method, path) {
                Ok((route, operation, params)) => Lookup::Found { route, operation, params },
                Err(Lookup::NotFound) => self.under_unnamed_base(method, path),
                Err(missing) => missing,
            },
            Ok(Cow::Owned(decoded)) => match self.find(method, &decoded) {
                Ok((route, operation, params)) => Lookup::Found { route, operation, params: owned(params) },
                Err(Lookup::NotFound) => self.under_unnamed_base(method, &decoded),
                Err(missing) => missing,
            },
        }
    }

    /// A document that names no base path (no `servers` path, no `basePath`) may still be
    /// served under one: Zitadel's management API writes `/orgs` and is called at
    /// `/management/v1/orgs`. A path nothing matches is tried without its first one to
    /// [`MAX_UNNAMED_BASE`] segments (after the document's prefix), for such documents only.
    fn under_unnamed_base<'r>(&'r self, method: &Method, path: &str) -> Lookup<'r> {
        for (index, mount) in self.mounts.iter().enumerate() {
            if !mount.base_paths_unnamed {
                continue;
            }
            let Some(rest) = path.strip_prefix(mount.prefix.as_str()).filter(|r| r.starts_with('/')) else { continue };
            let mut cut = rest;
            for _ in 0..MAX_UNNAMED_BASE {
                let Some(next) = cut[1..].find('/') else { break };
                cut = &cut[1 + next..];
                let candidate = format!("{}{cut}", mount.prefix);
                match self.find(method, &candidate) {
                    Ok((route, operation, params)) if route.mount == index => {
                        return Lookup::Found { route, operation, params: owned(params) };
                    }
                    Err(Lookup::MethodNotAllowed { route }) if route.mount == index => {
                        return Lookup::MethodNotAllowed { route };
                    }
                    _ => {}
                }
            }
        }
        Lookup::NotFound
    }

    /// Matches a normalized path: the route, the operation and its variables.
    #[allow(clippy::type_complexity)]
    fn find<'r, 'p>(
        &'r self,
        method: &Method,
        path: &'p str,
    ) -> Result<(&'r Route, usize, Vec<(&'r str, Cow<'p, str>)>), Lookup<'r>> {
        let matched = match self.tree.at(path) {
            Ok(m) => m,
            // A trailing slash is a common client slip; forgive it.
            Err(_) if path.len() > 1 && path.ends_with('/') => match self.tree.at(&path[..path.len() - 1]) {
                Ok(m) => m,
                Err(_) => return Err(Lookup::NotFound),
            },
            Err(_) => return Err(Lookup::NotFound),
        };
        let route = &self.routes[*matched.value];
        let Some((_, operation, names)) = route.find(method) else {
            return Err(Lookup::MethodNotAllowed { route });
        };
        let params = names
            .iter()
            .zip(matched.params.iter())
            .map(|(name, (_, raw))| (name.as_str(), percent_decode_str(raw).decode_utf8_lossy()))
            .collect();
        Ok((route, *operation, params))
    }
}

/// Documents leave their server's base path out of `paths` (Clerk's BAPI: server
/// `https://api.clerk.com/v1`, path `/organizations`), but clients and recorded traffic
/// include it. Each route is also reachable with it (`/v1/organizations`), unless that path
/// already means something else in the tree: the documents' own paths always win.
fn base_path_aliases(tree: &mut matchit::Router<usize>, routes: &[Route], mounts: &[Mount]) {
    let mut aliases = Vec::new();
    for (index, route) in routes.iter().enumerate() {
        let mount = &mounts[route.mount];
        let op = &mount.api.operations[route.methods[0].1];
        for base in &mount.api.base_paths {
            // A document that writes the base path into its paths needs no alias.
            if op.path.strip_prefix(base.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')) {
                continue;
            }
            // A concrete path of the alias's shape: if a document's own path already answers
            // it, aliasing would change what that request means.
            let sample = format!("{}{base}{}", mount.prefix, sample_path(&op.path));
            if tree.at(&sample).is_err() {
                aliases.push((format!("{}{base}{}", mount.prefix, positional(&op.path)), index));
            }
        }
    }
    // Checked against the documents' paths only, then added: aliases never shadow each other.
    for (alias, index) in aliases {
        let _ = tree.insert(alias, index);
    }
}

/// The path with its escapes decoded, except `%2F` and `%25`: decoding those would move
/// segment boundaries or decode a value twice (path variables are decoded once more after
/// matching). `Err` when the decoded bytes are not UTF-8.
pub fn normalize(path: &str) -> Result<Cow<'_, str>, String> {
    if !path.contains('%') {
        return Ok(Cow::Borrowed(path));
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped =
            (bytes[i] == b'%').then(|| Some((hex(*bytes.get(i + 1)?)? << 4) | hex(*bytes.get(i + 2)?)?)).flatten();
        match escaped {
            Some(b'/' | b'%') => out.extend_from_slice(&bytes[i..i + 3]),
            Some(byte) => out.push(byte),
            None => {
                out.push(bytes[i]);
                i += 1;
                continue;
            }
        }
        i += 3;
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| format!("the path {path} is not UTF-8 text once its percent-escapes are decoded"))
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `/orgs/{id}` → `/orgs/\u{0}`: a path no document writes, matching only the variables.
fn sample_path(template: &str) -> String {
    map_variables(template, |_| "\u{0}".to_string())
}

/// A prefix as users write it: the root is `/`.
pub fn shown(prefix: &str) -> &str {
    if prefix.is_empty() { "/" } else { prefix }
}

/// `/orgs/{org_id}/members/{id}` → `/orgs/{p0}/members/{p1}` (templates are checked at
/// load, so no literal brace is left to escape).
fn positional(template: &str) -> String {
    map_variables(template, |index| format!("{{p{index}}}"))
}

fn allow_header(methods: &[(Method, usize, Vec<String>)]) -> HeaderValue {
    let mut names: Vec<&str> = methods.iter().map(|(m, _, _)| m.as_str()).collect();
    if names.contains(&"GET") && !names.contains(&"HEAD") {
        names.push("HEAD");
    }
    if !names.contains(&"OPTIONS") {
        names.push("OPTIONS");
    }
    HeaderValue::from_str(&names.join(", ")).unwrap_or(HeaderValue::from_static("GET"))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn escapes_are_decoded_except_those_that_move_segments_or_decode_twice() {
        assert_eq!(normalize("/plain").as_deref(), Ok("/plain"));
        assert_eq!(normalize("/test%20path/caf%C3%A9").as_deref(), Ok("/test path/café"));
        assert_eq!(normalize("/a%2Fb/%25/%zz/%4").as_deref(), Ok("/a%2Fb/%25/%zz/%4"));
        assert!(normalize("/%FF").is_err());
        assert!(normalize("/%C3%28").is_err());
    }
}
