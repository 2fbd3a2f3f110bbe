//! The whole SigmaHQ corpus, converted in one run: outcomes counted by reason, every query
//! checked by Microsoft's KQL parser, and the rules with recorded events checked by the
//! query oracle.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sigma_mde::{convert_batch, ConvertOptions, RuleOutput};

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("folder entry is readable").path())
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            rule_files(&entry, out);
        } else if entry
            .extension()
            .is_some_and(|ext| ext == "yml" || ext == "yaml")
        {
            out.push(entry);
        }
    }
}

/// Converts every corpus rule; paths in the outputs are relative to the corpus root
/// (`rules/windows/...`), as the oracle expects them.
fn convert_corpus(shared: &Path) -> Vec<RuleOutput> {
    let root = shared.join("corpus").join("sigmahq");
    let mut files = Vec::new();
    rule_files(&root.join("rules"), &mut files);
    assert_eq!(files.len(), 3141, "the corpus should hold 3,141 rule files");
    let contents: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&root)
                .expect("file is under the corpus root");
            (
                relative.to_string_lossy().into_owned(),
                std::fs::read(path).expect("rule file is readable"),
            )
        })
        .collect();
    convert_batch(
        contents
            .iter()
            .map(|(path, bytes)| (Some(path.clone()), bytes.as_slice())),
        &ConvertOptions::default(),
    )
}

fn is_windows(output: &RuleOutput) -> bool {
    output
        .path
        .as_deref()
        .is_some_and(|p| p.starts_with("rules/windows/"))
}

#[test]
fn corpus_outcomes_by_reason() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let outputs = convert_corpus(&shared);
    assert_eq!(outputs.len(), 3141, "one output per rule");

    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    let mut windows_converted = 0;
    let mut windows_total = 0;
    for output in &outputs {
        let reason = match &output.result {
            Ok(_) => "converted",
            Err(error) => error.kind.name(),
        };
        *by_reason.entry(reason).or_default() += 1;
        if is_windows(output) {
            windows_total += 1;
            if output.result.is_ok() {
                windows_converted += 1;
            }
        }
    }
    println!("outcomes: {by_reason:?}; windows: {windows_converted} of {windows_total}");

    assert_eq!(windows_total, 2407);
    assert!(
        windows_converted >= 1900,
        "only {windows_converted} of 2,407 Windows rules converted"
    );
    let expected: BTreeMap<&str, usize> = [
        ("converted", 2261),
        ("no-data-source", 181),
        ("unknown-logsource", 621),
        ("unmapped-field", 66),
        ("unsupported-feature", 1),
        ("unsupported-value", 11),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        by_reason, expected,
        "corpus outcomes changed; update the figures if the change is intended"
    );
    assert_eq!(windows_converted, 2060);
}

#[test]
fn corpus_queries_never_empty() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    for output in convert_corpus(&shared) {
        let path = output.path.as_deref().unwrap_or("?");
        let Ok(conversion) = &output.result else {
            continue;
        };
        assert!(
            !conversion.queries.is_empty(),
            "{path}: converted without a query"
        );
        for query in &conversion.queries {
            let (_, filter) = query
                .split_once("| where ")
                .unwrap_or_else(|| panic!("{path}: query without a where clause:\n{query}"));
            let filter = filter.trim();
            assert!(!filter.is_empty(), "{path}: empty where clause");
            assert_ne!(filter, "true", "{path}: always-true query");
            assert!(
                !filter.starts_with("true "),
                "{path}: always-true query:\n{query}"
            );
            assert!(
                !query.contains("| where true"),
                "{path}: always-true clause:\n{query}"
            );
            assert!(
                !query.contains("| where false"),
                "{path}: never-true clause:\n{query}"
            );
        }
    }
}

#[test]
fn corpus_queries_pass_kql_check() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let mut queries = Vec::new();
    for output in convert_corpus(&shared) {
        if let Ok(conversion) = &output.result {
            for (i, query) in conversion.queries.iter().enumerate() {
                queries.push((
                    format!("{}#{i}", output.path.as_deref().unwrap_or("?")),
                    query.clone(),
                ));
            }
        }
    }
    assert!(
        queries.len() > 2000,
        "expected more than 2,000 corpus queries, got {}",
        queries.len()
    );
    let Some(failures) = common::kql_check(&shared, "corpus", &queries) else {
        return;
    };
    assert!(
        failures.is_empty(),
        "{} corpus queries fail kql-check:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_oracle_finds_recorded_events() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let mut lines = String::new();
    for output in convert_corpus(&shared) {
        let path = output.path.clone().unwrap_or_default();
        let line = match &output.result {
            Ok(conversion) => serde_json::json!({ "path": path, "queries": conversion.queries }),
            Err(error) => serde_json::json!({ "path": path, "error": error.to_string() }),
        };
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    let Some(report) = common::oracle_check(&shared, "corpus", &lines) else {
        return;
    };
    println!("{}", report.summary);
    assert_eq!(
        report.missed,
        Vec::<String>::new(),
        "rules whose query misses their own recorded event"
    );
    assert_eq!(
        report.matched, 184,
        "rules whose query finds their recorded event"
    );
}
