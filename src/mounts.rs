//! Which documents to serve, and where: built-in names or files → [`Mount`]s.
//!
//! No argument serves the four built-ins under `/scalekit`, `/straddle`, `/clerk` and
//! `/zitadel`; one document is served at the root; several are served under
//! `/<name>` (built-in name or file stem); `--mount NAME=/prefix` overrides.

use std::path::Path;
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

/// Loads one document: a built-in by name, else a file.
pub fn load(arg: &str) -> Result<(String, spec::Api), SpecError> {
    if let Some(builtin) = Builtin::find(arg) {
        return Ok((builtin.name.to_string(), builtin.load()?));
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
    Ok((stem, spec::load_file(path)?))
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

/// Loads every document named (all built-ins when none is) and decides its prefix.
pub fn mounts(specs: &[String], overrides: &[(String, String)]) -> Result<Vec<Mount>, MountError> {
    let names: Vec<String> =
        if specs.is_empty() { BUILTINS.iter().map(|b| b.name.to_string()).collect() } else { specs.to_vec() };
    let single = names.len() == 1;
    let mut out: Vec<Mount> = Vec::new();
    for arg in &names {
        let (name, api) = load(arg)?;
        if out.iter().any(|m| m.name == name) {
            return Err(MountError::Usage(format!(
                "two documents are both named '{name}'; give one another prefix with --mount"
            )));
        }
        let prefix = match overrides.iter().find(|(n, _)| *n == name || n == arg) {
            Some((_, prefix)) => prefix.clone(),
            None if single => String::new(),
            None => format!("/{name}"),
        };
        out.push(Mount { name, prefix, api: Arc::new(api) });
    }
    for (name, _) in overrides {
        if !out.iter().any(|m| &m.name == name || names.contains(name)) {
            return Err(MountError::Usage(format!("--mount names '{name}', which is not being served")));
        }
    }
    Ok(out)
}
