//! Reports of verdicts: for people (terminal), for machines (JSON) and for CI (JUnit XML).
//! Errors fail; warnings (gaps in the document) are shown and counted but pass.

use std::fmt::Write;
use std::time::Duration;

use serde_json::json;

use super::rules::Severity;
use super::verdict::Verdict;

/// How the terminal report looks.
#[derive(Debug, Clone, Default)]
pub struct Human {
    /// Print passing exchanges too.
    pub show_passed: bool,
    /// ANSI colours (a terminal, and no NO_COLOR).
    pub color: bool,
    /// Environment variables the reproducers read, with the flag each stands for.
    pub variables: Vec<(String, String)>,
    /// A check run's requests, time and seed, for the summary.
    pub pace: Option<Pace>,
}

/// How a check run went: requests sent (shrinking included), how long it took, its seed.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub requests: usize,
    pub elapsed: Duration,
    pub seed: u64,
}

impl Pace {
    pub fn per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 { self.requests as f64 / seconds } else { self.requests as f64 }
    }

    /// `812 requests in 1.4 s (580 requests/s), seed 1`.
    pub fn line(&self) -> String {
        format!(
            "{} in {:.1} s ({:.0} requests/s), seed {}",
            count(self.requests, "request"),
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.seed
        )
    }
}
const RED: &str = "31";
const YELLOW: &str = "33";
const GREEN: &str = "32";
const CYAN: &str = "36";

impl Human {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
}

/// `1 operation`, `2 operations`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// One line per verdict worth showing, each finding under it, then a summary.
pub fn human(verdicts: &[Verdict], style: &Human) -> String {
    let mut out = String::new();
    let mut reproduced = false;
    for v in verdicts {
        let clean = v.findings.is_empty() && v.skipped.is_none();
        if clean && !style.show_passed {
            continue;
        }
        let mark = match (&v.skipped, v.passed(), v.findings.is_empty()) {
            (Some(_), _, _) => style.paint(CYAN, "SKIP"),
            (None, false, _) => style.paint(RED, "FAIL"),
            (None, true, false) => style.paint(YELLOW, "WARN"),
            (None, true, true) => style.paint(GREEN, "PASS"),
        };
        let operation = v.operation.as_deref().unwrap_or("(undocumented)");
        if let Some(reason) = &v.skipped {
            let _ = writeln!(out, "{mark} {operation}  [{}]: {reason}", v.case.as_deref().unwrap_or(&v.name));
            continue;
        }
        if v.method.is_empty() {
            let _ = write!(out, "{mark} {operation}");
        } else {
            let _ = write!(out, "{mark} {operation}  {} {} → {}", v.method, v.path, v.status);
        }
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
            let severity = match f.severity {
                Severity::Error => style.paint(RED, "error  "),
                Severity::Warning => style.paint(YELLOW, "warning"),
            };
            let _ = writeln!(
                out,
                "       {severity} {}: {}{}: {}",
                f.rule.as_str(),
                f.violation.location,
                pointer,
                f.violation.message
            );
        }
        if let (false, Some(seed)) = (v.findings.is_empty(), v.seed) {
            let operation = v.operation.as_deref().unwrap_or_default();
            let _ =
                writeln!(out, "       seed: {seed} (--seed {seed} --operation '{operation}' plans this case again)");
        }
        if let (false, Some(curl)) = (v.findings.is_empty(), &v.curl) {
            reproduced = true;
            let mut lines = curl.lines();
            match (lines.next(), lines.next()) {
                (Some(only), None) => {
                    let _ = writeln!(out, "       reproduce: {only}");
                }
                _ => {
                    let _ = writeln!(out, "       reproduce:");
                    for line in curl.lines() {
                        let _ = writeln!(out, "         {line}");
                    }
                }
            }
        }
    }
    if reproduced && !style.variables.is_empty() {
        let names: Vec<String> = style.variables.iter().map(|(v, flag)| format!("${v} ({flag})")).collect();
        let _ = writeln!(out, "The reproducers read {}: export them first.", names.join(", "));
    }
    out.push_str(&summary(verdicts));
    if let Some(pace) = &style.pace {
        let _ = write!(out, "; {}", pace.line());
    }
    out.push('\n');
    out
}

/// Counts over a run.
struct Tally {
    exchanges: usize,
    passed: usize,
    failed: usize,
    warned: usize,
    errors: usize,
    warnings: usize,
    skipped: usize,
}

fn tally(verdicts: &[Verdict]) -> Tally {
    let exchanges: Vec<&Verdict> = verdicts.iter().filter(|v| v.is_exchange()).collect();
    Tally {
        exchanges: exchanges.len(),
        passed: exchanges.iter().filter(|v| v.findings.is_empty()).count(),
        failed: exchanges.iter().filter(|v| !v.passed()).count(),
        warned: exchanges.iter().filter(|v| v.passed() && !v.findings.is_empty()).count(),
        errors: verdicts.iter().map(Verdict::errors).sum(),
        warnings: verdicts.iter().map(Verdict::warnings).sum(),
        skipped: verdicts.iter().filter(|v| v.skipped.is_some()).count(),
    }
}

