//! Lint's reports: one line per issue for people, JSON for machines, JUnit XML for CI.

use std::fmt::Write;

use serde_json::json;

use super::Issue;
use crate::check::{count, xml};

/// `error   example-valid  pets.yaml#/paths/~1pets/get/…: message`, then a summary.
pub fn human(file: &str, issues: &[Issue], color: bool) -> String {
    let mut out = String::new();
    for issue in issues {
        let (code, word) = if issue.is_error() { ("31", "error  ") } else { ("33", "warning") };
        let severity = if color { format!("\x1b[{code}m{word}\x1b[0m") } else { word.to_string() };
        let _ =
            writeln!(out, "{severity} {:<24} {}#{}: {}", issue.rule.as_str(), issue.file, issue.pointer, issue.message);
    }
    let _ = writeln!(out, "{}", summary(file, issues));
    out
}

pub fn summary(file: &str, issues: &[Issue]) -> String {
    let errors = issues.iter().filter(|i| i.is_error()).count();
    format!("{file}: {}, {}", count(errors, "error"), count(issues.len() - errors, "warning"))
}

pub fn json(file: &str, issues: &[Issue]) -> String {
    let errors = issues.iter().filter(|i| i.is_error()).count();
    let value = json!({
        "file": file,
        "summary": {"errors": errors, "warnings": issues.len() - errors},
        "issues": issues,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// One test case per issue (errors fail, warnings print), or one passing case when clean.
pub fn junit(file: &str, issues: &[Issue]) -> String {
    let failures = issues.iter().filter(|i| i.is_error()).count();
    let tests = issues.len().max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"specmock lint\" tests=\"{tests}\" failures=\"{failures}\">");
    let _ = writeln!(out, "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\">", xml(file));
    if issues.is_empty() {
        let _ = writeln!(out, "    <testcase classname=\"{}\" name=\"lint\"/>", xml(file));
    }
    for issue in issues {
        let name = format!("{}#{}", issue.file, issue.pointer);
        let _ = writeln!(out, "    <testcase classname=\"{}\" name=\"{}\">", issue.rule.as_str(), xml(&name));
        if issue.is_error() {
            let _ =
                writeln!(out, "      <failure type=\"{}\" message=\"{}\"/>", issue.rule.as_str(), xml(&issue.message));
        } else {
            let _ = writeln!(out, "      <system-out>warning: {}</system-out>", xml(&issue.message));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
