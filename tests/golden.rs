//! Golden tests: each `tests/golden/NAME.yml` converts to exactly `NAME.kql` (queries
//! separated by a blank line) or fails with exactly `NAME.err` (`kind: message`).
//! Warnings, when a rule has any, must equal `NAME.warnings` (one per line).
//!
//! `UPDATE_GOLDEN=1 cargo test --test golden` rewrites the expected files from the current
//! output; review the diff before committing it.

mod common;

use std::path::{Path, PathBuf};

use sigma_mde::{convert_file, ConvertOptions};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
}

fn cases() -> Vec<PathBuf> {
    let mut rules: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden exists")
        .map(|entry| entry.expect("folder entry is readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yml"))
        .collect();
    rules.sort();
    rules
}

/// Returns the expected and the actual text of every output file of one case.
fn outputs(rule: &Path) -> Vec<(PathBuf, Option<String>, Option<String>)> {
    let bytes = std::fs::read(rule).expect("golden rule is readable");
    let name = rule
        .file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned();
    let mut results = convert_file(&bytes, Some(&name), &ConvertOptions::default());
    assert_eq!(results.len(), 1, "{name}: a golden file holds one rule");
    let result = results.remove(0).result;

    let (kql, err, warnings) = match result {
        Ok(conversion) => {
            let warnings: Vec<String> = conversion.warnings.iter().map(|w| w.to_string()).collect();
            (
                Some(conversion.queries.join("\n\n") + "\n"),
                None,
                (!warnings.is_empty()).then(|| warnings.join("\n") + "\n"),
            )
        }
        Err(error) => (
            None,
            Some(format!("{}: {}\n", error.kind.name(), error)),
            None,
        ),
    };
    let read = |ext: &str| std::fs::read_to_string(rule.with_extension(ext)).ok();
    vec![
        (rule.with_extension("kql"), read("kql"), kql),
        (rule.with_extension("err"), read("err"), err),
        (rule.with_extension("warnings"), read("warnings"), warnings),
    ]
}

#[test]
fn golden_rules_convert_exactly() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let cases = cases();
    assert!(
        cases.len() >= 20,
        "expected the golden cases, found {}",
        cases.len()
    );
    let mut mismatches = Vec::new();
    for rule in &cases {
        for (path, expected, actual) in outputs(rule) {
            if expected == actual {
                continue;
            }
            if update {
                match &actual {
                    Some(text) => std::fs::write(&path, text).expect("golden file can be written"),
                    None => std::fs::remove_file(&path).expect("stale golden file can be removed"),
                }
            } else {
                mismatches.push(format!(
                    "{}:\n--- expected\n{}\n--- actual\n{}",
                    path.display(),
                    expected.as_deref().unwrap_or("(no file)"),
                    actual.as_deref().unwrap_or("(no output)")
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} golden mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn golden_queries_pass_kql_check() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let mut queries = Vec::new();
    for rule in cases() {
        if let Ok(text) = std::fs::read_to_string(rule.with_extension("kql")) {
            for (i, query) in text.trim_end().split("\n\n").enumerate() {
                queries.push((format!("{}#{i}", rule.display()), query.to_owned()));
            }
        }
    }
    assert!(
        queries.len() >= 15,
        "expected golden queries, found {}",
        queries.len()
    );
    let Some(failures) = common::kql_check(&shared, "golden", &queries) else {
        return;
    };
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn example_rules_convert_and_pass_kql_check() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("rules");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("examples/rules exists")
        .map(|entry| entry.expect("folder entry is readable").path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 12,
        "expected a dozen example rules, found {}",
        files.len()
    );
    let mut queries = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).expect("example rule is readable");
        for output in convert_file(
            &bytes,
            Some(&file.display().to_string()),
            &ConvertOptions::default(),
        ) {
            let conversion = output
                .result
                .unwrap_or_else(|e| panic!("example rule failed: {e}"));
            for query in conversion.queries {
                queries.push((file.display().to_string(), query));
            }
        }
    }
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let Some(failures) = common::kql_check(&shared, "examples", &queries) else {
        return;
    };
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Builds a rule whose one selection lists `count` values for `CommandLine|modifier`.
fn long_list_rule(modifier: &str, count: usize, value: impl Fn(usize) -> String) -> Vec<u8> {
    let mut rule = format!(
        "title: long list\nlogsource: {{category: process_creation, product: windows}}\ndetection:\n    selection:\n        CommandLine{modifier}:\n"
    );
    for i in 0..count {
        rule.push_str(&format!("            - '{}'\n", value(i)));
    }
    rule.push_str("    condition: selection\n");
    rule.into_bytes()
}

#[test]
fn long_lists_stay_within_parser_depth() {
    let cases = [
        (
            "contains",
            long_list_rule("|contains", 300, |i| format!("value{i}.exe")),
        ),
        (
            "inner wildcards",
            long_list_rule("|contains", 300, |i| format!("a{i}*b{i}")),
        ),
        ("equality", long_list_rule("", 300, |i| format!("cmd{i}"))),
        (
            "endswith",
            long_list_rule("|endswith", 600, |i| format!("\\tool{i}.exe")),
        ),
    ];
    let mut queries = Vec::new();
    for (label, rule) in &cases {
        let mut outputs = convert_file(rule, Some("long.yml"), &ConvertOptions::default());
        let conversion = outputs
            .remove(0)
            .result
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        let query = &conversion.queries[0];
        assert!(
            !query.contains(" or "),
            "{label}: the list should fold into one test:\n{query}"
        );
        queries.push((label.to_string(), query.clone()));
    }
    assert!(
        queries[0]
            .1
            .contains(r#"matches regex @"(?i)(value0\.exe|value1\.exe|"#),
        "{}",
        queries[0].1
    );
    assert!(
        queries[1]
            .1
            .contains(r#"matches regex @"(?i:a0.*b0)|(?i:a1.*b1)|"#),
        "{}",
        queries[1].1
    );
    assert!(
        queries[2]
            .1
            .contains(r#"ProcessCommandLine in~ ("cmd0", "cmd1", "#),
        "{}",
        queries[2].1
    );
    assert!(
        queries[3].1.contains(r#"FolderPath matches regex"#)
            || queries[3]
                .1
                .contains(r#"ProcessCommandLine matches regex @"(?i)(\\tool0\.exe|"#),
        "{}",
        queries[3].1
    );
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let Some(failures) = common::kql_check(&shared, "long-lists", &queries) else {
        return;
    };
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
