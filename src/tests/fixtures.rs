//! Every fixture of every built-in style judged, every verdict snapshotted (what
//! `specmock validate` reports, tested from outside in tests/fixtures.rs).

use std::path::{Path, PathBuf};

use super::common;
use crate::check::{Judge, load_all};

const STYLES: &[&str] = &["scalekit", "straddle", "clerk", "zitadel"];

fn fixtures(style: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(style)
}

#[test]
fn good_fixtures_pass_and_bad_ones_fail_with_snapshotted_verdicts() {
    for style in STYLES {
        let api = crate::spec::Builtin::find(style).unwrap().load().unwrap();
        let judge = Judge::new(std::sync::Arc::new(api)).unwrap();
        let exchanges = load_all(&[fixtures(style)]).unwrap().exchanges;
        assert!(exchanges.len() >= 10, "{style}: {} fixtures", exchanges.len());
        let mut verdicts = Vec::new();
        for exchange in &exchanges {
            let mut verdict = judge.exchange(exchange);
            let good = exchange.source.contains("/good/");
            assert_eq!(verdict.passed(), good, "{}: {:#?}", exchange.source, verdict.findings);
            if !good {
                assert_eq!(verdict.findings.len(), 1, "a bad fixture breaks exactly one rule: {}", exchange.source);
            }
            // Paths in snapshots are relative to the repository.
            verdict.source = verdict.source.split("fixtures/").last().unwrap_or_default().to_string();
            verdicts.push(verdict);
        }
        let settings = common::snapshot_settings();
        settings.bind(|| insta::assert_json_snapshot!(format!("fixtures_{style}"), verdicts));
    }
}

#[test]
fn bad_fixtures_cover_every_rule_the_issue_names() {
    for style in STYLES {
        let api = crate::spec::Builtin::find(style).unwrap().load().unwrap();
        let judge = Judge::new(std::sync::Arc::new(api)).unwrap();
        let keywords: Vec<String> = load_all(&[fixtures(style).join("bad")])
            .unwrap()
            .exchanges
            .iter()
            .flat_map(|e| judge.exchange(e).findings)
            .map(|f| f.violation.keyword.to_string())
            .collect();
        for needed in ["type", "required", "status", "content_type"] {
            assert!(keywords.iter().any(|k| k == needed), "{style}: no bad fixture breaks '{needed}': {keywords:?}");
        }
        assert!(
            keywords.iter().any(|k| k == "pattern" || k == "enum" || k == "const"),
            "{style}: no bad fixture breaks a pattern or enum: {keywords:?}"
        );
    }
}
