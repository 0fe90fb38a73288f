//! A document's error style: error bodies in the shape the API documents, naming the real
//! violation (`x-specmock-error`), else its documented example, else problem+json.
//! The mock and the strict proxy both answer errors this way.

mod problem;
mod render;
pub mod template;

pub use problem::{PROBLEM_JSON, problem, problem_body};
pub use render::{VIOLATIONS_HEADER, Voice, header_json, render_error, validation_status};
