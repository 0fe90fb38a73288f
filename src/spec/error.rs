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

/// What a document gets away with, said once per kind: "duplicate entries in `required`
/// (4 places; first at openai.yaml: #/components/schemas/X/required)".
#[derive(Debug, Default)]
pub struct Warnings {
    kinds: Vec<(&'static str, usize, String)>,
    /// Each place once, however often it is read (schemas are converted once per side).
    seen: std::collections::HashSet<(&'static str, String)>,
}

impl Warnings {
    pub fn add(&mut self, message: &'static str, at: String) {
        if !self.seen.insert((message, at.clone())) {
            return;
        }
        match self.kinds.iter_mut().find(|(m, _, _)| *m == message) {
            Some((_, count, _)) => *count += 1,
            None => self.kinds.push((message, 1, at)),
        }
    }

    pub fn render(self) -> Vec<String> {
        self.kinds
            .into_iter()
            .map(|(message, count, first)| match count {
                1 => format!("{first}: {message}"),
                n => format!("{first}: {message} (and {} more place{})", n - 1, if n == 2 { "" } else { "s" }),
            })
            .collect()
    }
}
