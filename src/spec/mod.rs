//! Reading OpenAPI documents: load (YAML/JSON, 3.0, 3.1 and 3.2), `$ref`s, schema dialect, compile.

mod builtin;
mod compile;
mod dialect;
mod error;
mod load;
mod model;
pub mod pointer;
mod schemas;
mod template;

use std::path::Path;

pub use builtin::{BUILTINS, Builtin};
pub use dialect::Side;
pub use error::SpecError;
pub use model::*;
pub use schemas::{SchemaId, Schemas};
pub use template::{map_variables, template_params};

/// Loads and compiles a document from a file, with every file it references; every
/// schema an operation uses is compiled to a validator before this returns.
pub fn load_file(path: &Path) -> Result<Api, SpecError> {
    load_file_and_paths(path).map(|(api, _)| api)
}

/// [`load_file`], and every file the document is made of (for hot reload to watch).
pub fn load_file_and_paths(path: &Path) -> Result<(Api, Vec<std::path::PathBuf>), SpecError> {
    let sources = load::Sources::from_file(path)?;
    let api = compile::compile(&sources)?;
    api.schemas.compile_all()?;
    Ok((api, sources.paths()))
}

/// Loads and compiles a document held in memory.
pub fn load_text(name: &str, text: &str) -> Result<Api, SpecError> {
    let sources = load::Sources::from_text(name, text)?;
    let api = compile::compile(&sources)?;
    api.schemas.compile_all()?;
    Ok(api)
}
