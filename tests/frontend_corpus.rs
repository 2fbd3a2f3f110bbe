//! Every rule of the SigmaHQ corpus parses. A rule that fails must be listed in
//! `EXPECTED_FAILURES` with the fault of the rule that makes it fail; today none does.

mod common;

use std::path::{Path, PathBuf};

use sigma_mde::ir::{Expr, Test};
use sigma_mde::sigma::{parse_bytes, Document, ParseOptions};

/// Rule files (relative to the corpus `rules/` folder) that must fail, with the start of
/// the error message. Every entry is a genuine fault of the rule.
const EXPECTED_FAILURES: &[(&str, &str)] = &[];

const CORPUS_RULES: usize = 3141;

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
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

fn count_predicates(expr: &Expr, count: &mut usize, regexes: &mut usize) {
    match expr {
        Expr::And(terms) | Expr::Or(terms) => {
            terms
                .iter()
                .for_each(|t| count_predicates(t, count, regexes));
        }
        Expr::Not(inner) => count_predicates(inner, count, regexes),
        Expr::Pred(p) => {
            *count += 1;
            if matches!(p.test, Test::Regex { .. }) {
                *regexes += 1;
            }
            assert!(p.position.line > 0, "predicate without a position: {p:?}");
        }
    }
}

#[test]
fn corpus_rules_parse() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let root = shared.join("corpus/sigmahq/rules");
    let mut files = Vec::new();
    rule_files(&root, &mut files);
    assert_eq!(files.len(), CORPUS_RULES);

    let options = ParseOptions::default();
    let started = std::time::Instant::now();
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut rules = 0;
    let mut predicates = 0;
    let mut regexes = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let label = path.strip_prefix(&root).unwrap().display().to_string();
        let parsed = parse_bytes(&bytes, Some(&label), &options);
        assert_eq!(parsed.documents.len(), 1, "{label}");
        for doc in parsed.documents {
            match doc {
                Ok(Document::Rule(rule)) => {
                    rules += 1;
                    assert!(!rule.conditions.is_empty(), "{label}");
                    for condition in &rule.conditions {
                        count_predicates(condition, &mut predicates, &mut regexes);
                    }
                }
                Ok(other) => panic!("{label} is not a rule: {}", other.title()),
                Err(e) => failures.push((label.clone(), e.to_string())),
            }
        }
    }
    println!(
        "{} files, {rules} rules, {predicates} predicates ({regexes} regexes), {} failures, {:?}",
        files.len(),
        failures.len(),
        started.elapsed()
    );
    for (file, message) in &failures {
        println!("{message}");
        let expected = EXPECTED_FAILURES.iter().find(|(f, _)| f == file);
        assert!(expected.is_some(), "unexpected failure: {message}");
    }
    for (file, reason) in EXPECTED_FAILURES {
        let failure = failures.iter().find(|(f, _)| f == file);
        let Some((_, message)) = failure else {
            panic!("{file} was expected to fail ({reason})")
        };
        assert!(message.contains(reason), "{file}: {message}");
    }
    assert_eq!(rules + failures.len(), CORPUS_RULES);
}
