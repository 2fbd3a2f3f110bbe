//! Every rule of the SigmaHQ corpus parses, except the ones listed with the fault in the
//! rule that makes them fail.

mod common;

use std::path::{Path, PathBuf};

use sigma_mde::sigma::{parse_bytes, Document, ParseOptions};

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
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
fn corpus_rules_parse() {
    let Some(shared) = common::shared_dir() else { return };
    let root = shared.join("corpus/sigmahq/rules");
    let mut files = Vec::new();
    rule_files(&root, &mut files);
    let options = ParseOptions::default();
    let mut failures = Vec::new();
    let mut rules = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let shown = path.strip_prefix(&root).unwrap().display().to_string();
        let parsed = parse_bytes(&bytes, Some(&shown), &options);
        for doc in parsed.documents {
            match doc {
                Ok(Document::Rule(_)) => rules += 1,
                Ok(_) => {}
                Err(e) => failures.push(e.to_string()),
            }
        }
    }
    for f in &failures {
        println!("{f}");
    }
    println!("{} files, {rules} rules, {} failures", files.len(), failures.len());
    assert!(failures.is_empty());
}
