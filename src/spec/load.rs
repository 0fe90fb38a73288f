//! Reading documents from disk or memory, and following `$ref`s between them.
//!
//! Every file a document reaches through `$ref` is read up front, so the rest of
//! the compiler works on an immutable set of parsed values and never does I/O.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::error::SpecError;
use super::pointer;

/// A place in one of the loaded files: file index and JSON pointer (without `#`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    pub src: usize,
    pub ptr: String,
}

impl Loc {
    pub fn new(src: usize, ptr: impl Into<String>) -> Self {
        Loc { src, ptr: ptr.into() }
    }

    pub fn child(&self, token: &str) -> Loc {
        Loc { src: self.src, ptr: pointer::push(&self.ptr, token) }
    }
}

struct Source {
    /// How the file is named in messages: the path as the user gave it, or `builtin:x.yaml`.
    name: String,
    /// Directory that relative `$ref`s start from; `None` for embedded documents.
    dir: Option<PathBuf>,
    root: Value,
}

/// The root document and every file it references.
pub struct Sources {
    files: Vec<Source>,
    by_path: HashMap<PathBuf, usize>,
}

/// Follows at most this many `$ref` hops before calling it a loop.
const MAX_REF_HOPS: usize = 64;

impl Sources {
    /// Reads `path` and every file it references.
    pub fn from_file(path: &Path) -> Result<Self, SpecError> {
        let name = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| SpecError::file(&name, format!("cannot read the file: {e}")))?;
        let root = openapi_object(&name, parse(&name, &text)?)?;
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let dir = canonical.parent().map(Path::to_path_buf);
        let mut sources = Sources { files: Vec::new(), by_path: HashMap::new() };
        sources.by_path.insert(canonical, 0);
        sources.files.push(Source { name, dir, root });
        sources.load_referenced_files()?;
        Ok(sources)
    }

    /// Parses a document held in memory (the built-in styles); it may not reference files.
    pub fn from_text(name: &str, text: &str) -> Result<Self, SpecError> {
        let root = openapi_object(name, parse(name, text)?)?;
        let sources =
            Sources { files: vec![Source { name: name.to_string(), dir: None, root }], by_path: HashMap::new() };
        Ok(sources)
    }

    pub fn root(&self) -> &Value {
        &self.files[0].root
    }

    /// Every file read, the root first (canonical paths): what a watcher watches.
    pub fn paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<(usize, &PathBuf)> = self.by_path.iter().map(|(path, &i)| (i, path)).collect();
        paths.sort();
        paths.into_iter().map(|(_, path)| path.clone()).collect()
    }

    pub fn name(&self, src: usize) -> &str {
        &self.files[src].name
    }

    /// The value at a location, if there is one.
    pub fn get(&self, loc: &Loc) -> Option<&Value> {
        let root = &self.files.get(loc.src)?.root;
        if loc.ptr.is_empty() {
            return Some(root);
        }
        root.pointer(&loc.ptr).or_else(|| {
            // `Value::pointer` does not unescape `~0`/`~1` in every version; walk by hand.
            let mut cur = root;
            for token in pointer::tokens(&loc.ptr) {
                cur = match cur {
                    Value::Object(m) => m.get(&token)?,
                    Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
                    _ => return None,
                };
            }
            Some(cur)
        })
    }

    pub fn error(&self, loc: &Loc, message: impl Into<String>) -> SpecError {
        SpecError::at(self.name(loc.src), loc.ptr.clone(), message)
    }

    /// Where a `$ref` written in file `from` points. Files are already loaded.
    pub fn target(&self, from: usize, reference: &str) -> Result<Loc, String> {
        let (file, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        let src = if file.is_empty() {
            from
        } else {
            let path = self.ref_path(from, file)?;
            *self.by_path.get(&path).ok_or_else(|| format!("$ref '{reference}': file '{file}' was not loaded"))?
        };
        let ptr = percent_decode_str(fragment).decode_utf8_lossy().into_owned();
        if !ptr.is_empty() && !ptr.starts_with('/') {
            return Err(format!("$ref '{reference}': only JSON-pointer fragments are supported"));
        }
        Ok(Loc::new(src, ptr))
    }

    /// Follows a chain of `$ref`s (for parameters, responses and the like) to the object itself.
    pub fn resolve(&self, mut loc: Loc) -> Result<(Loc, &Value), SpecError> {
        for _ in 0..MAX_REF_HOPS {
            let value = self.get(&loc).ok_or_else(|| self.error(&loc, "nothing at this location"))?;
            match value.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    let next = self.target(loc.src, reference).map_err(|m| self.error(&loc, m))?;
                    if self.get(&next).is_none() {
                        return Err(self.error(&loc, format!("$ref '{reference}' not found")));
                    }
                    loc = next;
                }
                None => return Ok((loc, value)),
            }
        }
        Err(self.error(&loc, "$ref chain loops or is too long"))
    }

    fn ref_path(&self, from: usize, file: &str) -> Result<PathBuf, String> {
        if file.contains("://") {
            return Err(format!("remote $ref '{file}' is not supported; download the file and refer to it by path"));
        }
        let dir = self.files[from]
            .dir
            .as_ref()
            .ok_or_else(|| format!("$ref to file '{file}' is not allowed in an embedded document"))?;
        let decoded = percent_decode_str(file).decode_utf8_lossy().into_owned();
        let joined = dir.join(decoded);
        Ok(joined.canonicalize().unwrap_or(joined))
    }

    /// Reads, breadth first, every file reachable through `$ref`.
    fn load_referenced_files(&mut self) -> Result<(), SpecError> {
        let mut next = 0;
        while next < self.files.len() {
            let mut refs = Vec::new();
            collect_file_refs(&self.files[next].root, &mut String::new(), &mut refs);
            for (ptr, reference) in refs {
                let here = Loc::new(next, ptr);
                let file = reference.split('#').next().unwrap_or("");
                let path = self.ref_path(next, file).map_err(|m| self.error(&here, m))?;
                if self.by_path.contains_key(&path) {
                    continue;
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| self.error(&here, format!("$ref to '{file}': cannot read the file: {e}")))?;
                let name = display_relative(&self.files[0].name, &path);
                // Any JSON value may be a target (a bare schema, an array of them); only the
                // root must be an OpenAPI object. A broken file is named with what referred to it.
                let root = parse(&name, &text).map_err(|e| self.error(&here, format!("$ref '{reference}': {e}")))?;
                let dir = path.parent().map(Path::to_path_buf);
                self.by_path.insert(path, self.files.len());
                self.files.push(Source { name, dir, root });
            }
            next += 1;
        }
        Ok(())
    }
}

