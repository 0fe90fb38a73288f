//! Reading documents from files, URLs or memory, and following `$ref`s between them.
//!
//! Every file a document reaches through `$ref` is read up front, so the rest of
//! the compiler works on an immutable set of parsed values and never does I/O.
//!
//! A document may also be *derived* from another one (a Swagger 2.0 document converted to
//! the OpenAPI 3 shape): it is added as one more file, marked as the entry the compiler
//! reads, with a map from its pointers back to where each part was written, so that every
//! message still names the file and pointer the user wrote.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use serde_json::Value;

use super::error::{SpecError, Warnings};
use super::fetch::{Address, Fetcher};
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

/// For a derived file: its pointers → where that part was written. A pointer maps through
/// its longest mapped prefix (`/a/b/c` with `/a/b` → `X` is `X/c`).
pub type Origins = HashMap<String, Loc>;

struct Source {
    /// How the file is named in messages: the path as the user gave it, the URL, or `builtin:x.yaml`.
    name: String,
    /// What relative `$ref`s start from.
    address: Address,
    root: Value,
    /// Set for a derived file only.
    origins: Option<Origins>,
}

/// The root document and every file it references.
pub struct Sources {
    files: Vec<Source>,
    by_address: HashMap<Address, usize>,
    /// The file the compiler starts from: the root document, or what was derived from it.
    entry: usize,
    /// Things accepted with a warning while loading and compiling.
    warnings: RefCell<Warnings>,
}

/// Follows at most this many `$ref` hops before calling it a loop.
const MAX_REF_HOPS: usize = 64;
/// A document may consist of at most this many files.
const MAX_FILES: usize = 20_000;
/// How `$ref`s the loader writes itself (in derived files) name a file: by its index.
const INTERNAL: &str = "specmock:file/";
/// What a pointer written into an internal `$ref` must escape (`%` above all: fragments are
/// percent-decoded when read).
const FRAGMENT: &AsciiSet = &CONTROLS.add(b' ').add(b'%').add(b'#').add(b'"').add(b'<').add(b'>').add(b'`');

impl Sources {
    /// Reads `path` and every file it references.
    pub fn from_file(path: &Path) -> Result<Self, SpecError> {
        Self::open(path.display().to_string(), Address::file(path))
    }

