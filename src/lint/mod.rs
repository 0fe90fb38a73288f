//! `specmock lint`: a document against itself, before anyone serves it — examples that
//! break their schemas, `$ref`s that lead nowhere, operations that document no success,
//! no 401 although secured, no 4xx although they take a body, path parameters that do not
//! match their template, operationIds used twice.
//!
//! It reads the document as written (one that does not compile is still linted), and
//! names every issue by rule, severity, file and JSON pointer.

mod examples;
mod operations;
mod refs;
mod report;

use serde::Serialize;

use crate::check::Severity;
use crate::spec::{BUILTINS, Builtin, Loc, Sources, SpecError};

pub use report::{human, json, junit};

/// What lint looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LintRule {
    /// Every `$ref` leads to something.
    RefResolves,
    /// Every example conforms to its schema.
    ExampleValid,
    /// Every operation documents a 2xx.
    SuccessDocumented,
    /// A secured operation documents its 401.
    UnauthorizedDocumented,
    /// An operation that takes a body documents a 4xx.
    ClientErrorDocumented,
    /// Path parameters and the path template name the same variables.
    PathParams,
    /// No two operations share an operationId.
    OperationIdUnique,
    /// What else keeps the document from loading (a schema that does not compile, …).
    DocumentLoads,
}

impl LintRule {
    pub fn as_str(self) -> &'static str {
        match self {
            LintRule::RefResolves => "ref-resolves",
            LintRule::ExampleValid => "example-valid",
            LintRule::SuccessDocumented => "success-documented",
            LintRule::UnauthorizedDocumented => "unauthorized-documented",
            LintRule::ClientErrorDocumented => "client-error-documented",
            LintRule::PathParams => "path-params",
            LintRule::OperationIdUnique => "operation-id-unique",
            LintRule::DocumentLoads => "document-loads",
        }
    }

    /// Errors make the document wrong; warnings make it incomplete.
    pub fn severity(self) -> Severity {
        match self {
            LintRule::SuccessDocumented | LintRule::UnauthorizedDocumented | LintRule::ClientErrorDocumented => {
                Severity::Warning
            }
            _ => Severity::Error,
        }
    }
}

/// One thing wrong with the document, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub rule: LintRule,
    pub severity: Severity,
    pub file: String,
    /// JSON pointer into `file`, without `#`.
    pub pointer: String,
    pub message: String,
}

impl Issue {
    fn at(sources: &Sources, rule: LintRule, loc: &Loc, message: impl Into<String>) -> Issue {
        Issue {
            rule,
            severity: rule.severity(),
            file: sources.name(loc.src).to_string(),
            pointer: loc.ptr.clone(),
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Every issue of the document (a built-in name or a file), in document order per rule.
/// `Err` when it cannot be read at all.
pub fn lint(arg: &str) -> Result<Vec<Issue>, SpecError> {
    let sources = match read(arg) {
        Ok(sources) => sources,
        // A file a `$ref` names that cannot be read is an issue, not an unreadable document.
        Err(e) if e.pointer.is_some() && e.message.contains("$ref") => {
            return Ok(vec![from_error(LintRule::RefResolves, e)]);
        }
        Err(e) => return Err(e),
    };
    let version = crate::spec::detect_version(&sources)?.0;
    let mut issues = refs::unresolved(&sources);
    issues.extend(operations::check(&sources));
    issues.extend(examples::broken(&sources, version));
    // Whatever else stops the document from loading, unless already said.
    let loaded = crate::mounts::load(arg).and_then(|(_, api)| api.schemas.compile_responses());
    if let Err(e) = loaded {
        let said = issues.iter().any(|i| Some(&i.pointer) == e.pointer.as_ref() && i.file == e.file)
            || (e.message.contains("$ref") && issues.iter().any(|i| i.rule == LintRule::RefResolves));
        if !said {
            issues.push(from_error(LintRule::DocumentLoads, e));
        }
    }
    Ok(issues)
}

/// The examples of a document being served that break their schemas (`serve` warns of
/// them at start-up). `source` is how the document was named when loaded.
pub fn broken_examples(source: &str) -> Vec<Issue> {
    let arg = BUILTINS.iter().find(|b| b.file == source).map(|b| b.name).unwrap_or(source);
    let Ok(sources) = read(arg) else { return Vec::new() };
    let Ok((version, _)) = crate::spec::detect_version(&sources) else { return Vec::new() };
    let broken = examples::broken(&sources, version);
    // `serve` looks on a thread of its own once it serves: what this read and compiled stays
    // resident in that thread's arena otherwise (see spec::release_freed).
    drop(sources);
    crate::spec::release_freed();
    broken
}

/// The document as written — a Swagger 2.0 one in the 3.0 shape every check reads, its
/// places still named as the user wrote them.
fn read(arg: &str) -> Result<Sources, SpecError> {
    let mut sources = read_raw(arg)?;
    crate::spec::convert_swagger2(&mut sources)?;
    Ok(sources)
}

fn read_raw(arg: &str) -> Result<Sources, SpecError> {
    if let Some(builtin) = Builtin::find(arg) {
        return Sources::from_text(builtin.file, builtin.text);
    }
    if crate::spec::is_url(arg) {
        return Sources::from_url(arg);
    }
    let path = std::path::Path::new(arg);
    if !path.exists() {
        let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
        return Err(SpecError::file(
            arg,
            format!("no such file, and not a built-in API (built-ins: {})", names.join(", ")),
        ));
    }
    Sources::from_file(path)
}

fn from_error(rule: LintRule, e: SpecError) -> Issue {
    Issue { rule, severity: rule.severity(), file: e.file, pointer: e.pointer.unwrap_or_default(), message: e.message }
}