/// Names a referenced file next to the root file's name, as the user would write it.
fn display_relative(root_name: &str, path: &Path) -> String {
    let root_dir = Path::new(root_name).parent().unwrap_or(Path::new(""));
    match (std::env::current_dir(), path.file_name()) {
        (Ok(cwd), _) if path.starts_with(&cwd) => path.strip_prefix(&cwd).unwrap_or(path).display().to_string(),
        (_, Some(file)) => root_dir.join(file).display().to_string(),
        _ => path.display().to_string(),
    }
}

/// Collects `(pointer of the $ref, the reference)` for every `$ref` naming another file.
fn collect_file_refs(value: &Value, ptr: &mut String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && !r.starts_with('#')
            {
                out.push((ptr.clone(), r.clone()));
            }
            for (k, v) in map {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&pointer::escape(k));
                collect_file_refs(v, ptr, out);
                ptr.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&i.to_string());
                collect_file_refs(v, ptr, out);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

/// Parses JSON or YAML: JSON when the name says so or the text starts like JSON.
fn parse(name: &str, text: &str) -> Result<Value, SpecError> {
    let looks_json = name.ends_with(".json") || text.trim_start().starts_with(['{', '[']);
    if looks_json {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => return Ok(v),
            Err(e) if name.ends_with(".json") => return Err(SpecError::file(name, crate::yaml::invalid_json(&e))),
            Err(_) => {} // not JSON after all: try YAML
        }
    }
    crate::yaml::from_str(text).map_err(|e| SpecError::file(name, format!("invalid YAML: {e}")))
}

/// The root of a document must be a mapping: the OpenAPI object.
fn openapi_object(name: &str, value: Value) -> Result<Value, SpecError> {
    if !value.is_object() {
        return Err(SpecError::file(name, "the document is not a mapping (expected an OpenAPI object)"));
    }
    Ok(value)
}
