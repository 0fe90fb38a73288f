//! Reading API documents: load (files, URLs, YAML/JSON; Swagger 2.0 and OpenAPI 3.0, 3.1
//! and 3.2), `$ref`s anywhere, schema dialect, compile.

mod builtin;
mod compile;
mod dialect;
mod error;
pub mod error_template;
mod examples;
mod fetch;
pub(crate) mod keyword;
mod load;
pub mod media;
mod memory;
mod model;
pub mod pointer;
mod precheck;
mod schemas;
mod shape;
mod swagger2;
mod template;
mod webhooks;
pub mod xml;

use std::path::Path;

pub use builtin::{BUILTINS, Builtin};
pub use dialect::Side;
pub use error::SpecError;
pub use media::{MediaName, concrete_type, is_json_media, is_xml_media};
pub use memory::release_freed;
pub use model::*;
pub use schemas::{SchemaId, Schemas};
pub use shape::Types;
pub use template::{map_variables, template_params};
pub use webhooks::{SignatureScheme, Webhook};

// For `lint`, which reads a document as written (it may not compile) and compiles the
// schemas of its examples on its own.
pub(crate) use compile::detect_version;
pub(crate) use load::{Loc, Sources};
pub(crate) use schemas::SchemaBuilder;
pub(crate) use swagger2::convert as convert_swagger2;

/// Loads and compiles a document from a file, with every file it references; every
/// schema an operation uses is compiled to a validator before this returns.
#[cfg(test)]
pub fn load_file(path: &Path) -> Result<Api, SpecError> {
    load_file_and_paths(path).map(|(api, _)| api)
}

/// [`load_file`], and every file the document is made of (for hot reload to watch).
pub fn load_file_and_paths(path: &Path) -> Result<(Api, Vec<std::path::PathBuf>), SpecError> {
    let sources = load::Sources::from_file(path)?;
    let paths = sources.paths();
    Ok((finish(sources)?, paths))
}

/// Loads and compiles a document from an `http(s)://` URL, with every file it references
/// (relative references resolve against the URL).
pub fn load_url(url: &str) -> Result<Api, SpecError> {
    finish(load::Sources::from_url(url)?)
}

/// Loads and compiles a document held in memory.
pub fn load_text(name: &str, text: &str) -> Result<Api, SpecError> {
    finish(load::Sources::from_text(name, text)?)
}

/// Whether a document argument names a URL rather than a file or a built-in.
pub fn is_url(arg: &str) -> bool {
    let lower = arg.get(..8).unwrap_or(arg).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn finish(mut sources: load::Sources) -> Result<Api, SpecError> {
    swagger2::convert(&mut sources)?;
    let api = compile::compile(&sources)?;
    api.schemas.compile_requests()?;
    api.schemas.precheck_responses()?;
    Ok(api)
}
