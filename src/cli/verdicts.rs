//! The commands that come to verdicts — `validate`, `check`, `lint` — and how verdicts are
//! shown: for people (coloured on a terminal unless NO_COLOR), and as JSON or JUnit reports,
//! to files or to standard output.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::check::{self, Destination, ReportTarget, Verdict};
use crate::{Error, app, mounts};

use super::commands::warn_about;
use super::{CheckArgs, LintArgs, ValidateArgs};

pub fn validate(args: ValidateArgs) -> Result<ExitCode, Error> {
    let rules = args.rules.filter()?;
    let (_, api) = mounts::load(&args.spec)?;
    warn_about(&api);
    let loaded = check::load_all(&args.fixtures).map_err(|e| Error::Usage(e.to_string()))?;
    for (file, why) in &loaded.skipped {
        say!("skipped {file}: not a fixture ({why})");
    }
    let mut secrets = check::Secrets::of(&api);
    let judge = check::Judge::new(Arc::new(api))?;
    for exchange in &loaded.exchanges {
        secrets.remember(&exchange.request.headers, &exchange.request.target);
    }
    let verdicts: Vec<Verdict> = loaded
        .exchanges
        .iter()
        .map(|e| {
            let mut verdict = judge.exchange(e);
            verdict.apply(&rules);
            verdict.redact(&secrets);
            verdict
        })
        .collect();
    let style = check::Human { show_passed: !args.quiet, color: true, ..check::Human::default() };
    finish(&verdicts, &args.reports, "specmock validate", style)
}

pub fn check(args: CheckArgs) -> Result<ExitCode, Error> {
    let rules = args.rules.filter()?;
    let (_, api) = mounts::load(&args.spec)?;
    warn_about(&api);
    let options = check::CheckOptions {
        base_url: args.base_url,
        auth: args.auth,
        headers: args.headers,
        operations: args.operations,
        tags: args.tags,
        max_requests: args.max_requests,
        seed: args.seed,
        concurrency: args.concurrency,
        timeout: Duration::from_secs(args.timeout.max(1)),
        rules,
        stateful: !args.no_stateful,
        max_examples: args.max_examples,
    };
    let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} requests {wide_bar} {per_sec} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let result = app::runtime(None)?.block_on(check::run(Arc::new(api), &options, &progress));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = result?;
    if let Some(note) = &outcome.note {
        say!("{note}");
        return Ok(ExitCode::SUCCESS);
    }
    let style = check::Human { show_passed: false, color: true, variables: outcome.variables, pace: outcome.pace };
    finish(&outcome.verdicts, &args.reports, "specmock check", style)
}

pub fn lint(args: LintArgs) -> Result<ExitCode, Error> {
    let mut issues = crate::lint::lint(&args.spec)?;
    if args.strict {
        for issue in &mut issues {
            issue.severity = check::Severity::Error;
        }
    }
    let to_stdout = one_on_stdout(&args.reports)?;
    let file = issues.first().map(|i| i.file.clone()).unwrap_or_else(|| args.spec.clone());
    if to_stdout {
        say!("{}", crate::lint::human(&file, &issues, colors(&std::io::stderr())).trim_end());
    } else {
        out!("{}", crate::lint::human(&file, &issues, colors(&std::io::stdout())).trim_end());
    }
    for report in &args.reports {
        let text = match report {
            ReportTarget::Json(_) => crate::lint::json(&file, &issues),
            ReportTarget::Junit(_) => crate::lint::junit(&file, &issues),
        };
        match report.destination() {
            Destination::Stdout => out!("{}", text.trim_end()),
            Destination::File(path) => match std::fs::write(path, text) {
                Ok(()) => say!("report written to {}", path.display()),
                Err(e) => return Err(Error::Usage(format!("cannot write the report {}: {e}", path.display()))),
            },
        }
    }
    Ok(if issues.iter().any(|i| i.is_error()) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// At most one report may take standard output; says whether one does.
fn one_on_stdout(reports: &[ReportTarget]) -> Result<bool, Error> {
    match reports.iter().filter(|r| *r.destination() == Destination::Stdout).count() {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Error::Usage("only one --report can go to standard output ('-')".into())),
    }
}

/// Prints the verdicts for people and writes the reports; exits 1 when an error was found.
fn finish(
    verdicts: &[Verdict],
    reports: &[ReportTarget],
    suite: &str,
    mut style: check::Human,
) -> Result<ExitCode, Error> {
    // With a report on standard output, the human report moves to standard error.
    if one_on_stdout(reports)? {
        style.color &= colors(&std::io::stderr());
        say!("{}", check::human(verdicts, &style).trim_end());
    } else {
        style.color &= colors(&std::io::stdout());
        out!("{}", check::human(verdicts, &style).trim_end());
    }
    for report in reports {
        match report.write(suite, verdicts, style.pace.as_ref()) {
            Ok(Some(path)) => say!("report written to {}", path.display()),
            Ok(None) => out!("{}", report.render(suite, verdicts, style.pace.as_ref()).trim_end()),
            Err(e) => return Err(Error::Usage(format!("cannot write the report: {e}"))),
        }
    }
    Ok(if verdicts.iter().all(Verdict::passed) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Colours on a terminal, unless NO_COLOR is set (https://no-color.org).
fn colors(stream: &impl std::io::IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