pub fn summary(verdicts: &[Verdict]) -> String {
    let t = tally(verdicts);
    let distinct = |kind: super::verdict::Kind| {
        let mut names: Vec<&str> = verdicts
            .iter()
            .filter(|v| v.kind == kind && v.is_exchange())
            .filter_map(|v| v.operation.as_deref())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    };
    // Undocumented-method checks are per path: they are not operations.
    let paths = match distinct(super::verdict::Kind::PathCheck) {
        0 => String::new(),
        1 => " (and 1 path's undocumented methods)".to_string(),
        n => format!(" (and {n} paths' undocumented methods)"),
    };
    let mut out = format!(
        "{} over {}{paths}: {} passed, {} failed",
        count(t.exchanges, "exchange"),
        count(distinct(super::verdict::Kind::Exchange), "operation"),
        t.passed,
        t.failed
    );
    if t.warned > 0 {
        let _ = write!(out, ", {} with warnings", t.warned);
    }
    let _ = write!(out, " ({}, {})", count(t.errors, "error"), count(t.warnings, "warning"));
    if t.skipped > 0 {
        let _ = write!(out, "; {} skipped", count(t.skipped, "lifecycle"));
    }
    out
}

pub fn json(verdicts: &[Verdict], pace: Option<&Pace>) -> String {
    let t = tally(verdicts);
    let mut summary = json!({"exchanges": t.exchanges, "passed": t.passed, "failed": t.failed, "warned": t.warned,
                    "errors": t.errors, "warnings": t.warnings, "violations": t.errors + t.warnings,
                    "skipped": t.skipped});
    if let (Some(pace), Some(map)) = (pace, summary.as_object_mut()) {
        map.insert("requests".into(), json!(pace.requests));
        map.insert("seconds".into(), json!((pace.elapsed.as_secs_f64() * 1000.0).round() / 1000.0));
        map.insert("requests_per_second".into(), json!(pace.per_second().round()));
        map.insert("seed".into(), json!(pace.seed));
    }
    let value = json!({"summary": summary, "results": verdicts});
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// JUnit XML: a test case per verdict, grouped by operation (the class name). Errors are
/// failures; warnings are printed in a passing case's output; a lifecycle that could not
/// run is skipped, with the reason.
pub fn junit(suite: &str, verdicts: &[Verdict], pace: Option<&Pace>) -> String {
    let t = tally(verdicts);
    let failures = verdicts.iter().filter(|v| !v.passed()).count();
    let (tests, name) = (verdicts.len(), xml(suite));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut totals = format!("tests=\"{tests}\" failures=\"{failures}\" skipped=\"{}\"", t.skipped);
    if let Some(pace) = pace {
        let _ = write!(totals, " time=\"{:.3}\"", pace.elapsed.as_secs_f64());
    }
    let _ = writeln!(out, "<testsuites name=\"{name}\" {totals}>");
    let _ = writeln!(out, "  <testsuite name=\"{name}\" {totals}>");
    if let Some(pace) = pace {
        let _ = writeln!(out, "    <properties><property name=\"seed\" value=\"{}\"/></properties>", pace.seed);
    }
    for v in verdicts {
        let class = v.operation.as_deref().unwrap_or("undocumented");
        let mut name =
            if v.method.is_empty() { v.name.clone() } else { format!("{} {} → {}", v.method, v.path, v.status) };
        if let Some(case) = &v.case {
            name = format!("{case}: {name}");
        }
        let _ = write!(out, "    <testcase classname=\"{}\" name=\"{}\"", xml(class), xml(&name));
        if v.findings.is_empty() && v.skipped.is_none() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        if let Some(reason) = &v.skipped {
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", xml(reason));
        }
        let mut details = String::new();
        for f in &v.findings {
            let _ = writeln!(
                details,
                "{} {}: {} {}: {}",
                f.severity.as_str(),
                f.rule.as_str(),
                f.violation.location,
                f.violation.pointer,
                f.violation.message
            );
        }
        if let (false, Some(seed)) = (v.findings.is_empty(), v.seed) {
            let _ = writeln!(details, "seed: {seed} (--seed {seed} --operation '{class}' plans this case again)");
        }
        if let (false, Some(curl)) = (v.findings.is_empty(), &v.curl) {
            let _ = writeln!(details, "reproduce:\n{curl}");
        }
        match v.findings.iter().find(|f| f.is_error()) {
            Some(first) => {
                let _ = writeln!(
                    out,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    first.rule.as_str(),
                    xml(&first.violation.message),
                    xml(&details)
                );
            }
            None if !details.is_empty() => {
                let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&details));
            }
            None => {}
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Text escaped for an XML attribute or element.
pub fn xml(text: &str) -> String {
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

/// Where a report goes: a file, or standard output (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(std::path::PathBuf),
}

/// A `--report kind=FILE` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportTarget {
    Json(Destination),
    Junit(Destination),
}

impl std::str::FromStr for ReportTarget {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let destination = |file: &str| match file {
            "-" => Destination::Stdout,
            file => Destination::File(file.into()),
        };
        match s.split_once('=') {
            Some(("json", file)) if !file.is_empty() => Ok(ReportTarget::Json(destination(file))),
            Some(("junit", file)) if !file.is_empty() => Ok(ReportTarget::Junit(destination(file))),
            _ => Err(format!("--report '{s}' must be json=FILE or junit=FILE (FILE '-' is standard output)")),
        }
    }
}

impl ReportTarget {
    pub fn destination(&self) -> &Destination {
        match self {
            ReportTarget::Json(d) | ReportTarget::Junit(d) => d,
        }
    }

    /// The report's text; `pace` for a check run.
    pub fn render(&self, suite: &str, verdicts: &[Verdict], pace: Option<&Pace>) -> String {
        match self {
            ReportTarget::Json(_) => json(verdicts, pace),
            ReportTarget::Junit(_) => junit(suite, verdicts, pace),
        }
    }

    /// Writes the report to its file (not for standard output; the caller prints that).
    pub fn write(
        &self,
        suite: &str,
        verdicts: &[Verdict],
        pace: Option<&Pace>,
    ) -> std::io::Result<Option<&std::path::Path>> {
        let Destination::File(path) = self.destination() else { return Ok(None) };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, self.render(suite, verdicts, pace))?;
        Ok(Some(path))
    }
}
