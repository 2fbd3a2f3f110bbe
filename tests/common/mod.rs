//! Access to the shared test material (the SigmaHQ corpus, the Defender schema and the
//! query checkers), which lives outside the repository.
#![allow(dead_code)]

use std::path::PathBuf;

/// Environment variable that overrides where the shared test material is.
pub const SHARED_DIR_VARIABLE: &str = "SIGMA_MDE_SHARED";

/// Returns the folder of shared test material, or `None` when it is missing.
///
/// The default is `../shared` beside the repository; `SIGMA_MDE_SHARED` overrides it. When
/// the folder is missing the test prints why it does nothing. With `CI=true` a missing
/// folder fails the test instead, so a CI run cannot pass by skipping the corpus.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os(SHARED_DIR_VARIABLE) {
        Some(value) => PathBuf::from(value),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared"),
    };
    if dir.join("README.md").is_file() {
        return Some(dir);
    }
    let message = format!(
        "shared test material not found at {} (set {SHARED_DIR_VARIABLE} to its folder)",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}; CI=true requires it");
    }
    eprintln!("skipping: {message}");
    None
}

/// Runs Microsoft's KQL parser and binder (`tools/kql-check/kql-check` in the shared
/// material) over `queries`, given as `(id, query)` pairs, and returns its report of the
/// failed ones. `None` means the checker could not run (printed, or a panic under `CI=true`).
pub fn kql_check(
    shared: &std::path::Path,
    label: &str,
    queries: &[(String, String)],
) -> Option<Vec<String>> {
    use std::io::Write as _;

    let tool = shared.join("tools").join("kql-check").join("kql-check");
    let input =
        std::env::temp_dir().join(format!("sigma-mde-{label}-{}.jsonl", std::process::id()));
    {
        let mut file = std::fs::File::create(&input).expect("temporary query file can be created");
        for (id, query) in queries {
            let line = serde_json::json!({ "id": id, "query": query });
            writeln!(file, "{line}").expect("temporary query file can be written");
        }
    }
    let output = std::process::Command::new(&tool)
        .arg("--jsonl")
        .arg(&input)
        .output();
    let _ = std::fs::remove_file(&input);
    let output = match output {
        Ok(output) => output,
        Err(error) => {
            let message = format!("kql-check could not run ({}): {error}", tool.display());
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{message}");
            }
            eprintln!("skipping: {message}");
            return None;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => Some(Vec::new()),
        Some(1) => Some(failure_blocks(&stdout)),
        _ => panic!("kql-check failed to run: {stderr}\n{stdout}"),
    }
}

/// Splits kql-check's report into one block per failed query.
fn failure_blocks(report: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in report.lines() {
        if line.contains(": FAIL") {
            blocks.push(line.to_owned());
        } else if let Some(last) = blocks.last_mut() {
            if !line.trim().is_empty() && !line.ends_with("failed") {
                last.push('\n');
                last.push_str(line);
            }
        }
    }
    blocks
}

/// What the query oracle reported for a batch of rules.
pub struct OracleReport {
    /// How many rules' queries found their own recorded event.
    pub matched: usize,
    /// Paths of the rules whose queries ran and missed their own recorded event.
    pub missed: Vec<String>,
    /// The oracle's closing lines, for the test log.
    pub summary: String,
}

/// Runs the query oracle (`tools/oracle/oracle-check` in the shared material) over JSON
/// lines of `{"path", "queries"}` or `{"path", "error"}`. `None` means the oracle could not
/// run (printed, or a panic under `CI=true`).
pub fn oracle_check(shared: &std::path::Path, label: &str, jsonl: &str) -> Option<OracleReport> {
    let tool = shared.join("tools").join("oracle").join("oracle-check");
    let input = std::env::temp_dir().join(format!(
        "sigma-mde-oracle-{label}-{}.jsonl",
        std::process::id()
    ));
    std::fs::write(&input, jsonl).expect("temporary oracle input can be written");
    let output = std::process::Command::new(&tool).arg(&input).output();
    let _ = std::fs::remove_file(&input);
    let output = match output {
        Ok(output) => output,
        Err(error) => {
            let message = format!("oracle-check could not run ({}): {error}", tool.display());
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{message}");
            }
            eprintln!("skipping: {message}");
            return None;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !matches!(output.status.code(), Some(0) | Some(1)) {
        panic!("oracle-check failed to run: {stderr}\n{stdout}");
    }
    let mut matched = 0;
    let mut missed = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("matched ") {
            matched += 1;
        } else if let Some(rest) = line.strip_prefix("missed ") {
            missed.push(rest.trim().to_owned());
        }
    }
    let summary = stdout.lines().rev().take(2).collect::<Vec<_>>().join("\n");
    Some(OracleReport {
        matched,
        missed,
        summary,
    })
}
