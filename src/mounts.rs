//! Which documents to serve, and where: built-in names, files or URLs → [`Mount`]s.
//!
//! No argument serves the four built-ins under `/scalekit`, `/straddle`, `/clerk` and
//! `/zitadel`; one document is served at the root; several are served under
//! `/<name>` (built-in name or file stem); `--mount NAME=/prefix` overrides, where NAME is
//! the built-in name, the file stem, or the file path as given (the only way to tell apart
//! two files with the same stem).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::route::Mount;
use crate::spec::{self, BUILTINS, Builtin, SpecError};

#[derive(Debug, thiserror::Error)]
pub enum MountError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("{0}")]
    Usage(String),
}

/// Loads one document: a built-in by name, an `http(s)://` URL, else a file.
pub fn load(arg: &str) -> Result<(String, spec::Api), SpecError> {
    load_with_paths(arg).map(|(name, api, _)| (name, api))
}

/// [`load`], and the files the document was read from (none for a built-in).
pub fn load_with_paths(arg: &str) -> Result<(String, spec::Api, Vec<PathBuf>), SpecError> {
    if let Some(builtin) = Builtin::find(arg) {
        return Ok((builtin.name.to_string(), builtin.load()?, Vec::new()));
    }
    if spec::is_url(arg) {
        // A document on a server is not watched: nothing here sees it change.
        return Ok((url_stem(arg), spec::load_url(arg)?, Vec::new()));
    }
    let path = Path::new(arg);
    if !path.exists() {
        let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
        return Err(SpecError::file(
            arg,
            format!("no such file, and not a built-in API (built-ins: {})", names.join(", ")),
        ));
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| arg.to_string());
    let (api, paths) = spec::load_file_and_paths(path)?;
    Ok((stem, api, paths))
}

/// The name a document fetched from a URL goes by: its file stem (`api` for
/// `https://host/v1/api.yaml?x=1`), else its host.
fn url_stem(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = rest.split(['?', '#']).next().unwrap_or(rest);
    let (host, path) = path.split_once('/').unwrap_or((path, ""));
    let file = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let stem = Path::new(file).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if stem.is_empty() { host.split(':').next().unwrap_or(host).to_string() } else { stem }
}

/// Parses `NAME=/prefix`.
pub fn parse_mount(text: &str) -> Result<(String, String), String> {
    let (name, prefix) = text.split_once('=').ok_or_else(|| format!("--mount '{text}' must look like NAME=/prefix"))?;
    let prefix = prefix.trim_end_matches('/');
    if !prefix.is_empty() && !prefix.starts_with('/') {
        return Err(format!("--mount '{text}': the prefix must start with '/'"));
    }
    if prefix.contains(['{', '}']) {
        return Err(format!("--mount '{text}': the prefix must not contain braces"));
    }
    Ok((name.to_string(), prefix.to_string()))
}

/// One document named on the command line (or handed to [`crate::MockServer`]), loaded.
pub struct Named {
    /// As given: a built-in name or a path.
    pub arg: String,
    /// The built-in name or the file stem.
    pub stem: String,
    pub api: spec::Api,
}

/// [`mounts`], and every file the documents were read from.
pub fn mounts_and_paths(
    specs: &[String],
    overrides: &[(String, String)],
) -> Result<(Vec<Mount>, Vec<PathBuf>), MountError> {
    let args: Vec<String> =
        if specs.is_empty() { BUILTINS.iter().map(|b| b.name.to_string()).collect() } else { specs.to_vec() };
    let mut named = Vec::with_capacity(args.len());
    let mut paths = Vec::new();
    for arg in args {
        let (stem, api, read) = load_with_paths(&arg)?;
        paths.extend(read);
        named.push(Named { arg, stem, api });
    }
    Ok((place(named, overrides)?, paths))
}

/// Decides where each loaded document is served: one at the root, several under `/<name>`,
/// `overrides` first.
pub fn place(named: Vec<Named>, overrides: &[(String, String)]) -> Result<Vec<Mount>, MountError> {
    let shares_stem = |stem: &str| named.iter().filter(|n| n.stem == stem).count() > 1;
    for (target, _) in overrides {
        if named.iter().any(|n| &n.arg == target) {
            continue;
        }
        let by_stem: Vec<&str> = named.iter().filter(|n| &n.stem == target).map(|n| n.arg.as_str()).collect();
        match by_stem.as_slice() {
            [] => return Err(MountError::Usage(format!("--mount names '{target}', which is not being served"))),
            [_] => {}
            several => {
                return Err(MountError::Usage(format!(
                    "--mount '{target}' could mean any of {}; name the file as given, e.g. --mount {}=/prefix",
                    several.join(", "),
                    several[0]
                )));
            }
        }
    }
    let single = named.len() == 1;
    let shared: Vec<bool> = named.iter().map(|n| shares_stem(&n.stem)).collect();
    let mut out: Vec<Mount> = Vec::with_capacity(named.len());
    let mut given: Vec<String> = Vec::with_capacity(named.len());
    for (n, shared) in named.into_iter().zip(shared) {
        let chosen = overrides
            .iter()
            .find(|(target, _)| *target == n.arg)
            .or_else(|| overrides.iter().find(|(target, _)| !shared && *target == n.stem));
        let prefix = match chosen {
            Some((_, prefix)) => prefix.clone(),
            None if single => String::new(),
            None => format!("/{}", n.stem),
        };
        if let Some(other) = out.iter().position(|m| m.prefix == prefix) {
            let shown = crate::route::shown(&prefix);
            return Err(MountError::Usage(format!(
                "'{}' and '{}' would both be served under {shown}; give each its own prefix with --mount, \
                 which also takes the file as given (e.g. --mount {}=/{})",
                given[other],
                n.arg,
                n.arg,
                suggestion(&n, shared)
            )));
        }
        // Names key the sandbox's state and seeds, so they must differ too.
        let name = if shared { n.arg.clone() } else { n.stem };
        given.push(n.arg);
        out.push(Mount { name, prefix, api: Arc::new(n.api) });
    }
    Ok(out)
}

/// A prefix to suggest for a document that clashes: its folder when its stem is shared
/// (`clerk/bapi/2026-05-12.yml` → `bapi`), else its stem.
fn suggestion(n: &Named, shared: bool) -> String {
    let folder = Path::new(&n.arg).parent().and_then(Path::file_name).map(|d| d.to_string_lossy().into_owned());
    match folder {
        Some(folder) if shared => folder,
        _ if shared => format!("{}-2", n.stem),
        _ => n.stem.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::url_stem;

    #[test]
    fn a_url_is_named_by_its_file_stem_else_its_host() {
        assert_eq!(url_stem("https://example.com/v1/api.yaml?x=1"), "api");
        assert_eq!(url_stem("http://127.0.0.1:8000/specs/petstore.json#/x"), "petstore");
        assert_eq!(url_stem("https://example.com/openapi/"), "openapi");
        assert_eq!(url_stem("https://example.com:8443"), "example.com");
    }
}
