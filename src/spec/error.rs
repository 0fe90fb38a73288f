//! Errors in a document: every one names the file and, where there is one, the JSON pointer.

use std::fmt;

/// A problem with an OpenAPI document that stops it from loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The file as the user named it (or `builtin:<name>` for an embedded document).
    pub file: String,
    /// JSON pointer into the document, without the leading `#`.
    pub pointer: Option<String>,
    pub message: String,
}

impl SpecError {
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError { file: file.into(), pointer: None, message: message.into() }
    }

    pub fn at(file: impl Into<String>, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError { file: file.into(), pointer: Some(pointer.into()), message: message.into() }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pointer {
            Some(p) => write!(f, "{}: #{}: {}", self.file, p, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for SpecError {}