    /// Fetches `url` and every file it references (relative references resolve against it).
    pub fn from_url(url: &str) -> Result<Self, SpecError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| SpecError::file(url, format!("not a URL: {e}")))?;
        Self::open(url.to_string(), Address::Url(parsed))
    }

    /// Parses a document held in memory (the built-in styles); it may not reference files.
    pub fn from_text(name: &str, text: &str) -> Result<Self, SpecError> {
        let root = openapi_object(name, parse(name, text)?)?;
        Ok(Sources::single(Source { name: name.to_string(), address: Address::Embedded, root, origins: None }))
    }

    fn single(root: Source) -> Sources {
        Sources { files: vec![root], by_address: HashMap::new(), entry: 0, warnings: RefCell::default() }
    }

    /// Loads on a thread of its own: fetching a URL blocks on a small runtime, which must not
    /// run inside the caller's (tests and hot reload load from async code).
    fn open(name: String, address: Address) -> Result<Self, SpecError> {
        let fallback = name.clone();
        let worker = std::thread::Builder::new().name("specmock-load".into()).stack_size(8 << 20);
        std::thread::scope(|scope| match worker.spawn_scoped(scope, move || Sources::load(name, address)) {
            Ok(handle) => handle.join().unwrap_or_else(|_| Err(SpecError::file(fallback, "the loader failed"))),
            Err(e) => Err(SpecError::file(fallback, format!("cannot start the loader: {e}"))),
        })
    }

    fn load(name: String, address: Address) -> Result<Self, SpecError> {
        let mut fetcher = Fetcher::default();
        let fetched = fetcher.read(&address).map_err(|m| SpecError::file(&name, m))?;
        let root = openapi_object(&name, parse(&name, &fetched.text)?)?;
        let mut sources = Sources::single(Source { name, address: fetched.address.clone(), root, origins: None });
        sources.by_address.insert(address, 0);
        sources.by_address.insert(fetched.address, 0);
        sources.load_referenced_files(&mut fetcher)?;
        Ok(sources)
    }

    /// The document the compiler reads.
    pub fn root(&self) -> &Value {
        &self.files[self.entry].root
    }

    /// A place in the document the compiler reads.
    pub fn root_loc(&self, ptr: &str) -> Loc {
        Loc::new(self.entry, ptr)
    }

    /// The document as the user wrote it (before any conversion).
    pub fn original_root(&self) -> Loc {
        Loc::new(0, "")
    }

    /// How the document is named: the path or URL the user gave.
    pub fn root_name(&self) -> &str {
        &self.files[0].name
    }

    /// How many files are loaded: the root document and every file it references.
    pub fn count(&self) -> usize {
        self.files.len()
    }

    /// Every file read, the root first (canonical paths): what a watcher watches.
    pub fn paths(&self) -> Vec<std::path::PathBuf> {
        let mut paths: Vec<std::path::PathBuf> = Vec::new();
        for source in &self.files {
            if let super::fetch::Address::File(path) = &source.address
                && !paths.contains(path)
            {
                paths.push(path.clone());
            }
        }
        paths
    }

    pub fn name(&self, src: usize) -> &str {
        &self.files[src].name
    }

    /// Whether the document was fetched from a URL, and its scheme.
    pub fn url_scheme(&self) -> Option<&str> {
        match &self.files[0].address {
            Address::Url(url) => Some(url.scheme()),
            _ => None,
        }
    }

    /// Whether the entry is a document derived from the one the user wrote.
    pub fn is_derived(&self) -> bool {
        self.entry != 0
    }

    /// Adds `root`, derived from the original document, and makes it the entry.
    pub fn derive(&mut self, root: Value, origins: Origins) {
        let name = self.files[0].name.clone();
        self.files.push(Source { name, address: Address::Embedded, root, origins: Some(origins) });
        self.entry = self.files.len() - 1;
    }

    /// A `$ref` to `loc` that works from any file (for derived documents).
    pub fn internal_ref(loc: &Loc) -> String {
        format!("{INTERNAL}{}#{}", loc.src, utf8_percent_encode(&loc.ptr, FRAGMENT))
    }

    /// The value at a location, if there is one.
    pub fn get(&self, loc: &Loc) -> Option<&Value> {
        // Not `Value::pointer`, which allocates two strings per token.
        let mut cur = &self.files.get(loc.src)?.root;
        for token in pointer::each_token(&loc.ptr) {
            cur = match cur {
                Value::Object(m) => m.get(token.as_ref())?,
                Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Where a place was written: itself, unless it is in a derived file.
    pub fn original(&self, loc: &Loc) -> Loc {
        let Some(origins) = self.files.get(loc.src).and_then(|f| f.origins.as_ref()) else { return loc.clone() };
        let mut prefix = loc.ptr.as_str();
        loop {
            if let Some(at) = origins.get(prefix) {
                return Loc::new(at.src, format!("{}{}", at.ptr, &loc.ptr[prefix.len()..]));
            }
            match prefix.rfind('/') {
                Some(cut) => prefix = &prefix[..cut],
                None => return Loc::new(0, loc.ptr.clone()),
            }
        }
    }

    /// `file: #/pointer` of a place, as written.
    pub fn describe(&self, loc: &Loc) -> String {
        let at = self.original(loc);
        format!("{}: #{}", self.name(at.src), at.ptr)
    }

    pub fn error(&self, loc: &Loc, message: impl Into<String>) -> SpecError {
        let at = self.original(loc);
        SpecError::at(self.name(at.src), at.ptr, message)
    }

    /// Notes something accepted although it is not quite right.
    pub fn warn(&self, loc: &Loc, message: &'static str) {
        let at = self.describe(loc);
        self.warnings.borrow_mut().add(message, at);
    }

    pub fn take_warnings(&self) -> Vec<String> {
        self.warnings.take().render()
    }

    /// Where a `$ref` written in file `from` points. Files are already loaded.
    pub fn target(&self, from: usize, reference: &str) -> Result<Loc, String> {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let src = if file.is_empty() {
            from
        } else if let Some(index) = file.strip_prefix(INTERNAL) {
            index.parse::<usize>().ok().filter(|i| *i < self.files.len()).ok_or("a broken internal reference")?
        } else {
            let address = self.files[from].address.join(file)?;
            *self.by_address.get(&address).ok_or_else(|| format!("$ref '{reference}': file '{file}' was not loaded"))?
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

    /// Reads, breadth first, every file reachable through `$ref`.
    fn load_referenced_files(&mut self, fetcher: &mut Fetcher) -> Result<(), SpecError> {
        let mut next = 0;
        while next < self.files.len() {
            let mut refs = Vec::new();
            collect_file_refs(&self.files[next].root, &mut Vec::new(), &mut refs);
            for (ptr, reference) in refs {
                let here = Loc::new(next, ptr);
                let file = reference.split('#').next().unwrap_or("");
                if file.starts_with(INTERNAL) {
                    continue;
                }
                let address = self.files[next].address.join(file).map_err(|m| self.error(&here, m))?;
                if self.by_address.contains_key(&address) {
                    continue;
                }
                if self.files.len() >= MAX_FILES {
                    return Err(self.error(&here, format!("the document refers to more than {MAX_FILES} files")));
                }
                let fetched =
                    fetcher.read(&address).map_err(|m| self.error(&here, format!("$ref to '{file}': {m}")))?;
                let name = self.display_name(&fetched.address);
                // Any JSON value may be a target (a bare schema, an array of them); only the
                // root must be an OpenAPI object. A broken file is named with what referred to it.
                let root =
                    parse(&name, &fetched.text).map_err(|e| self.error(&here, format!("$ref '{reference}': {e}")))?;
                let index = self.files.len();
                self.by_address.insert(address, index);
                self.by_address.insert(fetched.address.clone(), index);
                self.files.push(Source { name, address: fetched.address, root, origins: None });
            }
            next += 1;
        }
        Ok(())
    }

    /// Names a referenced file as the user would write it: a URL as it is, a path relative
    /// to the working directory, else beside the root file's name.
    fn display_name(&self, address: &Address) -> String {
        let path = match address {
            Address::File(path) => path,
            Address::Url(url) => return url.to_string(),
            Address::Embedded => return self.files[0].name.clone(),
        };
        let root_dir = Path::new(&self.files[0].name).parent().unwrap_or(Path::new(""));
        match (std::env::current_dir(), path.file_name()) {
            (Ok(cwd), _) if path.starts_with(&cwd) => path.strip_prefix(&cwd).unwrap_or(path).display().to_string(),
            (_, Some(file)) => root_dir.join(file).display().to_string(),
            _ => path.display().to_string(),
        }
    }
}

/// One step from a document's root: an object's key or an array's index.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Collects `(pointer of the $ref, the reference)` for every `$ref` naming another file. The
/// way down is kept as borrowed steps and written out as a pointer only where such a `$ref`
/// is: most of a document's nodes have none.
fn collect_file_refs<'a>(value: &'a Value, path: &mut Vec<Step<'a>>, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && !r.starts_with('#')
            {
                out.push((written(path), r.clone()));
            }
            for (k, v) in map {
                collect_below(Step::Key(k), v, path, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_below(Step::Index(i), v, path, out);
            }
        }
        _ => {}
    }
}

/// [`collect_file_refs`] one step down, where a `$ref` could be.
fn collect_below<'a>(step: Step<'a>, child: &'a Value, path: &mut Vec<Step<'a>>, out: &mut Vec<(String, String)>) {
    if matches!(child, Value::Object(_) | Value::Array(_)) {
        path.push(step);
        collect_file_refs(child, path, out);
        path.pop();
    }
}

/// Steps from the root as a JSON pointer.
fn written(path: &[Step<'_>]) -> String {
    let mut pointer = String::new();
    for step in path {
        pointer.push('/');
        match step {
            Step::Key(key) => pointer.push_str(&pointer::escape(key)),
            Step::Index(i) => pointer.push_str(&i.to_string()),
        }
    }
    pointer
}

/// Parses JSON or YAML: JSON when the name says so or the text starts like JSON.
fn parse(name: &str, text: &str) -> Result<Value, SpecError> {
    let path = name.split(['?', '#']).next().unwrap_or(name);
    let named_json = path.ends_with(".json");
    if named_json || text.trim_start().starts_with(['{', '[']) {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => return Ok(v),
            Err(e) if named_json => return Err(SpecError::file(name, crate::yaml::invalid_json(&e))),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn derived() -> Sources {
        let mut sources = Sources::from_text("a.yaml", "openapi: 3.0.3\npaths: {}\n").unwrap();
        let mut origins = Origins::new();
        origins.insert("/paths/~1x/post/requestBody".into(), Loc::new(0, "/paths/~1x/post/parameters/0"));
        origins.insert("/paths/~1x/post/requestBody/content/a~1b/schema".into(), Loc::new(0, "/defs/X"));
        sources.derive(serde_json::json!({}), origins);
        sources
    }

    #[test]
    fn a_derived_pointer_maps_through_its_longest_mapped_prefix() {
        let s = derived();
        let at = |p: &str| s.original(&Loc::new(1, p));
        assert_eq!(at("/paths/~1x/post/requestBody/required"), Loc::new(0, "/paths/~1x/post/parameters/0/required"));
        assert_eq!(at("/paths/~1x/post/requestBody/content/a~1b/schema/items"), Loc::new(0, "/defs/X/items"));
        // `/requestBodyX` is not under `/requestBody`: tokens, not characters, are prefixes.
        assert_eq!(at("/paths/~1x/post/requestBodyX"), Loc::new(0, "/paths/~1x/post/requestBodyX"));
        assert_eq!(at(""), Loc::new(0, ""));
    }

    #[test]
    fn internal_references_survive_percent_signs_and_escapes() {
        let s = derived();
        let loc = Loc::new(0, "/paths/~1a%20b~0c/get");
        let reference = Sources::internal_ref(&loc);
        assert_eq!(s.target(1, &reference), Ok(loc));
        assert!(s.target(1, "specmock:file/99#/x").is_err());
    }
}
