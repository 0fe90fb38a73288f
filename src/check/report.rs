//! Reports of verdicts: for people (terminal), for machines (JSON) and for CI (JUnit XML).

use std::fmt::Write;

use serde_json::json;

use super::judge::Verdict;

/// One line per verdict (`show_passed`) or per failure, each finding under it, then a summary.
pub fn human(verdicts: &[Verdict], show_passed: bool) -> String {
    let mut out = String::new();
    for v in verdicts {
        if v.passed() && !show_passed {
            continue;
        }
        let mark = if v.passed() { "ok  " } else { "FAIL" };
        let operation = v.operation.as_deref().unwrap_or("(undocumented)");
        let _ = write!(out, "{mark} {operation}  {} {} → {}", v.method, v.path, v.status);
        if let Some(case) = &v.case {
            let _ = write!(out, "  [{case}]");
        }
        if v.source.is_empty() || v.case.is_some() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  ({})", v.source);
        }
        for f in &v.findings {
            let pointer =
                if f.violation.pointer.is_empty() { String::new() } else { format!(" #{}", f.violation.pointer) };
            let _ = writeln!(
                out,
                "       {}: {}{}: {}",
                f.rule.as_str(),
                f.violation.location,
                pointer,
                f.violation.message
            );
        }
        if let (false, Some(curl)) = (v.passed(), &v.curl) {
            let _ = writeln!(out, "       reproduce: {curl}");
        }
    }
    out.push_str(&summary(verdicts));
    out.push('\n');
    out
}

pub fn summary(verdicts: &[Verdict]) -> String {
    let failed = verdicts.iter().filter(|v| !v.passed()).count();
    let findings: usize = verdicts.iter().map(|v| v.findings.len()).sum();
    let distinct = |path_checks: bool| {
        let mut names: Vec<&str> =
            verdicts.iter().filter(|v| v.path_check == path_checks).filter_map(|v| v.operation.as_deref()).collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    };
    // Undocumented-method checks are per path: they are not operations.
    let paths = match distinct(true) {
        0 => String::new(),
        1 => " (and 1 path's undocumented methods)".to_string(),
        n => format!(" (and {n} paths' undocumented methods)"),
    };
    let operations = match distinct(false) {
        1 => "1 operation".to_string(),
        n => format!("{n} operations"),
    };
    format!(
        "{} exchanges over {operations}{paths}: {} passed, {} failed ({} violations)",
        verdicts.len(),
        verdicts.len() - failed,
        failed,
        findings
    )
}

pub fn json(verdicts: &[Verdict]) -> String {
    let failed = verdicts.iter().filter(|v| !v.passed()).count();
    let value = json!({
        "summary": {"exchanges": verdicts.len(), "passed": verdicts.len() - failed, "failed": failed,
                    "violations": verdicts.iter().map(|v| v.findings.len()).sum::<usize>()},
        "results": verdicts,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// JUnit XML: a test case per exchange, grouped by operation (the class name).
pub fn junit(suite: &str, verdicts: &[Verdict]) -> String {
    let failed = verdicts.iter().filter(|v| !v.passed()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"{}\" tests=\"{}\" failures=\"{failed}\">", xml(suite), verdicts.len());
    let _ = writeln!(out, "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">", xml(suite), verdicts.len());
    for v in verdicts {
        let class = v.operation.as_deref().unwrap_or("undocumented");
        let mut name = format!("{} {} → {}", v.method, v.path, v.status);
        if let Some(case) = &v.case {
            name = format!("{case}: {name}");
        }
        let _ = write!(out, "    <testcase classname=\"{}\" name=\"{}\"", xml(class), xml(&name));
        if v.passed() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let first = &v.findings[0];
        let mut details = String::new();
        for f in &v.findings {
            let _ = writeln!(
                details,
                "{}: {} {}: {}",
                f.rule.as_str(),
                f.violation.location,
                f.violation.pointer,
                f.violation.message
            );
        }
        if let Some(curl) = &v.curl {
            let _ = writeln!(details, "reproduce: {curl}");
        }
        let _ = writeln!(
            out,
            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
            first.rule.as_str(),
            xml(&first.violation.message),
            xml(&details)
        );
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A `--report kind=FILE` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportTarget {
    Json(std::path::PathBuf),
    Junit(std::path::PathBuf),
}

impl std::str::FromStr for ReportTarget {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('=') {
            Some(("json", file)) if !file.is_empty() => Ok(ReportTarget::Json(file.into())),
            Some(("junit", file)) if !file.is_empty() => Ok(ReportTarget::Junit(file.into())),
            _ => Err(format!("--report '{s}' must be json=FILE or junit=FILE")),
        }
    }
}

impl ReportTarget {
    /// Writes the report; returns the file written.
    pub fn write(&self, suite: &str, verdicts: &[Verdict]) -> std::io::Result<&std::path::Path> {
        let (path, text) = match self {
            ReportTarget::Json(p) => (p, json(verdicts)),
            ReportTarget::Junit(p) => (p, junit(suite, verdicts)),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, text)?;
        Ok(path)
    }
}
