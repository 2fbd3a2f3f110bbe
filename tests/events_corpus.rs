//! The SigmaHQ rules of Windows service logs (`rules/windows/builtin`: Security, System,
//! Task Scheduler, ...) converted one file at a time, counted by outcome. Every query must pass
//! `kql-check`.
//!
//! The counts record today's state. A mapping change that moves them must update
//! `EXPECTED_OUTCOMES`, after checking the rules that moved with `sigma-mde convert --format
//! jsonl` over the same folder.

mod common;
mod events_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sigma_mde::convert_file;

/// Rules by outcome: `converted`, or the kind of the error. The legacy Python converter's
/// Defender backend converted 15 of these 327 rules.
const EXPECTED_OUTCOMES: &[(&str, usize)] = &[
    ("converted", 84),
    ("no-data-source", 147),
    ("unknown-logsource", 87),
    ("unmapped-field", 4),
    ("unsupported-feature", 1),
    ("unsupported-value", 4),
];

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus folder is readable")
        .map(|entry| entry.expect("corpus entry is readable").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rule_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn service_rules_convert_by_outcome() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let root = shared.join("corpus/sigmahq/rules/windows/builtin");
    let mut files = Vec::new();
    rule_files(&root, &mut files);

    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut queries = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("rule file is readable");
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        for output in convert_file(&bytes, Some(&name), &Default::default()) {
            let outcome = match &output.result {
                Ok(conversion) => {
                    for (index, query) in conversion.queries.iter().enumerate() {
                        queries.push((format!("{name}#{index}"), query.clone()));
                    }
                    "converted".to_owned()
                }
                Err(error) => error.kind.name().to_owned(),
            };
            *outcomes.entry(outcome).or_default() += 1;
        }
    }

    let expected: BTreeMap<String, usize> = EXPECTED_OUTCOMES
        .iter()
        .map(|(k, n)| ((*k).to_owned(), *n))
        .collect();
    assert_eq!(outcomes.values().sum::<usize>(), 327, "rules in the folder");
    assert_eq!(outcomes, expected, "outcomes of the service log rules");
    assert_eq!(queries.len(), 84, "queries of the converted rules");
    events_support::assert_queries_check("events-corpus", &queries);
}
